"""Figures by course, lesson and test: enrolments, completion, coverage, pass rates."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from lms.courses.models import Course, Enrollment, Lesson
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizResult
from lms.reports.figures import (
    ELECTIVE,
    REQUIRED,
    Context,
    Scope,
    _counted,
    _limited_to_scope,
    _rate,
    rate_of,
    scoped_user_ids,
)
from lms.tracking.completion import completed_courses
from lms.tracking.models import LessonProgress


@dataclass(frozen=True)
class EnrollmentLine:
    kind: str  # REQUIRED or ELECTIVE
    enrolled: int
    completed: int

    rate = rate_of("completed", "enrolled")


@dataclass(frozen=True)
class QuizLine:
    quiz_id: int
    title: str
    results: int
    passed: int
    average_percent: float

    pass_rate = rate_of("passed", "results")


def _course_lessons():
    return (
        select(
            Lesson.course_id,
            func.count(Lesson.id).label("lessons"),
            func.coalesce(func.sum(Lesson.duration_seconds), 0.0).label("length"),
        )
        .group_by(Lesson.course_id)
        .subquery("course_lessons")
    )


def enrollment_rows(scope: Scope, context: Context):
    """One row per enrolment of a cadre in scope: course, kind, credited seconds, completed.

    Completed as on "My learning" and in the archive: the one rule of lms.tracking.completion.
    """
    progress = (
        select(
            LessonProgress.user_id,
            Lesson.course_id,
            func.count(LessonProgress.completed_at).label("done"),
            func.sum(LessonProgress.credited_seconds).label("credited"),
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(*_limited_to_scope(LessonProgress.user_id, scope, context))
        .group_by(LessonProgress.user_id, Lesson.course_id)
        .subquery("course_progress")
    )
    lessons = _course_lessons()
    completion = completed_courses(lambda user: _limited_to_scope(user, scope, context))
    completed = completion.c.course_id.is_not(None)
    credited = func.coalesce(progress.c.credited, 0.0)
    length = func.coalesce(lessons.c.length, 0.0)
    coverage = case(
        (length <= 0, 0.0), (credited >= length, 1.0), else_=credited / case((length > 0, length))
    )
    query = (
        select(
            Enrollment.user_id,
            Enrollment.course_id,
            Enrollment.is_required,
            credited.label("credited"),
            coverage.label("coverage"),
            case((completed, 1), else_=0).label("completed"),
        )
        .outerjoin(
            progress,
            and_(
                progress.c.user_id == Enrollment.user_id,
                progress.c.course_id == Enrollment.course_id,
            ),
        )
        .outerjoin(lessons, lessons.c.course_id == Enrollment.course_id)
        .outerjoin(
            completion,
            and_(
                completion.c.user_id == Enrollment.user_id,
                completion.c.course_id == Enrollment.course_id,
            ),
        )
        .where(Enrollment.user_id.in_(scoped_user_ids(scope, context)))
    )
    if scope.course_kind == REQUIRED:
        query = query.where(Enrollment.is_required.is_(True))
    elif scope.course_kind == ELECTIVE:
        query = query.where(Enrollment.is_required.is_(False))
    return query.subquery("enrolments")


def enrollment_completion(scope: Scope, context: Context) -> list[EnrollmentLine]:
    """Enrolments and completed ones, required (assigned) and elective; one query, which
    reads only what completion needs (not the credited time of ``enrollment_rows``)."""
    completion = completed_courses(lambda user: _limited_to_scope(user, scope, context))
    query = (
        select(
            Enrollment.is_required,
            func.count(),
            _counted(completion.c.course_id.is_not(None)),
        )
        .outerjoin(
            completion,
            and_(
                completion.c.user_id == Enrollment.user_id,
                completion.c.course_id == Enrollment.course_id,
            ),
        )
        .where(Enrollment.user_id.in_(scoped_user_ids(scope, context)))
        .group_by(Enrollment.is_required)
    )
    if scope.course_kind == REQUIRED:
        query = query.where(Enrollment.is_required.is_(True))
    elif scope.course_kind == ELECTIVE:
        query = query.where(Enrollment.is_required.is_(False))
    found = {
        bool(is_required): (int(enrolled), int(completed or 0))
        for is_required, enrolled, completed in db.session.execute(query)
    }
    kinds = [(REQUIRED, True), (ELECTIVE, False)]
    if scope.course_kind:
        kinds = [k for k in kinds if k[0] == scope.course_kind]
    return [EnrollmentLine(kind, *found.get(flag, (0, 0))) for kind, flag in kinds]


@dataclass(frozen=True)
class CourseLine:
    course_id: int
    title: str
    enrolled: int
    in_progress: int
    completed: int
    average_coverage: float
    quiz_results: int = 0
    quiz_passed: int = 0
    quiz_average_percent: float | None = None

    completion_rate = rate_of("completed", "enrolled")
    quiz_pass_rate = rate_of("quiz_passed", "quiz_results")


def course_report(scope: Scope, context: Context) -> list[CourseLine]:
    """Per course with enrolled cadres in scope: enrolled, in progress, completed, average
    coverage, and the year's results of the course's quizzes; two grouped queries."""
    rows = enrollment_rows(scope, context)
    in_progress = and_(rows.c.completed == 0, rows.c.credited > 0)
    courses = db.session.execute(
        select(
            Course.id,
            Course.title,
            func.count(),
            _counted(in_progress),
            func.coalesce(func.sum(rows.c.completed), 0),
            func.coalesce(func.avg(rows.c.coverage), 0.0),
        )
        .join(rows, rows.c.course_id == Course.id)
        .group_by(Course.id, Course.title)
        .order_by(Course.title, Course.id)
    ).all()
    quizzes = {
        course_id: (int(results), int(passed or 0), float(average or 0))
        for course_id, results, passed, average in db.session.execute(
            _quiz_results([Quiz.course_id], scope, context).where(Quiz.course_id.is_not(None))
        )
    }
    lines = []
    for course_id, title, enrolled, progressing, completed, coverage in courses:
        results, passed, average = quizzes.get(course_id, (0, 0, None))
        lines.append(
            CourseLine(
                course_id,
                title,
                int(enrolled),
                int(progressing),
                int(completed),
                float(coverage),
                results,
                passed,
                average,
            )
        )
    return lines


@dataclass(frozen=True)
class LessonLine:
    """A lesson's figures among the cadres in scope, over all time (as its audience curve)."""

    lesson_id: int
    title: str
    duration_seconds: float
    viewers: int  # cadres in scope credited any time on the lesson
    completed: int
    credited_seconds: float

    @property
    def average_coverage(self) -> float | None:
        """The mean share of the lesson the viewers have really played."""
        return _rate(self.credited_seconds, self.viewers * self.duration_seconds)


def lesson_report(course: Course, scope: Scope, context: Context) -> list[LessonLine]:
    """Each lesson of ``course`` in order, with its viewers among the cadres in scope, those
    who completed it and their credited time; one grouped query."""
    progress = (
        select(
            LessonProgress.lesson_id,
            LessonProgress.credited_seconds,
            LessonProgress.completed_at,
        )
        .where(
            LessonProgress.credited_seconds > 0,
            LessonProgress.user_id.in_(scoped_user_ids(scope, context)),
        )
        .subquery("progress")
    )
    rows = db.session.execute(
        select(
            Lesson.id,
            Lesson.title,
            Lesson.duration_seconds,
            func.count(progress.c.lesson_id),
            func.count(progress.c.completed_at),
            func.coalesce(func.sum(progress.c.credited_seconds), 0.0),
        )
        .outerjoin(progress, progress.c.lesson_id == Lesson.id)
        .where(Lesson.course_id == course.id)
        .group_by(Lesson.id, Lesson.title, Lesson.duration_seconds, Lesson.position)
        .order_by(Lesson.position, Lesson.id)
    )
    return [
        LessonLine(lesson_id, title, float(length or 0), int(viewers), int(done), float(seconds))
        for lesson_id, title, length, viewers, done, seconds in rows
    ]


def _quiz_results(keys: list, scope: Scope, context: Context):
    """The year's quiz results of the cadres in scope grouped by ``keys``: the keys, then
    results, passed and average percent."""
    return (
        select(
            *keys,
            func.count(QuizResult.id),
            _counted(QuizResult.is_passed.is_(True)),
            func.avg(QuizResult.percent),
        )
        .join(QuizResult, QuizResult.quiz_id == Quiz.id)
        .where(
            QuizResult.year == context.year,
            QuizResult.user_id.in_(scoped_user_ids(scope, context)),
        )
        .group_by(*keys)
    )


def quiz_pass_rates(scope: Scope, context: Context) -> list[QuizLine]:
    """The year's results per quiz among the cadres in scope; one grouped query."""
    rows = db.session.execute(
        _quiz_results([Quiz.id, Quiz.title], scope, context).order_by(Quiz.title, Quiz.id)
    )
    return [
        QuizLine(quiz_id, title, int(results), int(passed), float(average or 0))
        for quiz_id, title, results, passed, average in rows
    ]
