"""The dashboards' tables as CSV or XLSX, with the page's filters (``?unit=`` and the rest)."""

from collections.abc import Callable, Iterable
from operator import attrgetter

from flask import abort, request
from flask_babel import gettext as _

from lms.core.access import role_required
from lms.core.exports import ExportColumn, export_response
from lms.courses.models import Course
from lms.extensions import db
from lms.reports import cadres as cadre_figures
from lms.reports import course_figures, figures
from lms.reports import overview as overview_figures
from lms.reports import units as unit_figures
from lms.reports.filters import STAFF, filtered
from lms.reports.labels import KIND_LABELS, OUTLOOK_LABELS
from lms.reports.views import bp

TABLES = ("summary", "outlook", "months", "weekdays", "enrollments", "quizzes", "units", "cadres")
TABLES += ("courses", "lessons")


def _hours(value: float) -> float:
    return round(float(value or 0), 1)


def _column(title: str, value: str | Callable, kind: str = "text", width: float | None = None):
    """A column and how it reads its cell from a line: an attribute name or a function.
    Hours are rounded to a tenth."""
    read = attrgetter(value) if isinstance(value, str) else value
    if kind == "hours":
        return ExportColumn(title, kind, width), lambda line: _hours(read(line))
    return ExportColumn(title, kind, width), read


def _table(lines: Iterable, *columns):
    """The header and the rows (one a line) of a table given by its ``_column``s."""
    rows = (tuple(read(line) for _title, read in columns) for line in lines)
    return [column for column, _read in columns], rows


# --- the overview's tables -----------------------------------------------------------------


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
    return _table(
        figures.OUTLOOKS,
        _column(_("Outlook"), lambda o: str(OUTLOOK_LABELS[o]), width=24),
        _column(_("Cadres"), lambda o: data.outlooks.get(o, 0), "int"),
        _column(_("Share of those owing hours"), data.outlook_share, "percent"),
    )


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
    return _table(
        data.enrollments,
        _column(_("Courses"), lambda e: str(KIND_LABELS[e.kind])),
        _column(_("Enrolments"), "enrolled", "int"),
        _column(_("Completed"), "completed", "int"),
        _column(_("Completion rate"), "rate", "percent"),
    )


def _quizzes_table(data: overview_figures.Overview):
    return _table(
        data.quizzes,
        _column(_("Quiz"), "title", width=40),
        _column(_("Results"), "results", "int"),
        _column(_("Passed"), "passed", "int"),
        _column(_("Pass rate"), "pass_rate", "percent"),
        _column(_("Average score (%)"), lambda q: round(q.average_percent, 1), "decimal"),
    )


OVERVIEW_TABLES = {
    "summary": _summary_table,
    "outlook": _outlook_table,
    "months": _months_table,
    "weekdays": _weekdays_table,
    "enrollments": _enrollments_table,
    "quizzes": _quizzes_table,
}


# --- units, cadres, courses and lessons ----------------------------------------------------


def _units_table(lines: list[unit_figures.UnitLine]):
    return _table(
        lines,
        _column(_("Unit"), "path", width=40),
        _column(_("Cadres"), "cadre_count", "int"),
        _column(_("Took part"), "participants", "int"),
        _column(_("Participation rate"), "participation_rate", "percent"),
        _column(_("Credited hours"), "credited_hours", "hours"),
        _column(_("Quota met"), "meeting_quota", "int"),
        _column(_("Owing hours (quota, no exemption)"), "expected", "int"),
        _column(_("Share meeting quota"), "meeting_rate", "percent"),
        _column(_("Exempted"), "exempt", "int"),
    )


def _cadres_table(lines):
    return _table(
        lines,
        _column(_("Unit"), "unit_path", width=40),
        _column(_("Personnel number"), "personnel_number"),
        _column(_("Name"), "name"),
        _column(_("Online hours"), "done_hours", "hours"),
        _column(_("Online quota (hours)"), "quota_hours", "hours"),
        _column(_("Outlook"), lambda c: str(OUTLOOK_LABELS.get(c.outlook, c.outlook))),
    )


def _courses_table(lines: list[course_figures.CourseLine]):
    return _table(
        lines,
        _column(_("Course"), "title", width=40),
        _column(_("Enrolled"), "enrolled", "int"),
        _column(_("In progress"), "in_progress", "int"),
        _column(_("Completed"), "completed", "int"),
        _column(_("Completion rate"), "completion_rate", "percent"),
        _column(_("Average coverage"), "average_coverage", "percent"),
        _column(_("Quiz results"), "quiz_results", "int"),
        _column(_("Passed"), "quiz_passed", "int"),
        _column(_("Pass rate"), "quiz_pass_rate", "percent"),
    )


def _lessons_table(lines: list[course_figures.LessonLine]):
    return _table(
        lines,
        _column(_("Lesson"), "title", width=40),
        _column(
            _("Length (minutes)"), lambda line: round(line.duration_seconds / 60, 1), "decimal"
        ),
        _column(_("Viewers"), "viewers", "int"),
        _column(_("Completed"), "completed", "int"),
        _column(_("Average coverage"), "average_coverage", "percent"),
    )


@bp.route("/export/<any(" + ", ".join(TABLES) + "):table>.<any(csv, xlsx):fmt>")
@role_required(*STAFF)
def export(table: str, fmt: str):
    """A dashboard table as CSV or XLSX, with the page's filters (``?unit=`` and the rest)."""
    unit, scope, context = filtered()
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
