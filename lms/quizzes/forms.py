"""Forms for quiz settings, the fixed question list and random draw rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.quizzes.labels import COUNTING_LABELS, REVEAL_LABELS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class QuizForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Instructions"), validators=[Length(max=5000)], description=_l("Shown before starting.")
    )
    is_published = BooleanField(_l("Published (cadres can take it)"))
    shuffle_questions = BooleanField(_l("Shuffle the order of questions in each attempt"))
    shuffle_options = BooleanField(_l("Shuffle the order of options in each attempt"))
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=1440)],
        description=_l("Leave empty for no time limit."),
    )
    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(
        _l("Closes at"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave empty for unlimited attempts."),
    )
    counting_rule = SelectField(_l("Which attempt counts"), choices=list(COUNTING_LABELS.items()))
    pass_percent = FloatField(
        _l("Pass mark (%)"), default=60.0, validators=[InputRequired(), NumberRange(0, 100)]
    )
    reveal = SelectField(_l("Show correct answers"), choices=list(REVEAL_LABELS.items()))
    requires_lessons_completed = BooleanField(
        _l("Cadres must complete every lesson of the course first")
    )
    is_required_for_completion = BooleanField(
        _l("Passing this test is required to complete the course")
    )


class DrawRuleForm(FlaskForm):
    bank_id = SelectField(_l("Bank"), coerce=int, validators=[InputRequired()])
    count = IntegerField(
        _l("Number of questions"), default=5, validators=[InputRequired(), NumberRange(1, 200)]
    )
    tag = StringField(_l("Tag (optional)"), validators=[Optional(), Length(max=50)])
    difficulty = SelectField(
        _l("Difficulty"),
        choices=[("", _l("Any")), ("1", _l("Easy")), ("2", _l("Medium")), ("3", _l("Hard"))],
        validators=[Optional()],
    )
