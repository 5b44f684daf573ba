"""Benchmark the annual assessment and the non-participation list on a realistic year.

Reuses the year of ``benchmarks/reports_year.py`` (10,000 cadres by default in a 4-level
tree: province → 10 cities → 10 districts → 10 bureaus, about 40 study days a cadre, two
required courses, an exam) and adds what the assessment reads besides: the two courses
assigned to the whole province in the plan, viewing sessions on their lessons, approved
offline training for a third of the cadres and approved exemptions (waived or prorated) for
a few. Then, on SQLite and on PostgreSQL, for the province and for one city (a tenth):

- ``run_assessment`` (gathering every input and storing one result row per cadre; rolled
  back after each call) and ``non_participation`` (the 通报 list), each the best of
  ``--repeat`` calls;
- the statements each issues and the most parameters any one statement binds (SQLite allows
  32,766, so a list of every cadre's id breaks a province of 100,000).

    .venv/bin/python benchmarks/assessment_year.py                  # SQLite and PostgreSQL
    .venv/bin/python benchmarks/assessment_year.py --cadres 2000 --backends sqlite

PostgreSQL: ``--pg-url`` (default the local ``bench_assessment`` database, created if missing).
"""

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text

from benchmarks.plan_sync import bench_main
from benchmarks.reports_year import TODAY, YEAR, chunked_insert, generate
from lms import create_app
from lms.accounts.models import User
from lms.courses.models import Lesson
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining
from lms.org.models import Cadre, Unit
from lms.plans.models import Assignment, TrainingYear
from lms.plans.years import plan_window
from lms.tracking.models import LessonProgress, LessonView

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_assessment"


def add_assessment_inputs(seed: int = 11) -> None:
    """Assignments, viewing sessions, offline training and exemptions for the generated year."""
    rng = random.Random(seed)
    plan = db.session.scalar(select(TrainingYear).where(TrainingYear.year == YEAR))
    province = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    course_ids = sorted(set(db.session.scalars(select(Lesson.course_id))))
    for course_id in course_ids:
        db.session.add(
            Assignment(
                training_year_id=plan.id,
                course_id=course_id,
                unit_id=province.id,
                due_on=plan_window(plan)[1],
            )
        )
    # One viewing session per lesson a cadre has progress on, opened on a day in the window.
    views = []
    progress = db.session.execute(
        select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.credited_seconds)
    ).all()
    first = datetime(YEAR, 1, 5, 12)
    for n, (user_id, lesson_id, seconds) in enumerate(progress):
        views.append(
            {
                "public_id": f"bench-view-{n}",
                "user_id": user_id,
                "lesson_id": lesson_id,
                "opened_at": first + timedelta(days=rng.randrange(0, 280)),
                "credited_seconds": seconds,
                "played": [],
            }
        )
    chunked_insert(LessonView, views)
    user_ids = list(db.session.scalars(select(Cadre.user_id).order_by(Cadre.user_id)))
    trainings, exemptions = [], []
    for user_id in user_ids:
        if rng.random() < 0.33:
            start = TODAY - timedelta(days=rng.randrange(20, 280))
            days = rng.randrange(1, 15)
            trainings.append(
                {
                    "user_id": user_id,
                    "training_type": "party_school",
                    "title": "党校培训班",
                    "start_date": start,
                    "end_date": start + timedelta(days=days - 1),
                    "hours": days * 8.0,
                    "days": float(days),
                    "status": "approved",
                }
            )
        if rng.random() < 0.03:
            start = TODAY - timedelta(days=rng.randrange(30, 250))
            exemptions.append(
                {
                    "user_id": user_id,
                    "kind": "illness",
                    "start_date": start,
                    "end_date": start + timedelta(days=rng.randrange(10, 90)),
                    "effect": "waive" if rng.random() < 0.3 else "prorate",
                    "status": "approved",
                }
            )
    chunked_insert(OfflineTraining, trainings)
    chunked_insert(Exemption, exemptions)
    db.session.commit()


class StatementWatch:
    """Counts the statements run on the engine and the most parameters any one bound."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = 0
        self.max_parameters = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.seen)

    def seen(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        rows = parameters if executemany else [parameters]
        for row in rows:
            self.max_parameters = max(self.max_parameters, len(row or ()))


def measure(fn, repeat: int) -> tuple[float, StatementWatch]:
    """The best wall time of ``repeat`` calls (after a warm-up call, whose statements are
    counted), each rolled back."""
    with StatementWatch(db.engine) as watch:
        fn()
    db.session.rollback()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
        db.session.rollback()
    return best, watch


def run_backend(name: str, url: str, cadres: int, repeat: int) -> None:
    from lms.assessment.participation import non_participation
    from lms.assessment.services import run_assessment

    os.environ["LMS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="bench-assessment-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        generate(cadres)
        add_assessment_inputs()
        print(
            f"\n[{name}] generated {cadres:,} cadres and their year "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        province = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        city = db.session.scalar(
            select(Unit).where(Unit.parent_id == province.id).order_by(Unit.id)
        )
        from unittest import mock

        with mock.patch("lms.core.timeutil.local_today", return_value=TODAY):
            for scope, unit in [("province", province), ("one city", city)]:
                count = db.session.scalar(
                    select(db.func.count())
                    .select_from(Cadre)
                    .join(User, User.id == Cadre.user_id)
                    .join(Unit, Unit.id == User.unit_id)
                    .where(Unit.tree_path.like(unit.tree_path + "%"))
                )
                for label, fn in [
                    ("run_assessment", lambda unit=unit: run_assessment(YEAR, unit)),
                    ("non_participation", lambda unit=unit: non_participation(YEAR, unit)),
                ]:
                    seconds, watch = measure(fn, repeat)
                    print(
                        f"[{name}] {scope:8s} ({count:6,} cadres) {label:17s} "
                        f"{seconds * 1000:8.1f} ms   {watch.statements:3d} statements, "
                        f"at most {watch.max_parameters:6,} parameters in one"
                    )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    bench_main(__doc__, run_backend, "bench-assessment", PG_DEFAULT, repeat=3)


if __name__ == "__main__":
    main()
