"""Dashboard pages for supervisors and admins, their exports, and the units API."""

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts.models import Role
from lms.core import statsyear
from lms.core.access import protect_cookie_writes, role_required
from lms.core.exports import ExportColumn, export_response
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int, query_int
from lms.core.openapi import ERROR, array, documented, obj
from lms.core.pagination import Page
from lms.courses.access import can_see_course
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.org.categories import active_categories
from lms.org.models import Unit
from lms.org.scope import unit_from_args, unit_or_404
from lms.org.tree import unit_ancestors
from lms.org.visibility import unit_options
from lms.plans import rules as plan_rules
from lms.plans.descriptions import priority_group_labels
from lms.reports import cadres as cadre_figures
from lms.reports import course_figures, figures
from lms.reports import overview as overview_figures
from lms.reports import units as unit_figures
from lms.reports.sql import EXEMPT
from lms.tracking import study_records as lesson_audiences
from lms.tracking.forecast import Outlook
from lms.tracking.views import render_audience

bp = Blueprint("reports", __name__, url_prefix="/reports")
api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
api_bp.before_request(protect_cookie_writes())

STAFF = (Role.SUPERVISOR, Role.ADMIN)
OUTLOOK_LABELS = {
    Outlook.MET.value: _l("Quota met"),
    Outlook.ON_TRACK.value: _l("On track"),
    Outlook.AT_RISK.value: _l("At risk"),
    Outlook.BEHIND.value: _l("Behind"),
    Outlook.EARLY.value: _l("Too early to tell"),
    Outlook.NO_QUOTA.value: _l("No quota"),
    EXEMPT: _l("Exempted"),
}
KIND_LABELS = {figures.REQUIRED: _l("Required"), figures.ELECTIVE: _l("Elective")}
TABLES = ("summary", "outlook", "months", "weekdays", "enrollments", "quizzes", "units", "cadres")
TABLES += ("courses", "lessons")


# --- filters -------------------------------------------------------------------------------


def _root() -> Unit | None:
    """The top of what the user sees: None for admins (everything), else their unit."""
    if current_user.is_admin:
        return None
    if current_user.unit is None:
        abort(404)  # a supervisor without a unit sees nothing
    return current_user.unit


def _year() -> int:
    raw = request.args.get("year", "").strip()
    if not raw:
        return statsyear.current_year()
    year = parse_int(raw)
    if year is None or not 2000 <= year <= 2100:
        abort(404)
    return year


def _filtered() -> tuple[Unit | None, figures.Scope, figures.Context]:
    """The request's unit (``?unit=`` within the user's scope, else the scope's top), its
    scope with the cadre filters, and the year's context."""
    _root()  # a supervisor without a unit sees nothing
    unit = unit_from_args()
    return unit, _scope(unit), figures.make_context(_year())


def _scope(unit: Unit | None) -> figures.Scope:
    category = request.args.get("category", "").strip()
    group = request.args.get("group", "").strip()
    kind = request.args.get("kind", "").strip()
    return figures.Scope.of(
        unit,
        category_id=parse_int(category),
        priority_group=group if group in plan_rules.PRIORITY_GROUPS else None,
        course_kind=kind if kind in KIND_LABELS else None,
    )


def _filter_choices(context: figures.Context) -> dict:
    locale = current_locale()
    return {
        "unit_choices": unit_options(current_user),
        "category_choices": [(str(c.id), c.display_name(locale)) for c in active_categories()],
        "group_choices": list(priority_group_labels(context.plan.limits).items()),
        "kind_choices": list(KIND_LABELS.items()),
    }


# --- charts --------------------------------------------------------------------------------


def _bar_chart(labels, datasets, horizontal=False, percent=False) -> dict:
    options = {"plugins": {"legend": {"display": len(datasets) > 1}}}
    if horizontal:
        options["indexAxis"] = "y"
    axis = "x" if horizontal else "y"
    options["scales"] = {axis: {"beginAtZero": True}}
    if percent:
        options["scales"][axis]["max"] = 100
    return {"type": "bar", "data": {"labels": labels, "datasets": datasets}, "options": options}


def _overview_charts(overview: overview_figures.Overview) -> dict:
    months = _bar_chart(
        [month.strftime("%Y-%m") for month, _hours in overview.months],
        [{"label": _("Hours"), "data": [round(h, 1) for _m, h in overview.months]}],
    )
    week = {
        "type": "doughnut",
        "data": {
            "labels": [_("Weekends"), _("Weekdays")],
            "datasets": [
                {
                    "label": _("Hours"),
                    "data": [round(overview.weekend_hours, 1), round(overview.weekday_hours, 1)],
                }
            ],
        },
    }
    shown = figures.OUTLOOKS[:4]
    outlook = _bar_chart(
        [str(OUTLOOK_LABELS[o]) for o in shown],
        [{"label": _("Cadres"), "data": [overview.outlooks.get(o, 0) for o in shown]}],
        horizontal=True,
    )
    return {"months": months, "week": week, "outlook": outlook}


def _ranking_chart(lines: list[unit_figures.UnitLine]) -> dict:
    def percent(value):
        return round(100 * value, 1) if value is not None else None

    return _bar_chart(
        [line.name for line in lines],
        [
            {
                "label": _("Participation rate (%)"),
                "data": [percent(u.participation_rate) for u in lines],
            },
            {"label": _("Quota met (%)"), "data": [percent(u.meeting_rate) for u in lines]},
        ],
        horizontal=True,
        percent=True,
    )


# --- pages ---------------------------------------------------------------------------------


@bp.route("/")
@role_required(*STAFF)
def overview():
    """The year at a glance for the user's subtree (or a unit of it), with filters."""
    unit, scope, context = _filtered()
    data = overview_figures.build_overview(scope, context)
    return render_template(
        "reports/overview.html",
        context=context,
        scope=scope,
        unit=unit,
        data=data,
        charts=_overview_charts(data) if data.cadre_count else None,
        outlook_labels=OUTLOOK_LABELS,
        kind_labels=KIND_LABELS,
        **_filter_choices(context),
    )


@bp.route("/units")
@role_required(*STAFF)
def units():
    """The ranking's top: admins see the top-level units, supervisors start at their unit."""
    root = _root()
    if root is not None:
        # The filters go along; a ``unit_id`` among them would name the unit twice.
        filters = {k: v for k, v in request.args.items() if k != "unit_id"}
        return redirect(url_for("reports.unit", unit_id=root.id, **filters))
    return _ranking_page(None)


@bp.route("/units/<int:unit_id>")
@role_required(*STAFF)
def unit(unit_id: int):
    """A unit's sub-units ranked over their subtrees, and the cadres directly in it."""
    _root()
    return _ranking_page(unit_or_404(unit_id))


def _ranking_page(unit: Unit | None):
    context = figures.make_context(_year())
    scope = _scope(unit)
    lines = unit_figures.unit_ranking(unit, scope, context)
    cadres = None
    if unit is not None:
        query = cadre_figures.cadres_query(unit, scope, context)
        page = request.args.get("page", 1, type=int) or 1
        cadres = Page.of_select(query, page, read=cadre_figures.cadre_lines)
    ancestors = unit_ancestors(unit) if unit is not None else []
    root = _root()
    if root is not None:
        ancestors = [a for a in ancestors if a.is_within(root)]
    return render_template(
        "reports/units.html",
        context=context,
        scope=scope,
        unit=unit,
        lines=lines,
        cadres=cadres,
        ancestors=ancestors,
        ranking_chart=_ranking_chart(lines) if any(line.cadre_count for line in lines) else None,
        outlook_labels=OUTLOOK_LABELS,
        **_filter_choices(context),
    )


@bp.route("/courses")
@role_required(*STAFF)
def courses():
    """Per course: enrolled cadres in scope, progress, coverage and quiz results."""
    unit, scope, context = _filtered()
    return render_template(
        "reports/courses.html",
        context=context,
        scope=scope,
        unit=unit,
        lines=course_figures.course_report(scope, context),
        filter_args=_filter_args(),
        **_filter_choices(context),
    )


def _course_or_404(course_id: int) -> Course:
    """A course the user may see: a draft is as missing to a supervisor as on its own page."""
    course = db.session.get(Course, course_id)
    if course is None or not can_see_course(current_user, course):
        abort(404)
    return course


@bp.route("/courses/<int:course_id>")
@role_required(*STAFF)
def course(course_id: int):
    """A course's lessons with their viewers among the cadres in scope, each linked to its
    audience curve over those viewers."""
    unit, scope, context = _filtered()
    course = _course_or_404(course_id)
    return render_template(
        "reports/course.html",
        context=context,
        scope=scope,
        unit=unit,
        course=course,
        lines=course_figures.lesson_report(course, scope, context),
        filter_args=_filter_args(),
        **_filter_choices(context),
    )


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/audience")
@role_required(*STAFF)
def lesson_audience(course_id: int, lesson_id: int):
    """A lesson's audience curve over the viewers among the cadres in scope (the course's
    instructors see every viewer's on /learning/lessons/<id>/audience)."""
    unit, scope, context = _filtered()
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != _course_or_404(course_id).id:
        abort(404)
    audience = lesson_audiences.lesson_audience(lesson, figures.scoped_user_ids(scope, context))
    return render_audience(
        lesson,
        audience,
        back_url=url_for("reports.course", course_id=course_id, **_filter_args()),
        scope_label=unit.name_path if unit else _("Everyone"),
    )


def _filter_args() -> dict:
    """The dashboard filters of this request, to carry over to the pages it links to."""
    keys = ("year", "unit", "category", "group")
    return {key: request.args[key] for key in keys if request.args.get(key, "").strip()}


# --- exports -------------------------------------------------------------------------------


def _hours(value: float) -> float:
    return round(float(value or 0), 1)


def _summary_table(data: overview_figures.Overview):
    columns = [ExportColumn(_("Figure"), width=40), ExportColumn(_("Value"), "decimal")]
    rows = [
        (_("Cadres"), data.cadre_count),
        (_("Took part"), data.participants),
        (_("Participation rate"), data.participation_rate),
        (_("Exempted"), data.exempt),
        (_("Owing hours (quota, no exemption)"), data.expected),
        (_("Quota met"), data.meeting_quota),
        (_("Credited hours"), _hours(data.credited_hours)),
        (_("Average hours"), _hours(data.average_hours)),
        (_("Median hours"), _hours(data.median_hours)),
        (_("Average quota (hours)"), _hours(data.average_quota)),
    ]
    return columns, rows


def _outlook_table(data: overview_figures.Overview):
    columns = [
        ExportColumn(_("Outlook"), width=24),
        ExportColumn(_("Cadres"), "int"),
        ExportColumn(_("Share of those owing hours"), "percent"),
    ]
    rows = [
        (str(OUTLOOK_LABELS[o]), data.outlooks.get(o, 0), data.outlook_share(o))
        for o in figures.OUTLOOKS
    ]
    return columns, rows


def _months_table(data: overview_figures.Overview):
    columns = [ExportColumn(_("Month")), ExportColumn(_("Hours"), "hours")]
    return columns, [(m.strftime("%Y-%m"), _hours(h)) for m, h in data.months]


def _weekdays_table(data: overview_figures.Overview):
    columns = [ExportColumn(_("When")), ExportColumn(_("Hours"), "hours")]
    rows = [
        (_("Weekends"), _hours(data.weekend_hours)),
        (_("Weekdays"), _hours(data.weekday_hours)),
    ]
    return columns, rows


def _enrollments_table(data: overview_figures.Overview):
    columns = [
        ExportColumn(_("Courses")),
        ExportColumn(_("Enrolments"), "int"),
        ExportColumn(_("Completed"), "int"),
        ExportColumn(_("Completion rate"), "percent"),
    ]
    rows = [(str(KIND_LABELS[e.kind]), e.enrolled, e.completed, e.rate) for e in data.enrollments]
    return columns, rows


def _quizzes_table(data: overview_figures.Overview):
    columns = [
        ExportColumn(_("Quiz"), width=40),
        ExportColumn(_("Results"), "int"),
        ExportColumn(_("Passed"), "int"),
        ExportColumn(_("Pass rate"), "percent"),
        ExportColumn(_("Average score (%)"), "decimal"),
    ]
    rows = [
        (q.title, q.results, q.passed, q.pass_rate, round(q.average_percent, 1))
        for q in data.quizzes
    ]
    return columns, rows


def _units_table(lines: list[unit_figures.UnitLine]):
    columns = [
        ExportColumn(_("Unit"), width=40),
        ExportColumn(_("Cadres"), "int"),
        ExportColumn(_("Took part"), "int"),
        ExportColumn(_("Participation rate"), "percent"),
        ExportColumn(_("Credited hours"), "hours"),
        ExportColumn(_("Quota met"), "int"),
        ExportColumn(_("Owing hours (quota, no exemption)"), "int"),
        ExportColumn(_("Share meeting quota"), "percent"),
        ExportColumn(_("Exempted"), "int"),
    ]
    rows = [
        (
            u.path,
            u.cadre_count,
            u.participants,
            u.participation_rate,
            _hours(u.credited_hours),
            u.meeting_quota,
            u.expected,
            u.meeting_rate,
            u.exempt,
        )
        for u in lines
    ]
    return columns, rows


def _cadres_table(lines):
    columns = [
        ExportColumn(_("Unit"), width=40),
        ExportColumn(_("Personnel number")),
        ExportColumn(_("Name")),
        ExportColumn(_("Online hours"), "hours"),
        ExportColumn(_("Online quota (hours)"), "hours"),
        ExportColumn(_("Outlook")),
    ]
    rows = (
        (
            c.unit_path,
            c.personnel_number,
            c.name,
            _hours(c.done_hours),
            _hours(c.quota_hours),
            str(OUTLOOK_LABELS.get(c.outlook, c.outlook)),
        )
        for c in lines
    )
    return columns, rows


def _courses_table(lines: list[course_figures.CourseLine]):
    columns = [
        ExportColumn(_("Course"), width=40),
        ExportColumn(_("Enrolled"), "int"),
        ExportColumn(_("In progress"), "int"),
        ExportColumn(_("Completed"), "int"),
        ExportColumn(_("Completion rate"), "percent"),
        ExportColumn(_("Average coverage"), "percent"),
        ExportColumn(_("Quiz results"), "int"),
        ExportColumn(_("Passed"), "int"),
        ExportColumn(_("Pass rate"), "percent"),
    ]
    rows = [
        (
            c.title,
            c.enrolled,
            c.in_progress,
            c.completed,
            c.completion_rate,
            c.average_coverage,
            c.quiz_results,
            c.quiz_passed,
            c.quiz_pass_rate,
        )
        for c in lines
    ]
    return columns, rows


OVERVIEW_TABLES = {
    "summary": _summary_table,
    "outlook": _outlook_table,
    "months": _months_table,
    "weekdays": _weekdays_table,
    "enrollments": _enrollments_table,
    "quizzes": _quizzes_table,
}


def _lessons_table(lines: list[course_figures.LessonLine]):
    columns = [
        ExportColumn(_("Lesson"), width=40),
        ExportColumn(_("Length (minutes)"), "decimal"),
        ExportColumn(_("Viewers"), "int"),
        ExportColumn(_("Completed"), "int"),
        ExportColumn(_("Average coverage"), "percent"),
    ]
    rows = [
        (
            line.title,
            round(line.duration_seconds / 60, 1),
            line.viewers,
            line.completed,
            line.average_coverage,
        )
        for line in lines
    ]
    return columns, rows


@bp.route("/export/<any(" + ", ".join(TABLES) + "):table>.<any(csv, xlsx):fmt>")
@role_required(*STAFF)
def export(table: str, fmt: str):
    """A dashboard table as CSV or XLSX, with the page's filters (``?unit=`` and the rest)."""
    unit, scope, context = _filtered()
    if table in OVERVIEW_TABLES:
        columns, rows = OVERVIEW_TABLES[table](overview_figures.build_overview(scope, context))
    elif table == "units":
        columns, rows = _units_table(unit_figures.unit_ranking(unit, scope, context))
    elif table == "cadres":
        # ?all=1: every cadre of the subtree (of everyone, for admins); else those directly
        # in the unit, as its page lists them.
        subtree = request.args.get("all") == "1"
        if unit is None and not subtree:
            abort(404)
        query = cadre_figures.cadres_query(unit, scope, context, direct_only=not subtree)
        columns, rows = _cadres_table(cadre_figures.iter_cadre_lines(query))
    elif table == "lessons":  # ?course=<id>: the lessons of one course
        course_id = request.args.get("course", type=int)
        course = db.session.get(Course, course_id) if course_id else None
        if course is None:
            abort(404)
        columns, rows = _lessons_table(course_figures.lesson_report(course, scope, context))
        return export_response(columns, rows, fmt, f"lessons-{course.id}-{context.year}")
    else:
        columns, rows = _courses_table(course_figures.course_report(scope, context))
    return export_response(columns, rows, fmt, f"{table}-{context.year}")


# --- API -----------------------------------------------------------------------------------


UNITS = obj(
    ["year", "units"],
    year={"type": "integer"},
    units=array(
        obj(
            ["id", "name", "path", "cadre_count", "participation_rate", "credited_hours"],
            id={"type": "integer"},
            name={"type": "string"},
            path={"type": "string"},
            cadre_count={"type": "integer"},
            participation_rate={"type": "number"},
            credited_hours={"type": "number"},
            meeting_quota={"type": ["integer", "null"]},
        )
    ),
)


@api_bp.route("/units")
@documented(
    responses={200: UNITS, 403: ERROR},
    query={"year": {"type": "integer", "minimum": 2000, "maximum": 2100}},
)
@role_required(*STAFF)
def api_units():
    """Every unit in the caller's scope with its subtree's figures for a year."""
    year = query_int("year", statsyear.current_year(), minimum=2000, maximum=2100)
    if not current_user.is_admin and current_user.unit is None:
        return jsonify({"year": year, "units": []})
    root = None if current_user.is_admin else current_user.unit
    lines = unit_figures.units_in_scope(root, figures.make_context(year))
    return jsonify(
        {
            "year": year,
            "units": [
                {
                    "id": u.id,
                    "name": u.name,
                    "path": u.path,
                    "cadre_count": u.cadre_count,
                    "participation_rate": round(u.participation_rate or 0.0, 4),
                    "credited_hours": round(u.credited_hours, 1),
                    "meeting_quota": u.meeting_quota,
                }
                for u in lines
            ],
        }
    )
