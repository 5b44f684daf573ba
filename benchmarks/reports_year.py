"""Benchmark the supervisors' dashboards on a realistic year, beside raw SQL.

Generates 10,000 cadres in a 4-level tree (province → 10 cities → 10 districts → 10 bureaus),
a year of credited viewing booked in the daily ledger (about 40 study days a cadre, mostly at
weekends), enrolments in required courses, lesson progress and exam results, under the
default annual plan. Then, on SQLite and on PostgreSQL, in one run:

- the overview page (``GET /reports/`` as an administrator: every figure, rendered) and the
  unit ranking page for the root (``GET /reports/units``), each beside one raw SQL query that
  computes the same totals from the same tables (cadres, participants, hours, cadres meeting
  the quota; per top-level unit for the ranking), printing the ratio (goal: at most 1.5) and
  the page's time (goal: under 0.5 s); then, for scale, the same two pages for one city (a
  tenth of the cadres, a scope filtered by unit);
- each page also rendered a second way, summing the ledger as before the totals kept with
  it (``lms.tracking.totals``; the figures' ``reads_totals`` patched to False), alternated
  with the first in the run: both times, how many times faster, and whether the two rendered
  pages are the same (they must be: every figure equal);
- the peak Python memory of exporting all 10,000 cadre rows as CSV and as XLSX (streamed /
  written in write-only mode), beside the memory of the rows themselves held in a list.

    .venv/bin/python benchmarks/reports_year.py                  # SQLite and PostgreSQL
    .venv/bin/python benchmarks/reports_year.py --cadres 2000 --backends sqlite

PostgreSQL: ``--pg-url`` (default the local ``bench_reports`` database, created if missing);
``--reuse`` keeps a year generated there by an earlier run with the same ``--cadres``. The rows
go in by COPY on PostgreSQL (a province, ``--cadres 100000``: about 3 million ledger rows in
one to two minutes) and the totals are then built from the ledger as the migration builds them.
``--rounds`` and ``--repeat`` bound the timing; ``--no-exports`` skips the export memory.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine
from sqlalchemy import create_engine, insert, select, text

from lms import create_app
from lms.accounts.models import User, UserRole
from lms.core.personnel import personnel_key
from lms.courses.models import Course, Enrollment, Lesson
from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import Cadre, CadreCategory
from lms.org.tree import create_unit
from lms.plans.seeding import seed_default_plan
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking import course_totals, totals
from lms.tracking.models import CourseDone, CreditTotal, DailyCredit, LessonProgress
from lms.tracking.tasks import build_recent_weeks

YEAR = 2026
TODAY = date(2026, 10, 15)  # mid-autumn: the forecast has weeks to look at and weeks ahead
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"


def build_tree(fanout: int = 10):
    """Province → cities → districts → bureaus; returns the bureaus (the leaves)."""
    province = create_unit("全省")
    leaves = []
    for c in range(fanout):
        city = create_unit(f"市{c + 1}", province)
        for d in range(fanout):
            district = create_unit(f"区{d + 1}", city)
            for b in range(fanout):
                leaves.append(create_unit(f"局{b + 1}", district))
    db.session.flush()
    return leaves


def _column_defaults(table) -> dict:
    """The Python-side defaults of ``table``'s columns (COPY does not apply them)."""
    defaults = {}
    for column in table.columns:
        default = column.default
        if default is None or column.primary_key:
            continue
        if default.is_scalar:
            defaults[column.name] = default.arg
        elif default.is_callable:
            try:
                defaults[column.name] = default.arg(None)
            except AttributeError:  # a default read from the row's other values: rows set it
                continue
    return defaults


def chunked_insert(model, rows, size=5000):
    """Insert ``rows`` (dicts of one shape) in bulk: COPY on PostgreSQL (a province's three
    million ledger rows in seconds), executemany in chunks on SQLite."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), size):
            db.session.execute(insert(model), rows[start : start + size])
        return
    table = model.__table__
    defaults = {k: v for k, v in _column_defaults(table).items() if k not in rows[0]}
    names = [*rows[0], *defaults]
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    fill = tuple(defaults.values())
    cursor = connection.connection.driver_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            values = tuple(
                json.dumps(value) if key in json_columns else value for key, value in row.items()
            )
            copy.write_row(values + fill)
    if "id" in names:  # later inserts take ids after the copied ones
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'(SELECT MAX(id) FROM "{table.name}"))'
            )
        )


def generate(cadres: int, seed: int = 7) -> None:
    """The year's data, inserted in bulk."""
    rng = random.Random(seed)
    ensure_default_categories()
    seed_default_plan(YEAR)
    categories = [c.id for c in db.session.scalars(select(CadreCategory))]
    leaves = build_tree()
    admin = User(username="bench_admin", display_name="Admin")
    db.session.add(admin)
    db.session.flush()
    db.session.add(UserRole(user_id=admin.id, role="admin"))
    first_id = admin.id + 1
    users, roles, records = [], [], []
    for i in range(cadres):
        uid = first_id + i
        users.append(
            {
                "id": uid,
                "username": f"cadre{i:06d}",
                "display_name": f"干部{i:06d}",
                "unit_id": leaves[i % len(leaves)].id,
            }
        )
        roles.append({"user_id": uid, "role": "cadre"})
        records.append(
            {
                "user_id": uid,
                "personnel_number": f"P{i:07d}",
                "personnel_key": personnel_key(f"P{i:07d}"),
                "category_id": rng.choice(categories),
                "date_of_birth": date(1965, 1, 1) + timedelta(days=rng.randrange(0, 12000)),
                "is_reserve": rng.random() < 0.1,
                "is_key_position": rng.random() < 0.1,
            }
        )
    chunked_insert(User, users)
    chunked_insert(UserRole, roles)
    chunked_insert(Cadre, records)

    # Daily credit: most cadres study on 20-60 days, mostly weekends; one in ten never.
    start = date(YEAR - 1, 12, 1)
    days = [(start + timedelta(days=n)) for n in range((TODAY - start).days + 1)]
    weekends = [d for d in days if d.weekday() >= 5]
    credit = []
    for i in range(cadres):
        if rng.random() < 0.1:
            continue
        chosen = set(rng.sample(weekends, min(len(weekends), rng.randrange(10, 45))))
        chosen |= set(rng.sample(days, rng.randrange(0, 15)))
        for day in chosen:
            credit.append(
                {
                    "user_id": first_id + i,
                    "local_date": day,
                    "seconds": rng.randrange(1800, 3 * 3600),
                }
            )
    chunked_insert(DailyCredit, credit)
    del credit
    # The ledger was written in bulk, not by beats: its totals are built as the migration
    # and ``totals check --fix`` build them.
    db.session.flush()
    started = time.perf_counter()
    totals.retotal(db.session.connection())
    print(f"  totals built from the ledger in {time.perf_counter() - started:.1f} s")

    # Two required courses of ten lessons each; progress on some lessons.
    lessons = []
    for c in range(2):
        course = Course(title=f"必修课{c + 1}", is_published=True)
        db.session.add(course)
        db.session.flush()
        for n in range(10):
            lesson = Lesson(course_id=course.id, title=f"第{n + 1}讲", duration_seconds=1800)
            db.session.add(lesson)
            lessons.append(lesson)
    db.session.flush()
    courses = sorted({lesson.course_id for lesson in lessons})
    enrollments, progress = [], []
    for i in range(cadres):
        uid = first_id + i
        for course_id in courses:
            enrollments.append({"user_id": uid, "course_id": course_id, "is_required": True})
        for lesson in rng.sample(lessons, rng.randrange(0, 12)):
            done = rng.random() < 0.7
            progress.append(
                {
                    "user_id": uid,
                    "lesson_id": lesson.id,
                    "coverage": [[0, 1800 if done else 600]],
                    "credited_seconds": 1800.0 if done else 600.0,
                    "completed_at": TODAY if done else None,
                }
            )
    chunked_insert(Enrollment, enrollments)
    chunked_insert(LessonProgress, progress)
    # Likewise the lessons done per course, kept with the progress by the beats.
    db.session.flush()
    course_totals.rebuild(db.session.connection())

    exam = Quiz(title="年度理论考试", is_exam=True, is_published=True)
    db.session.add(exam)
    db.session.flush()
    results = []
    for i in range(cadres):
        if rng.random() < 0.8:
            percent = rng.uniform(30, 100)
            results.append(
                {
                    "user_id": first_id + i,
                    "quiz_id": exam.id,
                    "year": YEAR,
                    "percent": percent,
                    "is_passed": percent >= 60,
                    "attempt_count": 1,
                }
            )
    chunked_insert(QuizResult, results)
    db.session.commit()


# The raw queries: the same totals from the same tables, written by hand as four statements
# (the page also issues four grouped queries). The quota is the default plan's
# (district-management cadres 70 hours, everyone else 50); the forecast's constants are
# passed in, as the page computes them.
RAW_PEOPLE = """
WITH hours AS (
    SELECT user_id, SUM(seconds) / 3600.0 AS h,
           SUM(CASE WHEN local_date >= :recent_from THEN seconds ELSE 0 END) / 3600.0 AS r
    FROM daily_credit WHERE local_date BETWEEN :start AND :end GROUP BY user_id
), people AS (
    SELECT u.id, un.tree_path AS path,
           CASE WHEN cc.code = 'district_management' THEN 70.0 ELSE 50.0 END AS quota,
           COALESCE(h.h, 0) AS h, COALESCE(h.r, 0) AS r
    FROM cadre c JOIN "user" u ON u.id = c.user_id JOIN unit un ON un.id = u.unit_id
    LEFT JOIN cadre_category cc ON cc.id = c.category_id
    LEFT JOIN hours h ON h.user_id = u.id
    WHERE u.is_active
), judged AS (
    SELECT *, CASE
        WHEN h >= quota THEN 'met'
        WHEN h + r / :recent_days * :days_left >= quota THEN 'on_track'
        WHEN (quota - h) / :weekends <= :limit THEN 'at_risk'
        ELSE 'behind' END AS outlook
    FROM people
)
"""
RAW_OVERVIEW = [
    RAW_PEOPLE
    + """, ranked AS (
    SELECT h, ROW_NUMBER() OVER (ORDER BY h) AS pos, COUNT(*) OVER () AS n FROM judged
)
SELECT COUNT(*), SUM(CASE WHEN h > 0 THEN 1 ELSE 0 END), SUM(h), AVG(h), AVG(quota),
       SUM(CASE WHEN outlook = 'met' THEN 1 ELSE 0 END),
       SUM(CASE WHEN outlook = 'on_track' THEN 1 ELSE 0 END),
       SUM(CASE WHEN outlook = 'at_risk' THEN 1 ELSE 0 END),
       SUM(CASE WHEN outlook = 'behind' THEN 1 ELSE 0 END),
       (SELECT AVG(h) FROM ranked WHERE pos IN ((n + 1) / 2, (n + 2) / 2))
FROM judged""",
    """SELECT local_date, SUM(seconds) FROM daily_credit
WHERE local_date BETWEEN :start AND :end AND user_id IN (ACTIVE_CADRES) GROUP BY local_date""",
    """WITH done AS (
    SELECT lp.user_id, l.course_id, COUNT(lp.completed_at) AS n
    FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id GROUP BY lp.user_id, l.course_id
), lessons AS (SELECT course_id, COUNT(*) AS n FROM lesson GROUP BY course_id)
SELECT e.is_required, COUNT(*), SUM(CASE WHEN d.n = ls.n THEN 1 ELSE 0 END)
FROM enrollment e LEFT JOIN done d ON d.user_id = e.user_id AND d.course_id = e.course_id
LEFT JOIN lessons ls ON ls.course_id = e.course_id
WHERE e.user_id IN (ACTIVE_CADRES) GROUP BY e.is_required""",
    """SELECT quiz_id, COUNT(*), SUM(CASE WHEN is_passed THEN 1 ELSE 0 END), AVG(percent)
FROM quiz_result WHERE year = :year GROUP BY quiz_id""",
]
# Only active cadres' figures count, on the page as here.
ACTIVE_CADRES = 'SELECT u.id FROM cadre c JOIN "user" u ON u.id = c.user_id WHERE u.is_active'
RAW_OVERVIEW = [sql.replace("ACTIVE_CADRES", ACTIVE_CADRES) for sql in RAW_OVERVIEW]
RAW_RANKING = [
    RAW_PEOPLE
    + """SELECT top.id, COUNT(*), SUM(CASE WHEN h > 0 THEN 1 ELSE 0 END), SUM(h),
       SUM(CASE WHEN outlook = 'met' THEN 1 ELSE 0 END)
FROM unit top JOIN judged p ON p.path LIKE top.tree_path || '%'
WHERE top.depth = 1 GROUP BY top.id"""
]


def timed(fn, repeat: int) -> float:
    """The median wall time of ``repeat`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def login_admin(client) -> None:
    """Log the administrator in as the login form does: a login session row named by the
    cookie (lms.accounts.sessions)."""
    from lms.accounts.sessions import start_session

    admin = db.session.scalar(select(User).where(User.username == "bench_admin"))
    start_session(admin, remember=False)
    key = admin.login_session_key
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True


def _generated(cadres: int) -> bool:
    """Whether the database already holds a generated year of ``cadres`` cadres."""
    from sqlalchemy import inspect

    if not inspect(db.engine).has_table("cadre"):
        return False
    admin = db.session.scalar(select(User.id).where(User.username == "bench_admin"))
    return admin is not None and db.session.scalar(select(db.func.count(Cadre.id))) == cadres


@contextmanager
def from_ledger():
    """The pages as they were before the totals: every figure summed from the ledger."""
    with (
        mock.patch("lms.reports.figures.reads_totals", return_value=False),
        mock.patch("lms.reports.overview.reads_totals", return_value=False),
    ):
        yield


def _body(client, path: str, ledger: bool = False) -> str:
    """The page's text without what changes per response (nonces, CSRF tokens)."""
    with from_ledger() if ledger else nullcontext():
        text_ = client.get(path).get_data(as_text=True)
    return re.sub(r'(nonce|value|content)="[A-Za-z0-9_\-.=+/]{20,}"', "", text_)


def run_backend(
    name: str,
    url: str,
    cadres: int,
    repeat: int,
    reuse: bool = False,
    rounds: int = 3,
    exports: bool = True,
) -> None:
    os.environ["LMS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="bench-reports-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" * 8,
            "WTF_CSRF_ENABLED": False,
            "DEFAULT_LOCALE": "zh_CN",
        }
    )
    with app.app_context():
        if reuse and _generated(cadres):
            rows = db.session.scalar(select(db.func.count()).select_from(DailyCredit))
            print(f"\n[{name}] reusing {cadres:,} cadres, {rows:,} daily-credit rows")
            db.create_all()  # a year generated before the totals existed gets them now
            if not db.session.scalar(select(db.func.count()).select_from(CreditTotal)):
                totals.retotal(db.session.connection())
                db.session.commit()
            if not db.session.scalar(select(db.func.count()).select_from(CourseDone)):
                course_totals.rebuild(db.session.connection())
                db.session.commit()
        else:
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            generate(cadres)
            rows = db.session.scalar(select(db.func.count()).select_from(DailyCredit))
            print(
                f"\n[{name}] generated {cadres:,} cadres, {rows:,} daily-credit rows "
                f"in {time.perf_counter() - started:.1f} s"
            )
        if name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        from lms.reports.sql import ForecastClock

        window = (date(YEAR - 1, 12, 1), date(YEAR, 11, 30))
        clock = ForecastClock.of(window, TODAY, 4, 6.0)
        params = {
            "start": window[0],
            "end": window[1],
            "year": YEAR,
            "recent_from": clock.recent_from,
            "recent_days": float(clock.recent_days),
            "days_left": float(clock.days_left),
            "weekends": float(clock.weekends),
            "limit": clock.weekend_limit_hours,
        }

        def raw(statements):
            def run():
                for sql in statements:
                    db.session.execute(text(sql), params).all()

            return run

        from lms.org.models import Unit

        province_id = db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)))
        client = app.test_client()
        query = f"?year={YEAR}"

        def page_with_query(path):
            def get():
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            return get

        # The forecast looks at "today": travel there, so runs on any day see the same data
        # (the recent weeks' ledger days inside the year, as a supervisor sees them in autumn).
        with time_machine.travel(datetime.combine(TODAY, dt_time(4), tzinfo=UTC), tick=True):
            login_admin(client)  # a login session of that day
            # The hourly job's sums of the recent weeks before today (lms.tracking.recent).
            started = time.perf_counter()
            summed = build_recent_weeks()
            print(
                f"[{name}] the day's recent-weeks sums built for {summed or 0:,} cadres in "
                f"{time.perf_counter() - started:.1f} s"
            )
            city_id = db.session.scalar(
                select(Unit.id).where(Unit.parent_id == province_id).order_by(Unit.id)
            )
            # The province's organization department (the whole tree), beside the raw SQL of
            # the same figures; then a city's (a tenth of the cadres, filtered by unit).
            pages = [
                ("overview", "/reports/" + query, RAW_OVERVIEW, 0.5),
                ("unit ranking", f"/reports/units/{province_id}" + query, RAW_RANKING, 0.5),
                ("city overview", f"/reports/?unit={city_id}&year={YEAR}", None, 0.1),
                ("city ranking", f"/reports/units/{city_id}?year={YEAR}", None, 0.1),
            ]
            for label, path, sql, goal in pages:
                get = page_with_query(path)
                same = _body(client, path) == _body(client, path, ledger=True)
                # Alternate, several rounds, so machine noise hits each alike.
                page_times, ledger_times, raw_times = [], [], []
                for _ in range(rounds):
                    page_times.append(timed(get, repeat))
                    with from_ledger():
                        ledger_times.append(timed(get, repeat))
                    if sql:
                        raw_times.append(timed(raw(sql), repeat))
                p, led = min(page_times), min(ledger_times)
                line = (
                    f"[{name}] {label:13s} page {p * 1000:7.1f} ms (goal < {goal} s: "
                    f"{p < goal})   summing the ledger {led * 1000:7.1f} ms   "
                    f"{led / p:4.1f}x faster, same page: {same}"
                )
                if raw_times:
                    r = min(raw_times)
                    line += f"   raw ledger SQL {r * 1000:7.1f} ms (page/raw {p / r:4.2f})"
                print(line)
            if exports:
                export_memory(name, client, query)
        db.session.remove()
        db.engine.dispose()


def export_memory(name: str, client, query: str) -> None:
    """Peak traced memory of exporting every cadre row, beside holding the rows in a list."""
    for fmt in ("csv", "xlsx"):
        tracemalloc.start()
        response = client.get(f"/reports/export/cadres.{fmt}{query}&all=1")
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"[{name}] export all cadres as {fmt}: {size / 1024:8.0f} KiB file, "
            f"peak Python memory {peak / 1024 / 1024:6.1f} MiB"
        )
    tracemalloc.start()
    held = [
        tuple(row)
        for row in db.session.execute(
            text(
                'SELECT u.id, u.display_name, c.personnel_number FROM "user" u '
                "JOIN cadre c ON c.user_id = u.id"
            )
        )
    ]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"[{name}] for scale: {len(held):,} three-column rows held in a list take "
        f"{peak / 1024 / 1024:6.1f} MiB"
    )


def ensure_pg_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds per page.")
    parser.add_argument("--no-exports", action="store_true", help="Skip the export memory.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep the year generated by an earlier run with as many cadres",
    )
    args = parser.parse_args()
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="bench-reports-db-")
            run_backend(
                "sqlite",
                f"sqlite:///{folder}/bench.sqlite3",
                args.cadres,
                args.repeat,
                rounds=args.rounds,
                exports=not args.no_exports,
            )
        else:
            ensure_pg_database(args.pg_url)
            run_backend(
                "postgresql",
                args.pg_url,
                args.cadres,
                args.repeat,
                args.reuse,
                rounds=args.rounds,
                exports=not args.no_exports,
            )


if __name__ == "__main__":
    main()
