"""Forms for the unit tree, the cadre list filters and the cadre categories."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.core.category_admin import CategoryForm as CategoryListForm
from lms.core.category_admin import code_field
from lms.org.tree import MAX_UNIT_NAME

ROOT_CHOICE = ""


def unit_choices(units, root_label=None):
    """Select options for units, indented by depth, with "top level" first."""
    choices = [(ROOT_CHOICE, root_label or _l("— None: a top-level unit —"))]
    # Non-breaking spaces keep the indentation visible inside an <option>.
    choices += [(str(unit.id), "\u00a0\u00a0" * unit.depth + unit.name) for unit in units]
    return choices


class NewUnitForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=MAX_UNIT_NAME)])
    parent_id = SelectField(_l("Parent unit"), coerce=str)
    submit = SubmitField(_l("Add unit"))


class RenameUnitForm(FlaskForm):
    # Not "name": the detail page also carries the "add a sub-unit" form.
    new_name = StringField(_l("New name"), validators=[DataRequired(), Length(max=MAX_UNIT_NAME)])
    submit = SubmitField(_l("Rename"))


class MoveUnitForm(FlaskForm):
    new_parent_id = SelectField(_l("New parent unit"), coerce=str)
    submit = SubmitField(_l("Move"))


class CadreFilterForm(FlaskForm):
    """The search and filters above a unit's cadre list (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or personnel number"), validators=[Length(max=100)])
    category = SelectField(lazy_pgettext("cadre", "Category"), coerce=str, validate_choice=False)
    scope = SelectField(
        _l("Units"),
        coerce=str,
        choices=[("all", _l("Including sub-units")), ("unit", _l("This unit only"))],
        validate_choice=False,
    )


class CategoryForm(CategoryListForm):
    code = code_field(_l("For example district_management; used by roster files."))
