"""What instructors and supervisors read from the ledger: audiences, a cadre's lessons and views."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.core import statsyear
from lms.courses.access import visible_course_clause
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.tracking.audience import AudienceCurve, audience_curve
from lms.tracking.models import LessonProgress, LessonView
from lms.tracking.viewing import is_ready


@dataclass(frozen=True)
class LessonAudience:
    viewers: int  # users credited any time on the lesson
    completed: int
    average_coverage: float  # mean share of the lesson credited per viewer, 0..1
    credited_seconds: float  # every viewer's credited time together
    curve: AudienceCurve


def lesson_audience(lesson: Lesson, viewers=None) -> LessonAudience:
    """Viewers, completions, average coverage and the audience curve of one lesson; among
    ``viewers`` (a select of user ids, e.g. a supervisor's cadres) when given."""
    duration = float(lesson.duration_seconds or 0)
    query = select(
        LessonProgress.coverage, LessonProgress.credited_seconds, LessonProgress.completed_at
    ).where(LessonProgress.lesson_id == lesson.id, LessonProgress.credited_seconds > 0)
    if viewers is not None:
        query = query.where(LessonProgress.user_id.in_(viewers))
    rows = db.session.execute(query).all()
    credited = sum(float(row.credited_seconds) for row in rows)
    return LessonAudience(
        viewers=len(rows),
        completed=sum(1 for row in rows if row.completed_at is not None),
        average_coverage=credited / (len(rows) * duration) if rows and duration else 0.0,
        credited_seconds=credited,
        curve=audience_curve((row.coverage or [] for row in rows), duration),
    )


def cadre_lessons_query(user_id: int):
    """(LessonProgress, Lesson, Course, view count) for each lesson the user has played,
    most recently studied first: one query, however many lessons are listed."""
    view_counts = (
        select(LessonView.lesson_id, func.count(LessonView.id).label("views"))
        .where(LessonView.user_id == user_id)
        .group_by(LessonView.lesson_id)
        .subquery()
    )
    return (
        select(LessonProgress, Lesson, Course, func.coalesce(view_counts.c.views, 0))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .outerjoin(view_counts, view_counts.c.lesson_id == Lesson.id)
        .where(LessonProgress.user_id == user_id)
        .order_by(LessonProgress.updated_at.desc(), LessonProgress.id.desc())
    )


def cadre_lesson_totals(user_id: int) -> tuple[int, float]:
    """How many lessons the user has played, and the seconds credited on them in all."""
    count, seconds = db.session.execute(
        select(
            func.count(LessonProgress.id),
            func.coalesce(func.sum(LessonProgress.credited_seconds), 0),
        ).where(LessonProgress.user_id == user_id)
    ).one()
    return int(count), float(seconds)


def latest_lessons(user_id: int, limit: int) -> dict:
    """The ``limit`` lessons the user played last, with the totals over all of them."""
    rows = db.session.execute(cadre_lessons_query(user_id).limit(limit)).all()
    count, seconds = cadre_lesson_totals(user_id)
    return {"rows": rows, "lesson_count": count, "credited_seconds": seconds}


def cadre_views_query(user_id: int, lesson_id: int):
    """The user's viewing sessions of a lesson, newest first (rule 8's records)."""
    return (
        select(LessonView)
        .where(LessonView.user_id == user_id, LessonView.lesson_id == lesson_id)
        .order_by(LessonView.opened_at.desc(), LessonView.id.desc())
    )


def year_views_query(user_id: int, year: int):
    """The user's viewing sessions opened in statistics year ``year``, newest first."""
    start, end = statsyear.utc_bounds(statsyear.window(year))
    return (
        select(LessonView)
        .where(
            LessonView.user_id == user_id,
            LessonView.opened_at >= start,
            LessonView.opened_at < end,
        )
        .order_by(LessonView.opened_at.desc(), LessonView.id.desc())
    )


def year_risk_counts(user_id: int, year: int) -> dict[str, int]:
    """How many of the user's sessions opened in year ``year`` are at each risk level."""
    start, end = statsyear.utc_bounds(statsyear.window(year))
    rows = db.session.execute(
        select(LessonView.risk_level, func.count())
        .where(
            LessonView.user_id == user_id,
            LessonView.opened_at >= start,
            LessonView.opened_at < end,
        )
        .group_by(LessonView.risk_level)
    )
    return dict(rows.all())


def risky_views(user_id: int, year: int, limit: int) -> list[LessonView]:
    """The user's latest sessions of year ``year`` at medium or high risk, with their lessons."""
    return list(
        db.session.scalars(
            year_views_query(user_id, year)
            .where(LessonView.risk_level.in_(("medium", "high")))
            .options(joinedload(LessonView.lesson))
            .limit(limit)
        )
    )


def lesson_progress(user_id: int, lesson_id: int) -> LessonProgress | None:
    return db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id
        )
    )


@dataclass(frozen=True)
class NextLesson:
    """Where a cadre goes on: a lesson and the second of it to start from."""

    lesson: Lesson
    position_seconds: float
    credited_seconds: float

    @property
    def progress(self) -> float:
        duration = float(self.lesson.duration_seconds or 0)
        return min(1.0, self.credited_seconds / duration) if duration else 0.0


def has_studied(user_id: int) -> bool:
    """Whether the user has played any lesson at all."""
    return (
        db.session.scalar(
            select(LessonProgress.id).where(LessonProgress.user_id == user_id).limit(1)
        )
        is not None
    )


CONTINUE_LOOKBACK = 5  # the courses studied last that "continue" looks through


def lesson_to_continue(user) -> NextLesson | None:
    """Where the home page's "continue" card leads: the lesson a cadre played last, at its
    position, while it is unfinished; once it is done, the next unfinished lesson of that
    course (else its first unfinished one). Courses the user may no longer see, finished
    courses and lessons without a recording are passed over."""
    latest = db.session.execute(
        select(Lesson.course_id)
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .join(Course, Course.id == Lesson.course_id)
        .where(LessonProgress.user_id == user.id, visible_course_clause(user))
        .group_by(Lesson.course_id)
        .order_by(func.max(LessonProgress.updated_at).desc(), Lesson.course_id.desc())
        .limit(CONTINUE_LOOKBACK)
    ).scalars()
    for course_id in list(latest):
        rows = db.session.execute(
            select(Lesson, LessonProgress)
            .outerjoin(
                LessonProgress,
                (LessonProgress.lesson_id == Lesson.id) & (LessonProgress.user_id == user.id),
            )
            .where(Lesson.course_id == course_id)
            .order_by(Lesson.position, Lesson.id)
        ).all()
        played = [row for row in rows if row.LessonProgress is not None]
        last = max(played, key=lambda r: (r.LessonProgress.updated_at, r.LessonProgress.id))
        open_rows = [
            row
            for row in rows
            if is_ready(row.Lesson.status, row.Lesson.duration_seconds)
            and (row.LessonProgress is None or row.LessonProgress.completed_at is None)
        ]
        if not open_rows:
            continue
        later = [row for row in open_rows if row.Lesson.position >= last.Lesson.position]
        lesson, record = last if last in open_rows else (later or open_rows)[0]
        return NextLesson(
            lesson=lesson,
            position_seconds=float(record.position_seconds) if record else 0.0,
            credited_seconds=float(record.credited_seconds) if record else 0.0,
        )
    return None
