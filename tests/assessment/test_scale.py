"""The assessment and the non-participation list at province scale: the statements they run
and the parameters those bind do not grow with the number of cadres (SQLite caps one
statement's parameters at 32,766, fewer than a province's cadres), and their figures are the
dashboards' and the per-cadre functions'."""

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import event, insert, select

from lms.accounts.models import User, UserRole
from lms.assessment.models import AssessmentResult
from lms.assessment.participation import non_participation
from lms.assessment.services import run_assessment
from lms.core import statsyear
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining
from lms.org.models import Cadre
from lms.plans.hours import required_seconds, required_seconds_by_user
from lms.plans.models import Assignment
from lms.quizzes.models import Quiz, QuizResult
from lms.reports import cadres, figures
from lms.reports import units as unit_figures
from lms.tracking.models import DailyCredit, LessonView

YEAR = 2026


@pytest.fixture
def course(app, district):
    """A required course (one lesson) assigned to the whole district in the 2026 plan."""
    course = Course(title="Party history", is_published=True)
    db.session.add(course)
    db.session.flush()
    db.session.add(Lesson(course_id=course.id, title="Lecture 1", duration_seconds=3600))
    db.session.add(
        Assignment(
            training_year_id=district["plan"].id,
            course_id=course.id,
            unit_id=district["units"]["district"].id,
            due_on=date(2026, 6, 30),
        )
    )
    db.session.commit()
    return course


def add_cadres(unit, count: int, course) -> list[int]:
    """``count`` cadres in ``unit``, inserted in bulk, with a bit of everything the
    assessment reads: daily credit (n hours for the nth, none for every fourth), a viewing
    session on the required course, approved offline training, an exam result, and an
    exemption for every fifth."""
    exam = db.session.scalar(select(Quiz).where(Quiz.title == "Theory exam"))
    lesson_id = course.lessons[0].id
    users = [
        {"username": f"bulk{n:04d}", "display_name": f"Bulk {n:04d}", "unit_id": unit.id}
        for n in range(count)
    ]
    ids = list(
        db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users)
    )
    db.session.execute(insert(UserRole), [{"user_id": uid, "role": "cadre"} for uid in ids])
    db.session.execute(
        insert(Cadre), [{"user_id": uid, "personnel_number": f"B{uid:06d}"} for uid in ids]
    )
    credit, views, training, results, exemptions = [], [], [], [], []
    for n, uid in enumerate(ids):
        if n % 4:
            credit.append({"user_id": uid, "local_date": date(2026, 5, 9), "seconds": n * 3600.0})
        views.append(
            {
                "public_id": f"bulk-view-{uid}",
                "user_id": uid,
                "lesson_id": lesson_id,
                "opened_at": datetime(2026, 5, 9, 2),
                "credited_seconds": 1200.0,
                "played": [],
            }
        )
        training.append(
            {
                "user_id": uid,
                "training_type": "party_school",
                "title": "Spring class",
                "start_date": date(2026, 4, 1),
                "end_date": date(2026, 4, 3),
                "hours": 24.0,
                "days": 3.0,
                "status": "approved",
            }
        )
        results.append({"user_id": uid, "quiz_id": exam.id, "year": YEAR, "percent": 70.0})
        if n % 5 == 0:
            exemptions.append(
                {
                    "user_id": uid,
                    "kind": "illness",
                    "start_date": date(2026, 3, 1),
                    "end_date": date(2026, 3, 31),
                    "status": "approved",
                }
            )
    for model, rows in [
        (DailyCredit, credit),
        (LessonView, views),
        (OfflineTraining, training),
        (QuizResult, results),
        (Exemption, exemptions),
    ]:
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    return ids


@dataclass
class Watch:
    statements: int = 0
    max_parameters: int = 0


def watched(fn) -> Watch:
    """Run ``fn`` counting the statements it runs and the most parameters one binds."""
    watch = Watch()

    def seen(conn, cursor, statement, parameters, context, executemany):
        watch.statements += 1
        for row in parameters if executemany else [parameters]:
            watch.max_parameters = max(watch.max_parameters, len(row or ()))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    db.session.rollback()
    return watch


def test_more_cadres_bind_no_more_parameters_and_run_no_more_statements(app, district, course):
    scope = district["units"]["district"]
    bureau = district["units"]["b"]

    def assess():
        run = run_assessment(YEAR, scope)
        assess.counts.append(run.cadre_count)

    def listing():
        units = non_participation(YEAR, scope)
        listing.counts.append(sum(u.cadres for u in units))

    assess.counts, listing.counts = [], []
    # Each process reads the plans' cut-offs once (lms/core/statsyear.py keeps them): read
    # them before counting, so the counts compare only what depends on the cadres.
    statsyear.window(YEAR)
    db.session.rollback()  # each count then starts its own transaction, as before
    small = watched(assess), watched(listing)
    add_cadres(bureau, 55, course)
    large = watched(assess), watched(listing)
    assert assess.counts == listing.counts == [5, 60]  # both saw every new cadre
    for label, before, after in zip(["assessment", "list"], small, large, strict=True):
        assert after.max_parameters == before.max_parameters, label
        assert after.statements == before.statements, label
        assert after.max_parameters < 50, label


def test_a_scope_beyond_sqlites_parameter_cap_is_assessed_and_listed(app, district, course):
    """SQLite's cap is 32,766 by default (some builds allow more); lowered to 100 here, a
    scope of 125 cadres is assessed and listed all the same."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the cap on bound parameters is SQLite's")
    add_cadres(district["units"]["b"], 120, course)
    connection = db.session.connection().connection.dbapi_connection
    cap = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    try:
        run = run_assessment(YEAR, district["units"]["district"])
        units = non_participation(YEAR, district["units"]["district"])
    finally:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, cap)
    assert run.cadre_count == sum(u.cadres for u in units) == 125


def test_the_assessment_reads_each_input_for_the_new_cadres(app, district, course):
    ids = add_cadres(district["units"]["b"], 10, course)
    run = run_assessment(YEAR, district["units"]["district"])
    db.session.commit()
    got = {
        r.user_id: r.inputs
        for r in db.session.scalars(
            select(AssessmentResult).where(AssessmentResult.run_id == run.id)
        )
    }
    exempted, plain = got[ids[0]], got[ids[1]]
    assert exempted["quota_factor"] == pytest.approx(1 - 31 / 365)
    assert plain["quota_factor"] == 1.0 and not plain["is_waived"]
    assert plain["online_hours"] == 1.0 and plain["required_hours_done"] == 0.33
    assert plain["offline_days"] == 3.0 and plain["quiz_scores"] == [70.0]
    # The district's own cadres have no views of the required course.
    assert got[district["people"]["full"].id]["required_hours_done"] == 0.0


def test_required_hours_for_a_scope_are_those_of_each_cadre(app, district, course, make_user):
    """One definition: the set-based sum gives each cadre what the per-cadre function does,
    whichever assignment's audience brings the course to them."""
    plan = district["plan"]
    people = district["people"]
    other_course = Course(title="Economics", is_published=True)
    db.session.add(other_course)
    db.session.flush()
    lesson = Lesson(course_id=other_course.id, title="Lecture 1", duration_seconds=3600)
    db.session.add(lesson)
    db.session.flush()
    # The second course is required in Bureau B only.
    db.session.add(
        Assignment(
            training_year_id=plan.id,
            course_id=other_course.id,
            unit_id=district["units"]["b"].id,
            due_on=date(2026, 6, 30),
        )
    )
    required = course.lessons[0].id
    views = [
        ("full", required, datetime(2026, 3, 1), 600),
        ("full", lesson.id, datetime(2026, 3, 1), 700),  # not assigned to Bureau A
        ("other", required, datetime(2026, 3, 1), 800),
        ("other", lesson.id, datetime(2026, 3, 2), 900),
        ("other", lesson.id, datetime(2026, 12, 2), 1000),  # after the cut-off
        ("short", required, datetime(2025, 11, 1), 1100),  # before the window
    ]
    for n, (name, lesson_id, opened, seconds) in enumerate(views):
        db.session.add(
            LessonView(
                public_id=f"scale-{n}",
                user_id=people[name].id,
                lesson_id=lesson_id,
                opened_at=opened,
                credited_seconds=seconds,
                played=[],
            )
        )
    db.session.commit()
    everyone = select(User.id)
    in_bulk = required_seconds_by_user(plan, everyone)
    assert in_bulk == {people["full"].id: 600, people["other"].id: 1700}
    for person in people.values():
        assert required_seconds(person, YEAR) == in_bulk.get(person.id, 0.0)


def test_the_list_shows_the_dashboards_figures(app, district, course):
    add_cadres(district["units"]["b"], 12, course)
    scope = district["units"]["district"]
    context = figures.make_context(YEAR)
    dashboard = {
        line.user_id: line
        for line in cadres.cadre_lines(cadres.cadres_query(None, figures.Scope.of(scope), context))
    }
    units = {u.unit_id: u for u in non_participation(YEAR, scope)}
    absent = [c for u in units.values() for c in u.absent]
    # The nth new cadre has n hours (none for every fourth, an exemption for every fifth):
    # the 1st, 2nd, 3rd (under 10% of 50 hours), 4th and 8th (no hours) are listed.
    assert sorted(c.name for c in absent) == [f"Bulk {n:04d}" for n in (1, 2, 3, 4, 8)]
    for line in absent:
        assert line.hours == round(dashboard[line.user_id].done_hours, 1)
        assert line.quota_hours == dashboard[line.user_id].quota_hours
    for unit_line in unit_figures.units_in_scope(scope, context):
        if unit_line.id in units:  # leaf units: their own cadres are their subtree's
            mine = units[unit_line.id]
            assert (mine.cadres, mine.exempt) == (unit_line.cadre_count, unit_line.exempt)
