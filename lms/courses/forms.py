"""Forms for courses, lessons, content categories and the course menu's filters."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from lms.accounts.forms import MultiCheckboxField
from lms.core.category_admin import CategoryForm, code_field
from lms.courses.authoring import MAX_DESCRIPTION, MAX_SUMMARY, MAX_TITLE
from lms.courses.labels import LESSON_KIND_LABELS, TEACHING_METHOD_LABELS

NO_CATEGORY = ""


class ContentCategoryForm(CategoryForm):
    code = code_field(_l("For example party_spirit."))


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    summary = TextAreaField(
        lazy_pgettext("course", "Summary"),
        validators=[Length(max=MAX_SUMMARY)],
        description=_l("One or two sentences shown in the course menu."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=MAX_DESCRIPTION)],
        description=_l(
            "Plain text, or simple HTML: paragraphs, bold, italics, lists, headings, "
            "quotations and links. Anything else is removed."
        ),
    )
    content_category_id = SelectField(_l("Content category"), coerce=str, validate_choice=False)
    teaching_method = SelectField(
        _l("Teaching method"), choices=list(TEACHING_METHOD_LABELS.items())
    )
    target_category_ids = MultiCheckboxField(_l("Target cadre categories"), coerce=int)
    instructor_ids = MultiCheckboxField(_l("Instructors"), coerce=int)
    cover = FileField(
        _l("Cover image"), description=_l("Optional: a JPEG, PNG or WebP picture up to 5 MB.")
    )
    submit = SubmitField(_l("Save"))


class LessonForm(FlaskForm):
    # Ids of their own: the course page's form has a "title" too (one page, unique ids).
    title = StringField(
        _l("Lesson title"), validators=[DataRequired(), Length(max=MAX_TITLE)], id="lesson-title"
    )
    kind = SelectField(_l("Kind"), choices=list(LESSON_KIND_LABELS.items()), id="lesson-kind")
    submit = SubmitField(_l("Add lesson"))


class RenameLessonForm(FlaskForm):
    new_title = StringField(_l("New title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    submit = SubmitField(_l("Rename"))


class MenuFilterForm(FlaskForm):
    """The course menu's search and filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Title or instructor"), validators=[Length(max=100)])
    category = SelectField(_l("Content category"), coerce=str, validate_choice=False)
    method = SelectField(_l("Teaching method"), coerce=str, validate_choice=False)
    length = SelectField(_l("Length"), coerce=str, validate_choice=False)
    instructor = SelectField(_l("Instructor"), coerce=str, validate_choice=False)
