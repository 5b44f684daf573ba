"""Assessment pages: runs (start, list, results, one cadre's explanation, comparison), formula."""

from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false, select

from lms.accounts.models import Role
from lms.assessment import participation, services
from lms.assessment.forms import FormulaForm, RunForm
from lms.assessment.labels import BAND_ORDER, band_label, describe_formula, render_line
from lms.assessment.models import AssessmentResult, AssessmentRun
from lms.assessment.rules import Formula
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.exports import ExportColumn, export_response
from lms.core.inputs import requested_year
from lms.core.personnel import clean_personnel_number
from lms.core.templating import render_form
from lms.extensions import db
from lms.org import visibility as org
from lms.org.models import Unit
from lms.org.scope import unit_choices, unit_from_args

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

STAFF = (Role.ADMIN, Role.SUPERVISOR)
ERRORS = {
    "no_plan": lambda year: _(
        "There is no plan for %(year)s yet: set the year's quotas before assessing it.", year=year
    ),
    "just_begun": lambda year: _(
        "The %(year)s has just begun: it is too early to assess it. Assess %(previous)d, the "
        "year just closed, or this one once %(weeks)d weeks of it have passed.",
        year=statsyear.label(year),
        previous=year - 1,
        weeks=statsyear.early_days() // 7,
    ),
}


@bp.app_context_processor
def _inject():
    return {"band_label": band_label, "render_line": render_line}


def _visible_run(run_id: int) -> AssessmentRun:
    run = db.session.get(AssessmentRun, run_id)
    if run is None or not _may_see_run(run):
        abort(404)
    return run


def _may_see_run(run: AssessmentRun) -> bool:
    if current_user.is_admin:
        return True
    return run.unit is not None and org.can_see_unit(current_user, run.unit)


@bp.route("/", methods=["GET", "POST"])
@role_required(*STAFF)
def index():
    """The runs the user may see, and a form to run the assessment for a subtree."""
    form = RunForm()
    form.unit.choices = unit_choices()
    if request.method == "GET":
        form.year.data = statsyear.year_to_judge()
        if current_user.unit and not current_user.is_admin:
            form.unit.data = str(current_user.unit.id)
    if form.validate_on_submit():
        unit = db.session.get(Unit, int(form.unit.data)) if form.unit.data else None
        if (unit is None and not current_user.is_admin) or (
            unit is not None and not org.can_see_unit(current_user, unit)
        ):
            abort(404)
        try:
            run = services.run_assessment(form.year.data, unit, current_user)
        except services.AssessmentError as error:  # raised before anything is written
            form.year.errors.append(ERRORS[str(error)](form.year.data))
        else:
            flash(
                _(
                    "The assessment of %(year)s was run for %(count)d cadres "
                    "(version %(version)d).",
                    year=run.year,
                    count=run.cadre_count,
                    version=run.version,
                ),
                "success",
            )
            return redirect(url_for("assessment.run", run_id=run.id))
    page = db.paginate(
        services.runs_visible_to(current_user),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_form("assessment/index.html", form, page=page, band_order=BAND_ORDER)


def _results_query(run: AssessmentRun):
    query = select(AssessmentResult).where(AssessmentResult.run_id == run.id)
    band = request.args.get("band", "")
    if band in BAND_ORDER:
        query = query.where(AssessmentResult.band == band)
    search = request.args.get("q", "").strip()
    if search:
        like = f"%{search}%"
        # A number copied from a spreadsheet or typed full-width ("ＷＹ０００３ ") finds
        # the record as the number's normal form does (lms/core/personnel.py).
        number = clean_personnel_number(search)
        query = query.where(
            AssessmentResult.display_name.ilike(like)
            | AssessmentResult.personnel_number.ilike(like)
            | (
                AssessmentResult.personnel_number.icontains(number, autoescape=True)
                if number
                else false()
            )
            | AssessmentResult.unit_path.ilike(like)
        )
    return query.order_by(AssessmentResult.unit_path, AssessmentResult.display_name)


@bp.route("/runs/<int:run_id>")
@role_required(*STAFF)
def run(run_id: int):
    """One run: band counts, the results (filter by band, search), other versions to compare."""
    run = _visible_run(run_id)
    page = db.paginate(
        _results_query(run), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    others = db.session.scalars(
        select(AssessmentRun)
        .where(
            AssessmentRun.year == run.year,
            AssessmentRun.scope_key == run.scope_key,
            AssessmentRun.id != run.id,
        )
        .order_by(AssessmentRun.version.desc())
    ).all()
    return render_template(
        "assessment/run.html",
        run=run,
        page=page,
        band_order=BAND_ORDER,
        others=others,
        formula_lines=describe_formula(Formula(**run.formula)),
    )


@bp.route("/runs/<int:run_id>/export.<any(csv, xlsx):fmt>")
@role_required(*STAFF)
def export(run_id: int, fmt: str):
    """The run's results as CSV or XLSX (streamed)."""
    run = _visible_run(run_id)
    columns = [
        ExportColumn(_("Personnel number")),
        ExportColumn(_("Name")),
        ExportColumn(_("Unit"), width=40),
        ExportColumn(_("Online hours"), "hours"),
        ExportColumn(_("Online quota (hours)"), "hours"),
        ExportColumn(_("Required-course hours"), "hours"),
        ExportColumn(_("Offline days"), "hours"),
        ExportColumn(_("Total points"), "decimal"),
        ExportColumn(_("Result")),
    ]

    def rows():
        for r in db.session.scalars(_results_query(run).execution_options(yield_per=1000)):
            i = r.inputs
            yield (
                r.personnel_number,
                r.display_name,
                r.unit_path,
                i["online_hours"],
                round(i["quota_hours"] * (0 if i["is_waived"] else i["quota_factor"]), 2),
                i["required_hours_done"],
                i["offline_days"],
                r.total,
                band_label(r.band),
            )

    return export_response(columns, rows(), fmt, f"assessment-{run.year}-v{run.version}")


@bp.route("/runs/<int:run_id>/cadres/<int:user_id>")
@role_required(*STAFF)
def result(run_id: int, user_id: int):
    """One cadre's result in a run, explained line by line."""
    run = _visible_run(run_id)
    row = db.session.scalar(
        select(AssessmentResult).where(
            AssessmentResult.run_id == run.id, AssessmentResult.user_id == user_id
        )
    )
    if row is None:
        abort(404)
    return render_template("assessment/result.html", run=run, result=row)


@bp.route("/runs/<int:run_id>/compare/<int:other_id>")
@role_required(*STAFF)
def compare(run_id: int, other_id: int):
    """Two versions side by side: the cadres whose result changed."""
    new, old = _visible_run(run_id), _visible_run(other_id)
    if (new.year, new.scope_key) != (old.year, old.scope_key):
        abort(404)
    if old.version > new.version:
        new, old = old, new
    return render_template(
        "assessment/compare.html", new=new, old=old, changed=services.compare_runs(old, new)
    )


@bp.route("/formula", methods=["GET", "POST"])
@login_required
def formula():
    """The formula in plain words for everyone; admins change it (a new version)."""
    current = services.current_formula()
    form = FormulaForm(data=asdict(services.as_rules(current)))
    is_admin = current_user.is_admin
    if request.method == "POST":
        if not is_admin:
            abort(403)
        form = FormulaForm()
        if form.validate_on_submit():
            figures = Formula(
                **{
                    name: (bool(field.data) if name == "quota_unmet_fails" else float(field.data))
                    for name, field in form._fields.items()
                    if name in services.FORMULA_FIELDS
                }
            )
            saved = services.save_formula(current_user, figures)
            if current.id is not None and saved.id == current.id:
                flash(_("Nothing changed."), "info")
            else:
                flash(_("The formula was saved as version %(v)d.", v=saved.version), "success")
            return redirect(url_for("assessment.formula"))
    return render_template(
        "assessment/formula.html",
        formula=current,
        lines=describe_formula(services.as_rules(current)),
        form=form if is_admin else None,
    ), (400 if form.errors else 200)


def _year_from_args() -> int:
    return requested_year(statsyear.year_to_judge)


@bp.route("/non-participation")
@role_required(*STAFF)
def non_participation():
    """通报: per unit, the cadres who did not take part, units ranked by participation."""
    year, unit = _year_from_args(), unit_from_args()
    units = participation.non_participation(year, unit)
    return render_template(
        "assessment/non_participation.html",
        year=year,
        unit=unit,
        units=units,
        just_begun=statsyear.has_just_begun(year),
        absent_total=sum(len(u.absent) for u in units),
        unit_choices=unit_choices(),
        min_share=current_app.config["PARTICIPATION_MIN_SHARE"],
    )


@bp.route("/non-participation.<any(csv, xlsx):fmt>")
@role_required(*STAFF)
def export_non_participation(fmt: str):
    """The non-participation list as CSV or XLSX."""
    year, unit = _year_from_args(), unit_from_args()
    if statsyear.has_just_begun(year):
        abort(409)  # too early to list anyone: the page says so
    columns = [
        ExportColumn(_("Unit"), width=40),
        ExportColumn(_("Personnel number")),
        ExportColumn(_("Name")),
        ExportColumn(_("Online hours"), "hours"),
        ExportColumn(_("Online quota (hours)"), "hours"),
    ]
    rows = (
        (u.name_path, c.personnel_number, c.name, c.hours, c.quota_hours)
        for u in participation.non_participation(year, unit)
        for c in u.absent
    )
    return export_response(columns, rows, fmt, f"non-participation-{year}")


@bp.route("/five-year")
@role_required(*STAFF)
def five_year():
    """Cadres without general training so far in the current five-year cycle, per unit."""
    year, unit = _year_from_args(), unit_from_args()
    cycle, grouped = participation.without_general_training(year, unit)
    return render_template(
        "assessment/five_year.html",
        year=year,
        unit=unit,
        cycle=cycle,
        grouped=grouped,
        total=sum(len(v) for v in grouped.values()),
        unit_choices=unit_choices(),
    )
