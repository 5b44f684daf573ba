"""What a cadre was credited: a year's hours and courses, the weekend, where to resume."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from lms.core import statsyear
from lms.core.timeutil import utcnow
from lms.courses.models import Course, Lesson, LessonStatus
from lms.extensions import db
from lms.offline.figures import approved_offline_totals
from lms.tracking.completion import completed_courses, of_user
from lms.tracking.models import DailyCredit, LessonProgress


def year_credited_seconds(user_id: int, now: datetime | None = None) -> float:
    """Seconds credited in the statistics year that ``now`` counts toward."""
    return credited_seconds(user_id, statsyear.year_of_moment(now or utcnow()))


def credited_seconds(user_id: int, year: int) -> float:
    """Seconds credited to a cadre in ``year``'s statistics window (cut-off respected)."""
    start, end = statsyear.window(year)
    return float(
        db.session.scalar(
            select(func.coalesce(func.sum(DailyCredit.seconds), 0.0)).where(
                DailyCredit.user_id == user_id,
                DailyCredit.local_date >= start,
                DailyCredit.local_date <= end,
            )
        )
    )


def year_progress(user_id: int, year: int) -> dict:
    """A statistics year's online hours and weekend hours (the year's window, as every
    figure of ``year``), and every course the user has played."""
    start, end = statsyear.window(year)
    rows = db.session.execute(
        select(DailyCredit.local_date, DailyCredit.seconds).where(
            DailyCredit.user_id == user_id,
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= end,
        )
    ).all()
    online = sum(seconds for _day, seconds in rows)
    weekend = sum(seconds for day, seconds in rows if day.weekday() >= 5)
    per_course = db.session.execute(
        select(
            Course.id,
            Course.title,
            func.sum(LessonProgress.credited_seconds),
            func.count(LessonProgress.completed_at),
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(LessonProgress.user_id == user_id)
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    ).all()
    # One grouped query for every course's lesson count and playable length (no query per course).
    totals = {
        course_id: (count, float(length or 0))
        for course_id, count, length in db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id), func.sum(Lesson.duration_seconds))
            .where(Lesson.course_id.in_([row[0] for row in per_course]))
            .group_by(Lesson.course_id)
        )
    }
    completion = completed_courses(of_user(user_id))
    completed = set(db.session.scalars(select(completion.c.course_id)))
    courses = []
    for course_id, title, credited, _completed_lessons in per_course:
        _lesson_count, length = totals.get(course_id, (-1, 0.0))
        credited = float(credited or 0)
        courses.append(
            {
                "id": course_id,
                "title": title,
                "credited_seconds": round(credited, 1),
                "progress": round(min(1.0, credited / length), 4) if length else 0.0,
                "completed": course_id in completed,
            }
        )
    return {
        "year": year,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "online_seconds": round(online, 1),
        "online_hours": round(online / 3600, 1),
        "weekend_seconds": round(weekend, 1),
        "courses": courses,
    }


def weekend_seconds(user_id: int, today: date) -> float:
    """Seconds credited on the latest Saturday and Sunday up to ``today`` (local dates)."""
    saturday = today - timedelta(days=(today.weekday() - 5) % 7)
    return float(
        db.session.scalar(
            select(func.coalesce(func.sum(DailyCredit.seconds), 0.0)).where(
                DailyCredit.user_id == user_id,
                DailyCredit.local_date >= saturday,
                DailyCredit.local_date <= saturday + timedelta(days=1),
            )
        )
    )


def resume_lessons(user_id: int, course_ids) -> dict[int, int]:
    """For each course, the first playable lesson the user has not completed (where to
    resume); a course with none is left out (nothing to resume yet)."""
    completed = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None)
            )
        )
    )
    resume = {}
    for lesson in db.session.scalars(
        select(Lesson)
        .where(
            Lesson.course_id.in_(list(course_ids)),
            Lesson.status == LessonStatus.READY.value,  # only a lesson that can be played
            Lesson.duration_seconds > 0,
        )
        .order_by(Lesson.course_id, Lesson.position)
    ):
        if lesson.id not in completed and lesson.course_id not in resume:
            resume[lesson.course_id] = lesson.id
    return resume


def credited_by_course(user_id: int, course_ids) -> dict[int, float]:
    """Seconds the user has been credited in each of ``course_ids`` (one grouped query)."""
    ids = list(course_ids)
    if not ids:
        return {}
    return {
        course_id: float(seconds or 0)
        for course_id, seconds in db.session.execute(
            select(Lesson.course_id, func.sum(LessonProgress.credited_seconds))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == user_id, Lesson.course_id.in_(ids))
            .group_by(Lesson.course_id)
        )
    }


def offline_days(user_id: int, year: int) -> float:
    """Approved offline training days ending in ``year``'s statistics window."""
    totals = approved_offline_totals([user_id], *statsyear.window(year)).get(user_id)
    return round(totals.days, 1) if totals else 0.0
