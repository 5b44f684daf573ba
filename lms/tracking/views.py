"""Learning pages: a cadre's own hours, a lesson's audience for its instructors, and a
cadre's lessons and viewing sessions for supervisors."""

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.pagination import Page
from lms.courses.access import can_edit_course
from lms.courses.models import Lesson
from lms.extensions import db
from lms.org.models import Cadre
from lms.org.visibility import can_see_person
from lms.tracking import risk, study_records
from lms.tracking.audience import format_clock
from lms.tracking.intervals import total_length
from lms.tracking.models import LessonProgress

bp = Blueprint("tracking", __name__, url_prefix="/learning")

STAFF = (Role.ADMIN, Role.SUPERVISOR)


@bp.app_template_filter("clock")
def _clock_filter(seconds) -> str:
    return format_clock(seconds)


@bp.app_context_processor
def _inject_helpers():
    return {
        "segment_ranges": _segment_ranges,
        "played_seconds": _played_seconds,
        "lesson_marks": _lesson_marks,
        "risk_words": risk.describe,
        "risk_label": _risk_label,
    }


def _risk_label(level: str) -> str:
    return str(risk.LEVEL_LABELS.get(level, level))


def _lesson_marks(course) -> dict[int, tuple[bool, float]]:
    """For the course page (a floor below): each lesson the caller has played, whether it is
    completed and the share of it credited; one query."""
    if not current_user.is_authenticated:
        return {}
    rows = db.session.execute(
        select(LessonProgress, Lesson.duration_seconds)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == current_user.id, Lesson.course_id == course.id)
    )
    return {
        progress.lesson_id: (
            progress.completed_at is not None,
            min(1.0, progress.credited_seconds / duration) if duration else 0.0,
        )
        for progress, duration in rows
    }


def _segment_ranges(pairs) -> str:
    """Played or credited ``[start, end]`` pairs as readable ``m:ss–m:ss`` ranges."""
    if not pairs:
        return "—"
    return ", ".join(f"{format_clock(start)}–{format_clock(end)}" for start, end in pairs)


def _played_seconds(pairs) -> float:
    return total_length(tuple(pair) for pair in pairs or [])


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


# --- a lesson's audience, for the course's instructors -----------------------------------


@bp.route("/lessons/<int:lesson_id>/audience")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def lesson_audience(lesson_id: int):
    """How far viewers get through a lesson: the audience curve and its figures."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not can_edit_course(current_user, lesson.course):
        abort(404)
    return render_audience(
        lesson,
        study_records.lesson_audience(lesson),
        back_url=url_for("courses.edit", course_id=lesson.course_id, _anchor="lessons"),
    )


def render_audience(lesson: Lesson, audience, back_url: str, scope_label: str | None = None):
    """The audience page of ``lesson`` (``scope_label``: whose viewers, when not everyone's)."""
    return render_template(
        "tracking/audience.html",
        lesson=lesson,
        course=lesson.course,
        audience=audience,
        chart=audience_chart(audience) if audience.viewers else None,
        back_url=back_url,
        scope_label=scope_label,
    )


def audience_chart(audience: study_records.LessonAudience) -> dict:
    """A Chart.js configuration for static/js/charts.js (colours come from its palette)."""
    curve = audience.curve
    return {
        "type": "line",
        "data": {
            "labels": [format_clock(start) for start in curve.starts()],
            "datasets": [
                {
                    "label": _("Average viewers"),
                    "data": [round(value, 2) for value in curve.viewers],
                    "fill": True,
                    "pointRadius": 0,
                    "stepped": "before",
                }
            ],
        },
        "options": {
            "scales": {
                "x": {"title": {"display": True, "text": _("Position in the lesson (m:ss)")}},
                "y": {
                    "beginAtZero": True,
                    "suggestedMax": audience.viewers,
                    "title": {"display": True, "text": _("Viewers")},
                },
            },
            "plugins": {"legend": {"display": False}},
        },
    }


# --- a cadre's lessons and viewing sessions, for supervisors -----------------------------


def _visible_cadre(cadre_id: int) -> Cadre:
    """The cadre, if the caller's unit subtree holds them (as org.cadre_detail scopes)."""
    cadre = db.session.get(Cadre, cadre_id)
    if cadre is None or not can_see_person(current_user, cadre.user):
        abort(404)
    return cadre


@bp.route("/cadres/<int:cadre_id>")
@role_required(*STAFF)
def cadre_learning(cadre_id: int):
    """Every lesson a cadre has played, with the time credited and the sessions behind it."""
    cadre = _visible_cadre(cadre_id)
    page = Page.of_select(
        study_records.cadre_lessons_query(cadre.user_id), _page(), current_app.config["PAGE_SIZE"]
    )
    lessons, seconds = study_records.cadre_lesson_totals(cadre.user_id)
    return render_template(
        "tracking/cadre_learning.html",
        cadre=cadre,
        person=cadre.user,
        page=page,
        lesson_count=lessons,
        credited_seconds=seconds,
    )


@bp.route("/cadres/<int:cadre_id>/lessons/<int:lesson_id>")
@role_required(*STAFF)
def cadre_views(cadre_id: int, lesson_id: int):
    """A cadre's viewing sessions of one lesson, newest first: what each played and earned."""
    cadre = _visible_cadre(cadre_id)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    page = db.paginate(
        study_records.cadre_views_query(cadre.user_id, lesson.id),
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "tracking/cadre_views.html",
        cadre=cadre,
        person=cadre.user,
        lesson=lesson,
        course=lesson.course,
        progress=study_records.lesson_progress(cadre.user_id, lesson.id),
        page=page,
    )
