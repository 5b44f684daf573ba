"""Dashboard pages for supervisors and admins: the year's overview, the unit ranking, the
courses and their lessons (exports in ``export_views``, the units API in ``api``)."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.access import role_required
from lms.core.pagination import Page
from lms.courses.access import can_see_course
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.org.models import Unit
from lms.org.scope import unit_or_404
from lms.org.tree import unit_ancestors
from lms.reports import cadres as cadre_figures
from lms.reports import course_figures, figures
from lms.reports import overview as overview_figures
from lms.reports import units as unit_figures
from lms.reports.filters import (
    STAFF,
    filter_args,
    filter_choices,
    filtered,
    root_unit,
    scope_of,
    year_context,
)
from lms.reports.labels import KIND_LABELS, OUTLOOK_LABELS
from lms.tracking import study_records as lesson_audiences
from lms.tracking.views import render_audience

bp = Blueprint("reports", __name__, url_prefix="/reports")


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
    unit, scope, context = filtered()
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
        **filter_choices(context),
    )


@bp.route("/units")
@role_required(*STAFF)
def units():
    """The ranking's top: admins see the top-level units, supervisors start at their unit."""
    root = root_unit()
    if root is not None:
        # The filters go along; a ``unit_id`` among them would name the unit twice.
        filters = {k: v for k, v in request.args.items() if k != "unit_id"}
        return redirect(url_for("reports.unit", unit_id=root.id, **filters))
    return _ranking_page(None)


@bp.route("/units/<int:unit_id>")
@role_required(*STAFF)
def unit(unit_id: int):
    """A unit's sub-units ranked over their subtrees, and the cadres directly in it."""
    root_unit()
    return _ranking_page(unit_or_404(unit_id))


def _ranking_page(unit: Unit | None):
    context = year_context()
    scope = scope_of(unit)
    lines = unit_figures.unit_ranking(unit, scope, context)
    cadres = None
    if unit is not None:
        query = cadre_figures.cadres_query(unit, scope, context)
        page = request.args.get("page", 1, type=int) or 1
        cadres = Page.of_select(query, page, read=cadre_figures.cadre_lines)
    ancestors = unit_ancestors(unit) if unit is not None else []
    root = root_unit()
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
        **filter_choices(context),
    )


@bp.route("/courses")
@role_required(*STAFF)
def courses():
    """Per course: enrolled cadres in scope, progress, coverage and quiz results."""
    unit, scope, context = filtered()
    return render_template(
        "reports/courses.html",
        context=context,
        scope=scope,
        unit=unit,
        lines=course_figures.course_report(scope, context),
        filter_args=filter_args(),
        **filter_choices(context),
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
    unit, scope, context = filtered()
    course = _course_or_404(course_id)
    return render_template(
        "reports/course.html",
        context=context,
        scope=scope,
        unit=unit,
        course=course,
        lines=course_figures.lesson_report(course, scope, context),
        filter_args=filter_args(),
        **filter_choices(context),
    )


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/audience")
@role_required(*STAFF)
def lesson_audience(course_id: int, lesson_id: int):
    """A lesson's audience curve over the viewers among the cadres in scope (the course's
    instructors see every viewer's on /learning/lessons/<id>/audience)."""
    unit, scope, context = filtered()
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != _course_or_404(course_id).id:
        abort(404)
    audience = lesson_audiences.lesson_audience(lesson, figures.scoped_user_ids(scope, context))
    return render_audience(
        lesson,
        audience,
        back_url=url_for("reports.course", course_id=course_id, **filter_args()),
        scope_label=unit.name_path if unit else _("Everyone"),
    )
