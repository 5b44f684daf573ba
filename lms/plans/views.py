"""Annual plan pages: training years, their settings and quota rules, and the audience fields.

Admins set the plan (settings and quota rules, copy, the default plan); supervisors see it
and assign courses and exams within their own subtree (``assignment_views``, on the same
blueprint).
"""

from flask import (
    Blueprint,
    abort,
    flash,
    has_app_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from lms.accounts.models import Role
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.events import after_commit
from lms.core.i18n import current_locale
from lms.core.templating import render_form
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import CadreCategory, Unit
from lms.org.visibility import can_see_unit, scope_root, visible_units
from lms.plans import descriptions, quiz_assignments, quotas, seeding, years
from lms.plans import tasks as plan_tasks
from lms.plans.assignments import sync_assignments, visible_assignments_query
from lms.plans.audiences import AudienceInput, count_audience
from lms.plans.errors import PlanError
from lms.plans.forms import ANY, EVERYONE, AudienceForm, PlanSettingsForm, RuleForm
from lms.plans.models import QuotaRule, TrainingYear
from lms.quizzes.filing import refile_after_cutoff_change
from lms.tracking.totals import retotal_after_cutoff_change

bp = Blueprint("plans", __name__, url_prefix="/plan")
# Each year's cut-off is its plan's: the statistics year (lms.core) reads it from here.
bp.record_once(lambda state: statsyear.register_cutoff_source(state.app, years.plan_cutoff))
# The exams each year's plan assigns: quizzes (a floor below) read them from here.
bp.record_once(quiz_assignments.register)


@event.listens_for(Session, "before_flush")
def _forget_cutoffs(session, _context, _instances) -> None:
    """A plan created, deleted or given another cut-off in this process: the statistics year
    reads the cut-offs again."""
    plans_written = [
        *(item for item in (*session.new, *session.deleted) if isinstance(item, TrainingYear)),
        *(
            item
            for item in session.dirty
            if isinstance(item, TrainingYear)
            and any(
                inspect(item).attrs[name].history.has_changes()
                for name in ("year", "cutoff_month", "cutoff_day")
            )
        ),
    ]
    if plans_written and has_app_context():
        statsyear.forget_cutoffs()


def _retotal(year: int, cutoff_before: tuple[int, int]) -> None:
    """After a plan was saved: the credit totals of the years its cut-off moved dates
    between are rebuilt now, and once more when every process has read the new cut-off."""
    if retotal_after_cutoff_change(db.session.connection(), year, cutoff_before) is None:
        return
    after_commit(db.session, lambda: plan_tasks.enqueue_retotal((year, year + 1)))


STAFF = (Role.ADMIN, Role.SUPERVISOR)
PREVIEW = "preview"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _year_or_404(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)
    return year


def plan_or_404(year: int) -> TrainingYear:
    plan = years.get_plan(_year_or_404(year))
    if plan is None:
        abort(404)
    return plan


# --- the overview ------------------------------------------------------------------------


@bp.route("/")
@role_required(*STAFF)
def index():
    """The plan of the year today's hours count toward."""
    return redirect(url_for("plans.overview", year=statsyear.current_year()))


@bp.route("/<int:year>")
@role_required(*STAFF)
def overview(year: int):
    """A year's plan: its settings, its rules in plain words and who they reach."""
    plan = years.get_plan(_year_or_404(year))
    scope = scope_root(current_user)
    has_scope = current_user.is_admin or scope is not None
    context = {"year": year, "plan": plan, "has_scope": has_scope}
    if plan is not None:
        context["window"] = years.plan_window(plan)
        context["rules"] = [
            (rule, descriptions.describe_rule(rule, plan)) for rule in plan.quota_rules
        ]
    if plan is not None and has_scope:
        cadre_quotas = quotas.quotas_for_cadres(plan, scope)
        context.update(
            rule_counts=quotas.rule_cadre_counts(plan, scope),
            distribution=quotas.quota_distribution(cadre_quotas),
            without_quota=sum(1 for quota in cadre_quotas.values() if not quota.rule_ids),
            assignment_count=db.session.scalar(
                select(db.func.count()).select_from(
                    visible_assignments_query(current_user, plan).subquery()
                )
            ),
        )
    context["has_previous"] = years.get_plan(year - 1) is not None
    context["default_sources"] = seeding.default_rule_sources()
    return render_template("plans/overview.html", **context)


# --- settings, default plan, copy (admins) -----------------------------------------------


@bp.route("/<int:year>/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_settings(year: int):
    """Create a year's plan or change its cut-off and priority-group parameters."""
    plan = years.get_plan(_year_or_404(year))
    form = PlanSettingsForm()
    if request.method == "GET":
        defaults = plan or years.new_plan(year)
        form.cutoff.data = f"{defaults.cutoff_month:02d}-{defaults.cutoff_day:02d}"
        form.hours_per_training_day.data = defaults.hours_per_training_day
        form.young_age_limit.data = defaults.young_age_limit
        form.newly_promoted_months.data = defaults.newly_promoted_months
    elif form.validate_on_submit():
        cutoff_before = statsyear.cutoff_for(year)
        try:
            years.update_plan_settings(
                years.ensure_plan(year),
                form.cutoff.data,
                float(form.hours_per_training_day.data),
                form.young_age_limit.data,
                form.newly_promoted_months.data,
            )
            refile_after_cutoff_change(year, cutoff_before)
            _retotal(year, cutoff_before)
        except PlanError as exc:
            form.cutoff.errors.append(str(exc))
        else:
            flash(_("The plan for %(year)d has been saved.", year=year), "success")
            return redirect(url_for("plans.overview", year=year))
    return render_form("plans/settings.html", form, year=year, plan=plan)


@bp.route("/<int:year>/seed", methods=["POST"])
@role_required(Role.ADMIN)
def seed_default(year: int):
    """Give a year without rules the default plan."""
    plan = years.get_plan(_year_or_404(year))
    if plan is not None and plan.quota_rules:
        flash(_("The plan for %(year)d already has rules.", year=year), "error")
        return redirect(url_for("plans.overview", year=year))
    seeding.seed_default_plan(year)
    flash(_("The default plan for %(year)d has been created.", year=year), "success")
    return redirect(url_for("plans.overview", year=year))


@bp.route("/<int:year>/copy", methods=["POST"])
@role_required(Role.ADMIN)
def copy_previous(year: int):
    """Copy last year's rules and assignments (due dates a year later) into this year."""
    cutoff_before = statsyear.cutoff_for(_year_or_404(year))
    try:
        seeding.copy_plan(year, actor=current_user)
    except PlanError as exc:
        db.session.rollback()  # the redirect below is kept: nothing of the refused copy
        flash(str(exc), "error")
        return redirect(url_for("plans.overview", year=year))
    refile_after_cutoff_change(year, cutoff_before)
    _retotal(year, cutoff_before)
    result = sync_assignments(year)
    flash(
        _(
            "The plan for %(previous)d has been copied into %(year)d; %(count)d required "
            "enrolments were made.",
            previous=year - 1,
            year=year,
            count=result.enrolled + result.made_required,
        ),
        "success",
    )
    return redirect(url_for("plans.overview", year=year))


# --- audiences ---------------------------------------------------------------------------


def setup_audience(form: AudienceForm, current=None) -> None:
    """Fill the unit and category choices: supervisors get their subtree, no "everyone"."""
    units = list(db.session.scalars(visible_units(current_user)))
    if current_user.is_admin:
        form.unit_id.choices = unit_choices(units, root_label=_("Everyone (all units)"))
    else:
        form.unit_id.choices = unit_choices(units)[1:]
    categories = list(
        db.session.scalars(
            select(CadreCategory).order_by(CadreCategory.sort_order, CadreCategory.id)
        )
    )
    kept = current.category_id if current is not None else None
    form.category_id.choices = [(ANY, _("Any category"))] + [
        (str(c.id), c.display_name(current_locale()))
        for c in categories
        if c.is_active or c.id == kept
    ]


def fill_audience(form: AudienceForm, target) -> None:
    form.unit_id.data = str(target.unit_id) if target.unit_id else EVERYONE
    form.include_sub_units.data = target.include_sub_units
    form.category_id.data = str(target.category_id) if target.category_id else ANY
    form.rank.data = target.rank or ""
    form.priority_group.data = target.priority_group or ANY


def submitted_unit_in_scope() -> None:
    """A unit outside the caller's subtree answers 404, as if it did not exist."""
    raw = request.form.get("unit_id", "")
    if raw.isdigit():
        unit = db.session.get(Unit, int(raw))
        if unit is None or not can_see_unit(current_user, unit):
            abort(404)


def audience_input(form: AudienceForm) -> AudienceInput:
    unit_id, category_id = form.unit_id.data, form.category_id.data
    return AudienceInput(
        unit=db.session.get(Unit, int(unit_id)) if unit_id else None,
        include_sub_units=bool(form.include_sub_units.data),
        category=db.session.get(CadreCategory, int(category_id)) if category_id else None,
        rank=form.rank.data,
        priority_group=form.priority_group.data or None,
    )


def preview_count(form: AudienceForm, plan: TrainingYear) -> int:
    return count_audience(audience_input(form).as_audience(), plan)


# --- quota rules (admins) ----------------------------------------------------------------


@bp.route("/<int:year>/rules/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_rule(year: int):
    """Add a quota rule to a year's plan."""
    return _rule_form(plan_or_404(year), None)


@bp.route("/rules/<int:quota_rule_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_rule(quota_rule_id: int):
    """Change a quota rule's audience or figures."""
    rule = db.session.get(QuotaRule, quota_rule_id) or abort(404)
    return _rule_form(rule.training_year, rule)


def _rule_form(plan: TrainingYear, rule: QuotaRule | None):
    form = RuleForm()
    setup_audience(form, rule)
    if request.method == "GET" and rule is not None:
        fill_audience(form, rule)
        form.online_hours.data = rule.online_hours
        form.required_hours.data = rule.required_hours
        form.offline_days.data = rule.offline_days
    matched = None
    if request.method == "POST" and form.validate():
        if request.form.get("action") == PREVIEW:
            matched = preview_count(form, plan)
        else:
            try:
                quotas.save_rule(
                    plan,
                    rule,
                    audience_input(form),
                    float(form.online_hours.data),
                    float(form.required_hours.data),
                    float(form.offline_days.data),
                )
            except PlanError as exc:
                form.online_hours.errors.append(str(exc))
            else:
                flash(_("The rule has been saved."), "success")
                return redirect(url_for("plans.overview", year=plan.year))
    return render_form("plans/rule_form.html", form, plan=plan, rule=rule, matched=matched)


@bp.route("/rules/<int:quota_rule_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_rule(quota_rule_id: int):
    """Delete a quota rule (the page asks first)."""
    rule = db.session.get(QuotaRule, quota_rule_id) or abort(404)
    year = rule.training_year.year
    quotas.delete_rule(rule)
    flash(_("The rule has been deleted."), "success")
    return redirect(url_for("plans.overview", year=year))
