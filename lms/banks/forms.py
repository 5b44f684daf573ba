"""Forms for banks, the question editor and bank files."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from lms.banks import question_rules
from lms.banks.editing import MAX_TITLE
from lms.banks.messages import DIFFICULTY_LABELS
from lms.core.tabular import EXTENSIONS

NONE = ""


class BankForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    course_id = SelectField(
        _l("Course"),
        description=_l("The course whose test uses this bank; only courses you teach."),
        validate_choice=False,  # the service checks it, with a clear message
    )
    content_category_id = SelectField(
        _l("Content category"),
        description=_l("Share the bank by topic, for exams across courses."),
        validate_choice=False,
    )


class QuestionForm(FlaskForm):
    """Every type's fields; the page shows those of the question's type."""

    text = TextAreaField(_l("Question"), render_kw={"rows": 4})
    options = FieldList(
        StringField(_l("Option")),
        min_entries=question_rules.MAX_OPTIONS,
        max_entries=question_rules.MAX_OPTIONS,
    )
    # Option positions ("0".."5"), posted by the radio buttons or checkboxes beside the options.
    correct = SelectMultipleField(
        _l("Correct"),
        choices=[(str(i), letter) for i, letter in enumerate(question_rules.LETTERS)],
        validate_choice=False,
    )
    statement = RadioField(
        _l("The statement is"),
        choices=[("true", _l("True (对)")), ("false", _l("False (错)"))],
        validate_choice=False,
    )
    accepted_answers = TextAreaField(
        _l("Accepted answers"),
        description=_l(
            "One per line. Case, full-width and half-width characters and spaces are ignored "
            "when grading."
        ),
        render_kw={"rows": 4},
    )
    is_partial_credit = BooleanField(_l("Partial credit (otherwise all or nothing)"))
    points = StringField(_l("Points"), default="1", render_kw={"inputmode": "decimal"})
    difficulty = SelectField(
        _l("Difficulty"),
        choices=[(str(level), label) for level, label in DIFFICULTY_LABELS.items()],
        default="2",
    )
    tags = StringField(_l("Tags"), description=_l("Separated by commas or 、, e.g. 党史、理论"))
    explanation = TextAreaField(
        _l("Explanation"),
        description=_l("Shown to the cadre after grading."),
        render_kw={"rows": 3},
    )


class BankFileForm(FlaskForm):
    file = FileField(
        _l("Question file (CSV or XLSX)"),
        validators=[
            FileRequired(message=_l("Choose a file to upload.")),
            FileAllowed(EXTENSIONS, message=_l("Upload a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )
