"""Benchmark ``plans.assignments.sync_assignments`` for a whole year over 10,000 cadres.

The question it answers: after a roster import or a cadre edit, is syncing the whole year
(every cadre, every assignment) cheap enough to do each time, instead of working out which
cadres changed? Generates 10,000 cadres in a 4-level tree (province → 10 cities → 10
districts → 10 bureaus) with the standard categories and priority groups, and a plan with
eight course assignments of different audiences (everyone, a city, a district, a bureau
without its sub-units, two categories, reserve and young cadres) plus an exam. Then, on
SQLite and on PostgreSQL, times:

- the first sync (every required enrolment inserted);
- a sync with nothing to change (the daily job on an ordinary day; median of ``--repeat``);
- a sync after 200 cadres changed category and 200 moved to another city (what a roster
  import of changes leaves behind), with how many rows it changed;

and counts the SQL statements of one sync.

    .venv/bin/python benchmarks/plan_sync.py                      # SQLite and PostgreSQL
    .venv/bin/python benchmarks/plan_sync.py --backends sqlite --cadres 2000

PostgreSQL: ``--pg-url`` (default the local ``bench_plan_sync`` database, created if missing;
its tables are dropped and created again).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select, text, update

from benchmarks.reports_year import build_tree, chunked_insert, ensure_pg_database
from lms import create_app
from lms.accounts.models import User, UserRole
from lms.courses.models import Course, Enrollment
from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import Cadre, CadreCategory, Unit
from lms.plans import rules
from lms.plans.assignments import sync_assignments
from lms.plans.models import Assignment
from lms.plans.years import ensure_plan
from lms.quizzes.models import Quiz

YEAR = 2026
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_plan_sync"


def generate(cadres: int, seed: int = 7) -> None:
    """Cadres, a few electives each, the year's plan and its assignments, inserted in bulk."""
    rng = random.Random(seed)
    ensure_default_categories()
    categories = {c.code: c.id for c in db.session.scalars(select(CadreCategory))}
    bureaus = build_tree()
    districts = list(dict.fromkeys(bureau.parent for bureau in bureaus))
    cities = list(dict.fromkeys(district.parent for district in districts))
    first_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    users, roles, records = [], [], []
    for i in range(cadres):
        uid = first_id + i
        users.append(
            {
                "id": uid,
                "username": f"cadre{i:06d}",
                "display_name": f"干部{i:06d}",
                "unit_id": bureaus[i % len(bureaus)].id,
            }
        )
        roles.append({"user_id": uid, "role": "cadre"})
        records.append(
            {
                "user_id": uid,
                "personnel_number": f"P{i:07d}",
                "category_id": rng.choice(list(categories.values())),
                "date_of_birth": date(1965, 1, 1) + timedelta(days=rng.randrange(0, 12000)),
                "is_reserve": rng.random() < 0.1,
                "is_key_position": rng.random() < 0.1,
            }
        )
    chunked_insert(User, users)
    chunked_insert(UserRole, roles)
    chunked_insert(Cadre, records)

    courses = []
    for n in range(12):
        course = Course(title=f"课程{n + 1}", is_published=True)
        db.session.add(course)
        courses.append(course)
    exam = Quiz(title="年度理论考试", is_exam=True, is_published=True)
    db.session.add(exam)
    db.session.flush()
    # Electives: every cadre chose a few courses, some of them the ones assigned below.
    electives = set()
    for i in range(cadres):
        for course in rng.sample(courses, 3):
            electives.add((first_id + i, course.id))
    chunked_insert(
        Enrollment,
        [{"user_id": u, "course_id": c, "is_required": False} for u, c in sorted(electives)],
    )

    plan = ensure_plan(YEAR)
    due = date(YEAR, 10, 31)
    audiences = [
        {},
        {"unit_id": cities[0].id},
        {"unit_id": districts[15].id},
        {"unit_id": districts[23].id, "include_sub_units": False},
        {"category_id": categories["district_management"]},
        {"category_id": categories["civil_servant"]},
        {"priority_group": rules.RESERVE},
        {"priority_group": rules.YOUNG},
    ]
    for course, audience in zip(courses, audiences, strict=False):
        db.session.add(
            Assignment(training_year_id=plan.id, course_id=course.id, due_on=due, **audience)
        )
    db.session.add(Assignment(training_year_id=plan.id, quiz_id=exam.id, due_on=due))
    db.session.commit()


def change_some(cadres: int, seed: int = 11) -> None:
    """200 cadres change category and 200 move to another city's bureau."""
    rng = random.Random(seed)
    ids = list(db.session.scalars(select(Cadre.user_id).order_by(Cadre.user_id)))
    categories = list(db.session.scalars(select(CadreCategory.id).order_by(CadreCategory.id)))
    bureaus = list(db.session.scalars(select(Unit.id).where(Unit.depth == 3).order_by(Unit.id)))
    for user_id in rng.sample(ids, 200):
        db.session.execute(
            update(Cadre).where(Cadre.user_id == user_id).values(category_id=rng.choice(categories))
        )
    for user_id in rng.sample(ids, 200):
        db.session.execute(
            update(User).where(User.id == user_id).values(unit_id=rng.choice(bureaus))
        )
    db.session.commit()


def timed_sync():
    started = time.perf_counter()
    result = sync_assignments(YEAR)
    db.session.commit()
    return time.perf_counter() - started, result


def run_backend(name: str, url: str, cadres: int, repeat: int) -> None:
    os.environ["LMS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="bench-plan-sync-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8})
    with app.app_context():
        db.drop_all()
        db.create_all()
        generate(cadres)
        if name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        enrollments = db.session.scalar(select(func.count()).select_from(Enrollment))
        print(f"\n[{name}] {cadres:,} cadres, {enrollments:,} elective enrolments, 8 courses")

        seconds, result = timed_sync()
        print(f"[{name}] first sync      {seconds * 1000:8.1f} ms   {result}")

        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        quiet = [timed_sync() for _ in range(repeat)]
        event.remove(db.engine, "before_cursor_execute", listener)
        median = statistics.median(s for s, _ in quiet)
        print(
            f"[{name}] nothing to do    {median * 1000:8.1f} ms   (median of {repeat}; "
            f"{len(statements) // repeat} SQL statements a sync) {quiet[-1][1]}"
        )

        change_some(cadres)
        seconds, result = timed_sync()
        print(f"[{name}] after changes   {seconds * 1000:8.1f} ms   {result}")
        required = db.session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.is_required.is_(True))
        )
        print(f"[{name}] required enrolments now {required:,}")
        db.session.remove()
        db.engine.dispose()


def bench_main(doc: str, run_backend, prefix: str, pg_default: str, repeat: int) -> None:
    """Parse the benchmarks' common arguments and run ``run_backend`` on each backend: SQLite
    in a fresh temporary folder, PostgreSQL in ``--pg-url`` (created if missing)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=pg_default)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix=f"{prefix}-db-")
            run_backend("sqlite", f"sqlite:///{folder}/bench.sqlite3", args.cadres, args.repeat)
        else:
            ensure_pg_database(args.pg_url)
            run_backend("postgresql", args.pg_url, args.cadres, args.repeat)


def main() -> None:
    bench_main(__doc__, run_backend, "bench-plan-sync", PG_DEFAULT, repeat=5)


if __name__ == "__main__":
    main()
