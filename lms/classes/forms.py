"""Forms for classes, their sessions, blackout periods, seat quotas and nominations."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.classes.labels import CLASS_TYPE_LABELS
from lms.classes.scheduling import MAX_CAPACITY
from lms.plans.forms import AudienceForm


class ClassForm(AudienceForm):
    """A class; the audience fields are the plan's."""

    class_type = SelectField(
        _l("Type"), choices=list(CLASS_TYPE_LABELS.items()), validators=[DataRequired()]
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    organizer_unit_id = SelectField(_l("Organizing unit"), coerce=str, validators=[DataRequired()])
    institution = StringField(
        _l("Training institution"),
        validators=[Length(max=200)],
        description=_l("For example the district party school."),
    )
    manager = StringField(
        _l("Class manager (user name)"),
        validators=[Optional(), Length(max=64)],
        description=_l("The class manager (班主任) sees the class and its members."),
    )
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    enrol_opens_on = DateField(_l("Enrolment opens"), validators=[InputRequired()])
    enrol_closes_on = DateField(_l("Enrolment closes"), validators=[InputRequired()])
    cancel_until = DateField(
        _l("Cancellation possible until"),
        validators=[InputRequired()],
        description=_l("Members may give up their place until the end of this day."),
    )
    capacity = IntegerField(
        _l("Capacity"), validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)]
    )


class SessionForm(FlaskForm):
    day = DateField(lazy_pgettext("session", "Date"), validators=[InputRequired()])
    starts_at = TimeField(_l("Start"), validators=[InputRequired()])
    ends_at = TimeField(_l("End"), validators=[InputRequired()])
    room = StringField(_l("Room"), validators=[Length(max=200)])
    teacher = StringField(_l("Teacher"), validators=[Length(max=200)])
    topic = StringField(_l("Topic"), validators=[Length(max=300)])


class BlackoutForm(FlaskForm):
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("To"), validators=[InputRequired()])
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("For example: the district people's congress."),
    )


class QuotaForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=str, validators=[DataRequired()])
    seats = IntegerField(
        _l("Seats"), validators=[InputRequired(), NumberRange(min=0, max=MAX_CAPACITY)]
    )


class NominationForm(FlaskForm):
    unit_id = SelectField(_l("For the seats of"), coerce=str, validators=[DataRequired()])
    cadre = StringField(
        _l("Cadre (personnel number or user name)"), validators=[DataRequired(), Length(max=64)]
    )
    reason = StringField(
        _l("Reason for the nomination"), validators=[DataRequired(), Length(max=500)]
    )


class RefusalForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
