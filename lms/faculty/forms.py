"""Forms of the teacher library."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from lms.faculty.labels import KIND_LABELS, STATUS_LABELS


class TeacherForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Internal or invited"), choices=list(KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[Length(max=100)])
    organization = StringField(_l("Organization"), validators=[Length(max=200)])
    subjects = StringField(
        _l("Subjects"),
        validators=[Length(max=500)],
        description=_l("Separate subjects with commas, e.g. party history, rural revitalisation."),
    )
    contact = StringField(_l("Contact"), validators=[Length(max=200)])
    user_id = SelectField(_l("User account (teaches online)"), validate_choice=True, coerce=str)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=list(STATUS_LABELS.items()))
    effective_on = DateField(_l("From"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
