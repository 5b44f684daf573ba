"""Supervisors' and admins' pages over the unit tree and the cadres in it; admins edit both.

A cadre's own page gathers many features and lives at the top, in ``lms.home.views``
(docs/architecture.md)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.core.access import role_required
from lms.core.category_admin import CategoryPages, register_category_pages
from lms.core.events import units_changed
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.extensions import db
from lms.org import tree
from lms.org.categories import CADRE_CATEGORIES
from lms.org.forms import (
    ROOT_CHOICE,
    CadreFilterForm,
    CategoryForm,
    MoveUnitForm,
    NewUnitForm,
    RenameUnitForm,
    unit_choices,
)
from lms.org.models import Cadre, CadreCategory, Unit
from lms.org.scope import unit_or_404
from lms.org.tree import OrgError, unit_ancestors, units_outside
from lms.org.visibility import cadres_in_scope, can_see_unit, subtree_cadre_counts, unit_tree

bp = Blueprint("org", __name__, url_prefix="/org")

ALL_UNITS = "all"
THIS_UNIT_ONLY = "unit"
NO_CATEGORY = "none"


# --- the tree ----------------------------------------------------------------------------


@bp.route("/units")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def units():
    """The units the caller may see, as a tree with the active cadres of each subtree."""
    return _render_units(NewUnitForm())


def _render_units(form: NewUnitForm, status: int = 200):
    has_scope = current_user.is_admin or current_user.unit is not None
    roots = unit_tree(current_user) if has_scope else []
    if current_user.is_admin:
        form.parent_id.choices = unit_choices(_flatten(roots))
    return render_template("org/units.html", roots=roots, has_scope=has_scope, form=form), status


def _flatten(nodes):
    """The nodes of a forest in display order (parents before their children)."""
    for node in nodes:
        yield node
        yield from _flatten(node.children)


@bp.route("/units/new", methods=["POST"])
@role_required(Role.ADMIN)
def new_unit():
    """Add a unit under a parent, or as a top-level unit."""
    form = NewUnitForm()
    form.parent_id.choices = unit_choices(_all_units())
    if form.validate_on_submit():
        parent = _unit_or_none(form.parent_id.data)
        try:
            unit = tree.create_unit(form.name.data, parent)
        except OrgError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(_("The unit %(name)s has been added.", name=unit.name), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return _render_units(form, 400)


def _all_units():
    """Every unit's id, name and depth: enough to check a submitted unit choice."""
    return db.session.execute(select(Unit.id, Unit.name, Unit.depth)).all()


def _unit_or_none(value: str) -> Unit | None:
    return None if value == ROOT_CHOICE else db.session.get(Unit, int(value))


# --- one unit ----------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def unit_detail(unit_id: int):
    """A unit: where it sits, its sub-units and the cadres of its subtree."""
    return _render_unit(unit_or_404(unit_id))


def _render_unit(unit: Unit, rename_form=None, move_form=None, status: int = 200):
    filters = CadreFilterForm(request.args)
    categories = db.session.scalars(
        select(CadreCategory).order_by(CadreCategory.sort_order, CadreCategory.id)
    )
    filters.category.choices = [("", _("All categories")), (NO_CATEGORY, _("No category"))] + [
        (str(c.id), _category_label(c)) for c in categories
    ]
    cadres = db.paginate(
        _filtered_cadres(unit, filters),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    context = {
        "unit": unit,
        "ancestors": [
            (ancestor, can_see_unit(current_user, ancestor)) for ancestor in unit_ancestors(unit)
        ],
        "sub_units": unit.children,
        "counts": subtree_cadre_counts(current_user, within=unit),
        "filters": filters,
        "cadres": cadres,
    }
    if current_user.is_admin:
        rename_form = rename_form or RenameUnitForm(formdata=None, new_name=unit.name)
        move_form = move_form or MoveUnitForm(
            formdata=None, new_parent_id=str(unit.parent_id or ROOT_CHOICE)
        )
        move_form.new_parent_id.choices = unit_choices(units_outside(unit))
        context.update(rename_form=rename_form, move_form=move_form, new_form=NewUnitForm())
    return render_template("org/unit_detail.html", **context), status


def _category_label(category: CadreCategory) -> str:
    name = category.display_name(current_locale())
    return name if category.is_active else _("%(name)s (inactive)", name=name)


def _filtered_cadres(unit: Unit, filters: CadreFilterForm):
    search = (filters.q.data or "").strip()[:100]
    query = cadres_in_scope(current_user, unit, search or None)
    if filters.scope.data == THIS_UNIT_ONLY:
        query = query.where(User.unit_id == unit.id)
    category = filters.category.data or ""
    if category == NO_CATEGORY:
        query = query.where(Cadre.category_id.is_(None))
    elif parse_int(category) is not None:
        query = query.where(Cadre.category_id == parse_int(category))
    return query


@bp.route("/units/<int:unit_id>/rename", methods=["POST"])
@role_required(Role.ADMIN)
def rename_unit(unit_id: int):
    """Rename a unit; the paths of everything below it follow."""
    unit = unit_or_404(unit_id)
    form = RenameUnitForm()
    if form.validate_on_submit():
        try:
            tree.rename_unit(unit, form.new_name.data)
        except OrgError as exc:
            form.new_name.errors.append(str(exc))
        else:
            flash(_("The unit has been renamed."), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return _render_unit(unit, rename_form=form, status=400)


@bp.route("/units/<int:unit_id>/move", methods=["POST"])
@role_required(Role.ADMIN)
def move_unit(unit_id: int):
    """Move a unit and its subtree under another unit (never below itself)."""
    unit = unit_or_404(unit_id)
    form = MoveUnitForm()
    # Every unit is offered so that "below itself" gets the service's clear message.
    form.new_parent_id.choices = unit_choices(_all_units())
    if form.validate_on_submit():
        try:
            tree.move_unit(unit, _unit_or_none(form.new_parent_id.data))
        except OrgError as exc:
            form.new_parent_id.errors.append(str(exc))
        else:
            # Its cadres may now fall in (or out of) an assigned audience.
            units_changed.send(unit, unit_ids=[unit.id])
            flash(_("The unit has been moved."), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit_id))
    return _render_unit(unit, move_form=form, status=400)


@bp.route("/units/<int:unit_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_unit(unit_id: int):
    """Delete a unit that has no sub-units and no people."""
    unit = unit_or_404(unit_id)
    parent_id, name = unit.parent_id, unit.name
    try:
        tree.delete_unit(unit)
    except OrgError as exc:
        flash(str(exc), "error")
        return _render_unit(unit, status=400)
    flash(_("The unit %(name)s has been deleted.", name=name), "success")
    if parent_id is not None:
        return redirect(url_for("org.unit_detail", unit_id=parent_id))
    return redirect(url_for("org.units"))


# --- cadre categories --------------------------------------------------------------------

register_category_pages(
    bp,
    CategoryPages(
        rules=CADRE_CATEGORIES,
        form=CategoryForm,
        id_arg="category_id",
        roles=(Role.ADMIN,),
        label=_category_label,
        words={
            "title": _l("Cadre categories"),
            "heading": lazy_pgettext("cadre", "Categories"),
            "note": _l(
                "A category in use is never deleted; deactivate it to stop offering it. "
                "Cadres who have it keep it."
            ),
            "count_label": _l("Cadres"),
            "empty": _l("There are no cadre categories yet."),
            "code_help": _l("Changing the code changes what roster files must use."),
        },
    ),
)
