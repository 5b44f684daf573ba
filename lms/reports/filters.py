"""The dashboards' filters, read from the request: year, unit, cadre category, priority
group and course kind, within what the user may see."""

from flask import abort, request
from flask_login import current_user

from lms.accounts.models import Role
from lms.core import statsyear
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int, requested_year
from lms.org.categories import active_categories
from lms.org.models import Unit
from lms.org.scope import unit_from_args
from lms.org.visibility import unit_options
from lms.plans import rules as plan_rules
from lms.plans.descriptions import priority_group_labels
from lms.reports import figures
from lms.reports.labels import KIND_LABELS

STAFF = (Role.SUPERVISOR, Role.ADMIN)


def root_unit() -> Unit | None:
    """The top of what the user sees: None for admins (everything), else their unit."""
    if current_user.is_admin:
        return None
    if current_user.unit is None:
        abort(404)  # a supervisor without a unit sees nothing
    return current_user.unit


def year_context() -> figures.Context:
    """The context of the requested statistics year (``?year=``, today's by default)."""
    return figures.make_context(requested_year(statsyear.current_year))


def filtered() -> tuple[Unit | None, figures.Scope, figures.Context]:
    """The request's unit (``?unit=`` within the user's scope, else the scope's top), its
    scope with the cadre filters, and the year's context."""
    root_unit()  # a supervisor without a unit sees nothing
    unit = unit_from_args()
    return unit, scope_of(unit), year_context()


def scope_of(unit: Unit | None) -> figures.Scope:
    category = request.args.get("category", "").strip()
    group = request.args.get("group", "").strip()
    kind = request.args.get("kind", "").strip()
    return figures.Scope.of(
        unit,
        category_id=parse_int(category),
        priority_group=group if group in plan_rules.PRIORITY_GROUPS else None,
        course_kind=kind if kind in KIND_LABELS else None,
    )


def filter_choices(context: figures.Context) -> dict:
    locale = current_locale()
    return {
        "unit_choices": unit_options(current_user),
        "category_choices": [(str(c.id), c.display_name(locale)) for c in active_categories()],
        "group_choices": list(priority_group_labels(context.plan.limits).items()),
        "kind_choices": list(KIND_LABELS.items()),
    }


def filter_args() -> dict:
    """The dashboard filters of this request, to carry over to the pages it links to."""
    keys = ("year", "unit", "category", "group")
    return {key: request.args[key] for key in keys if request.args.get(key, "").strip()}
