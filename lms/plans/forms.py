"""Forms for the plan's settings, quota rules and assignments (audiences are shared)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from lms.plans import rules
from lms.plans.audiences import MAX_RANK
from lms.plans.quotas import MAX_OFFLINE_DAYS, MAX_ONLINE_HOURS

EVERYONE = ""
ANY = ""

PRIORITY_CHOICES = [
    (ANY, _l("Any")),
    (rules.RESERVE, _l("Reserve cadres")),
    (rules.YOUNG, _l("Young cadres")),
    (rules.NEWLY_PROMOTED, _l("Newly promoted cadres")),
    (rules.KEY_POSITION, _l("Cadres in key positions")),
]


class PlanSettingsForm(FlaskForm):
    cutoff = StringField(
        _l("Statistics cut-off (month-day)"),
        validators=[
            DataRequired(),
            Regexp(r"^\d{1,2}-\d{1,2}$", message=_l("Give the cut-off as month-day, e.g. 11-30.")),
        ],
        description=_l("Hours credited after this date count toward the next year."),
    )
    hours_per_training_day = DecimalField(
        _l("Hours per training day"),
        places=1,
        validators=[InputRequired(), NumberRange(min=0.5, max=24)],
    )
    young_age_limit = IntegerField(
        _l("Young cadres: age at most"),
        validators=[InputRequired(), NumberRange(min=18, max=70)],
    )
    newly_promoted_months = IntegerField(
        _l("Newly promoted: within months"),
        validators=[InputRequired(), NumberRange(min=1, max=120)],
    )


class AudienceForm(FlaskForm):
    """Who: a unit (with or without its sub-units), a category, a rank, a priority group."""

    unit_id = SelectField(_l("Unit"), coerce=str)
    include_sub_units = BooleanField(_l("Include all units below it"), default=True)
    category_id = SelectField(_l("Cadre category"), coerce=str)
    rank = StringField(
        _l("Rank"),
        validators=[Length(max=MAX_RANK)],
        description=_l("Exactly as in the cadre records, e.g. 科级; leave empty for any rank."),
    )
    priority_group = SelectField(_l("Priority group"), choices=PRIORITY_CHOICES, coerce=str)


class RuleForm(AudienceForm):
    online_hours = DecimalField(
        _l("Online hours"),
        places=1,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_ONLINE_HOURS)],
    )
    required_hours = DecimalField(
        _l("Of which from required courses"),
        places=1,
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_ONLINE_HOURS)],
    )
    offline_days = DecimalField(
        _l("Training days (online and offline together)"),
        places=1,
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_OFFLINE_DAYS)],
    )


class AssignmentForm(AudienceForm):
    course_id = SelectField(_l("Course"), coerce=str)
    quiz_id = SelectField(_l("Exam"), coerce=str)
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
