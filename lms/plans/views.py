"""Annual plan pages: training years, quota rules, audiences and assignments.

Admins set the plan (settings and quota rules, copy, the default plan); supervisors see it
and assign courses and exams within their own subtree.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
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
from lms.core.i18n import current_locale
from lms.courses.models import Course
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import CadreCategory, Unit
from lms.org.visibility import can_see_unit, scope_root, visible_units
from lms.plans import quiz_assignments, services
from lms.plans.forms import (
    ANY,
    EVERYONE,
    AssignmentForm,
    AudienceForm,
    PlanSettingsForm,
    RuleForm,
)
from lms.plans.models import Assignment, QuotaRule, TrainingYear
from lms.plans.services import AudienceInput, PlanError
from lms.quizzes.filing import refile_after_cutoff_change
from lms.quizzes.models import Quiz

bp = Blueprint("plans", __name__, url_prefix="/plan")
# Each year's cut-off is its plan's: the statistics year (lms.core) reads it from here.
bp.record_once(lambda state: statsyear.register_cutoff_source(state.app, services.plan_cutoff))
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


STAFF = (Role.ADMIN, Role.SUPERVISOR)
PREVIEW = "preview"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _year_or_404(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)
    return year


def _plan_or_404(year: int) -> TrainingYear:
    plan = services.get_plan(_year_or_404(year))
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
    plan = services.get_plan(_year_or_404(year))
    scope = scope_root(current_user)
    has_scope = current_user.is_admin or scope is not None
    context = {"year": year, "plan": plan, "has_scope": has_scope}
    if plan is not None:
        context["rules"] = [(rule, services.describe_rule(rule, plan)) for rule in plan.quota_rules]
    if plan is not None and has_scope:
        quotas = services.quotas_for_cadres(plan, scope)
        context.update(
            rule_counts=services.rule_cadre_counts(plan, scope),
            distribution=services.quota_distribution(quotas),
            without_quota=sum(1 for quota in quotas.values() if not quota.rule_ids),
            assignment_count=db.session.scalar(
                select(db.func.count()).select_from(
                    services.visible_assignments_query(current_user, plan).subquery()
                )
            ),
        )
    context["has_previous"] = services.get_plan(year - 1) is not None
    return render_template("plans/overview.html", **context)


# --- settings, default plan, copy (admins) -----------------------------------------------


@bp.route("/<int:year>/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_settings(year: int):
    """Create a year's plan or change its cut-off and priority-group parameters."""
    plan = services.get_plan(_year_or_404(year))
    form = PlanSettingsForm()
    if request.method == "GET":
        defaults = plan or services.new_plan(year)
        form.cutoff.data = f"{defaults.cutoff_month:02d}-{defaults.cutoff_day:02d}"
        form.hours_per_training_day.data = defaults.hours_per_training_day
        form.young_age_limit.data = defaults.young_age_limit
        form.newly_promoted_months.data = defaults.newly_promoted_months
    elif form.validate_on_submit():
        cutoff_before = statsyear.cutoff_for(year)
        try:
            services.update_plan_settings(
                services.ensure_plan(year),
                form.cutoff.data,
                float(form.hours_per_training_day.data),
                form.young_age_limit.data,
                form.newly_promoted_months.data,
            )
            refile_after_cutoff_change(year, cutoff_before)
        except PlanError as exc:
            db.session.rollback()
            form.cutoff.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The plan for %(year)d has been saved.", year=year), "success")
            return redirect(url_for("plans.overview", year=year))
    status = 400 if form.errors else 200
    return render_template("plans/settings.html", form=form, year=year, plan=plan), status


@bp.route("/<int:year>/seed", methods=["POST"])
@role_required(Role.ADMIN)
def seed_default(year: int):
    """Give a year without rules the default plan."""
    plan = services.get_plan(_year_or_404(year))
    if plan is not None and plan.quota_rules:
        flash(_("The plan for %(year)d already has rules.", year=year), "error")
        return redirect(url_for("plans.overview", year=year))
    services.seed_default_plan(year)
    db.session.commit()
    flash(_("The default plan for %(year)d has been created.", year=year), "success")
    return redirect(url_for("plans.overview", year=year))


@bp.route("/<int:year>/copy", methods=["POST"])
@role_required(Role.ADMIN)
def copy_previous(year: int):
    """Copy last year's rules and assignments (due dates a year later) into this year."""
    cutoff_before = statsyear.cutoff_for(_year_or_404(year))
    try:
        services.copy_plan(year, actor=current_user)
    except PlanError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("plans.overview", year=year))
    refile_after_cutoff_change(year, cutoff_before)
    result = services.sync_assignments(year)
    db.session.commit()
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


def _setup_audience(form: AudienceForm, current=None) -> None:
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


def _fill_audience(form: AudienceForm, target) -> None:
    form.unit_id.data = str(target.unit_id) if target.unit_id else EVERYONE
    form.include_sub_units.data = target.include_sub_units
    form.category_id.data = str(target.category_id) if target.category_id else ANY
    form.rank.data = target.rank or ""
    form.priority_group.data = target.priority_group or ANY


def _submitted_unit_in_scope() -> None:
    """A unit outside the caller's subtree answers 404, as if it did not exist."""
    raw = request.form.get("unit_id", "")
    if raw.isdigit():
        unit = db.session.get(Unit, int(raw))
        if unit is None or not can_see_unit(current_user, unit):
            abort(404)


def _audience_input(form: AudienceForm) -> AudienceInput:
    unit_id, category_id = form.unit_id.data, form.category_id.data
    return AudienceInput(
        unit=db.session.get(Unit, int(unit_id)) if unit_id else None,
        include_sub_units=bool(form.include_sub_units.data),
        category=db.session.get(CadreCategory, int(category_id)) if category_id else None,
        rank=form.rank.data,
        priority_group=form.priority_group.data or None,
    )


def _preview(form: AudienceForm, plan: TrainingYear) -> int:
    return services.count_audience(_audience_input(form).as_audience(), plan)


# --- quota rules (admins) ----------------------------------------------------------------


@bp.route("/<int:year>/rules/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_rule(year: int):
    """Add a quota rule to a year's plan."""
    return _rule_form(_plan_or_404(year), None)


@bp.route("/rules/<int:quota_rule_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_rule(quota_rule_id: int):
    """Change a quota rule's audience or figures."""
    rule = db.session.get(QuotaRule, quota_rule_id) or abort(404)
    return _rule_form(rule.training_year, rule)


def _rule_form(plan: TrainingYear, rule: QuotaRule | None):
    form = RuleForm()
    _setup_audience(form, rule)
    if request.method == "GET" and rule is not None:
        _fill_audience(form, rule)
        form.online_hours.data = rule.online_hours
        form.required_hours.data = rule.required_hours
        form.offline_days.data = rule.offline_days
    matched = None
    if request.method == "POST" and form.validate():
        if request.form.get("action") == PREVIEW:
            matched = _preview(form, plan)
        else:
            try:
                services.save_rule(
                    plan,
                    rule,
                    _audience_input(form),
                    float(form.online_hours.data),
                    float(form.required_hours.data),
                    float(form.offline_days.data),
                )
            except PlanError as exc:
                db.session.rollback()
                form.online_hours.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("The rule has been saved."), "success")
                return redirect(url_for("plans.overview", year=plan.year))
    status = 400 if form.errors else 200
    return render_template(
        "plans/rule_form.html", form=form, plan=plan, rule=rule, matched=matched
    ), status


@bp.route("/rules/<int:quota_rule_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_rule(quota_rule_id: int):
    """Delete a quota rule (the page asks first)."""
    rule = db.session.get(QuotaRule, quota_rule_id) or abort(404)
    year = rule.training_year.year
    services.delete_rule(rule)
    db.session.commit()
    flash(_("The rule has been deleted."), "success")
    return redirect(url_for("plans.overview", year=year))


# --- assignments -------------------------------------------------------------------------


@bp.route("/<int:year>/assignments")
@role_required(*STAFF)
def assignments(year: int):
    """The year's assignments the caller may see, with how many of their cadres each reaches."""
    plan = _plan_or_404(year)
    page = db.paginate(
        services.visible_assignments_query(current_user, plan),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    scope = scope_root(current_user)
    rows = [
        (
            assignment,
            services.describe_audience(assignment, plan.limits),
            services.count_audience(assignment.audience, plan, scope),
            services.can_manage_assignment(current_user, assignment),
        )
        for assignment in page.items
    ]
    return render_template("plans/assignments.html", plan=plan, page=page, rows=rows)


def _item_choices(form: AssignmentForm) -> None:
    courses = db.session.execute(
        select(Course.id, Course.title).where(Course.is_published.is_(True)).order_by(Course.title)
    ).all()
    form.course_id.choices = [("", _("— No course —"))] + [(str(i), t) for i, t in courses]
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.title, Quiz.is_exam)
        .where(Quiz.is_published.is_(True))
        .order_by(Quiz.is_exam.desc(), Quiz.title)
    ).all()
    form.quiz_id.choices = [("", _("— No exam —"))] + [
        (str(i), t if is_exam else _("%(title)s (course test)", title=t))
        for i, t, is_exam in quizzes
    ]


@bp.route("/<int:year>/assignments/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_assignment(year: int):
    """Assign a course or an exam to an audience with a due date, in one step."""
    plan = _plan_or_404(year)
    if request.method == "POST":
        _submitted_unit_in_scope()
    form = AssignmentForm()
    _setup_audience(form)
    _item_choices(form)
    if request.method == "GET":
        form.due_on.data = plan.window[1]
    matched = None
    if request.method == "POST" and form.validate():
        if request.form.get("action") == PREVIEW:
            matched = _preview(form, plan)
        else:
            response = _save_assignment(form, plan)
            if response is not None:
                return response
    status = 400 if form.errors else 200
    return render_template(
        "plans/assignment_form.html", form=form, plan=plan, matched=matched
    ), status


def _save_assignment(form: AssignmentForm, plan: TrainingYear):
    course_id, quiz_id = form.course_id.data, form.quiz_id.data
    try:
        assignment = services.create_assignment(
            current_user,
            plan,
            _audience_input(form),
            form.due_on.data,
            course=db.session.get(Course, int(course_id)) if course_id else None,
            quiz=db.session.get(Quiz, int(quiz_id)) if quiz_id else None,
        )
    except PlanError as exc:
        db.session.rollback()
        form.course_id.errors.append(str(exc))
        return None
    reached = services.count_audience(assignment.audience, plan)
    services.sync_assignments(plan.year)
    db.session.commit()
    flash(
        _("Assigned to %(count)d cadres, due %(date)s.", count=reached, date=form.due_on.data),
        "success",
    )
    return redirect(url_for("plans.assignments", year=plan.year))


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@role_required(*STAFF)
def delete_assignment(assignment_id: int):
    """Withdraw an assignment; its course stays in the cadres' courses as an elective."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not services.can_manage_assignment(current_user, assignment):
        abort(404)
    year = assignment.training_year.year
    released = services.delete_assignment(assignment)
    services.sync_assignments(year, released_course_ids=released)
    db.session.commit()
    flash(_("The assignment has been withdrawn."), "success")
    return redirect(url_for("plans.assignments", year=year))
