"""The figures a course's health score is made of, read from tracking, quizzes and answers."""

from sqlalchemy import case, func, select

from lms.courses.models import Course, Lesson
from lms.evaluation.health import Health, HealthSignals, LessonSignal, course_health
from lms.evaluation.models import EvaluationResponse
from lms.evaluation.results import min_respondents, rating_summary
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.completion import completed_courses
from lms.tracking.models import LessonProgress
from lms.tracking.study_records import lesson_audience


def course_signals(course: Course) -> HealthSignals:
    lessons = []
    for lesson in course.lessons:
        if not lesson.duration_seconds:
            continue
        audience = lesson_audience(lesson)  # the audience curve instructors already see
        lessons.append(
            LessonSignal(
                title=lesson.title,
                viewers=audience.viewers,
                average_coverage=audience.average_coverage,
                curve=tuple(audience.curve.viewers),
                bucket_seconds=audience.curve.bucket_seconds,
            )
        )
    starters = db.session.scalar(
        select(func.count(func.distinct(LessonProgress.user_id)))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course.id, LessonProgress.credited_seconds > 0)
    )
    done = completed_courses(lambda column: [])
    completers = db.session.scalar(
        select(func.count()).select_from(done).where(done.c.course_id == course.id)
    )
    results, passed = db.session.execute(
        select(func.count(QuizResult.id), func.sum(case((QuizResult.is_passed, 1), else_=0)))
        .join(Quiz, Quiz.id == QuizResult.quiz_id)
        .where(Quiz.course_id == course.id, Quiz.is_published.is_(True))
    ).one()
    respondents = db.session.scalar(
        select(func.count()).where(EvaluationResponse.course_id == course.id)
    )
    _shown, ratings = rating_summary(course.id)
    return HealthSignals(
        lessons=tuple(lessons),
        starters=starters or 0,
        completers=completers or 0,
        test_results=results or 0,
        tests_passed=int(passed or 0),
        respondents=respondents or 0,
        ratings=ratings,
    )


def health_of(course: Course) -> Health:
    return course_health(course_signals(course), min_respondents())
