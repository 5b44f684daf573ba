"""Load the heartbeat path against the authenticated no-op, and measure storage per cadre-year.

For each backend (a SQLite file, PostgreSQL) the server is started as in production: ``run.py``
in a subprocess with ``LMS_ENV=production``, a secret key and a fresh database, which it
migrates. Cadres with API tokens and ready lessons are created, then simulated viewers, each on
its own keep-alive connection, send requests at a fixed rate. Phases alternate in one run:
``GET /api/v1/me`` (the no-op), beats (each viewer opens a view and beats every interval, each
beat playing the real time since its previous one), again and again; the figures are the
medians over the rounds. Printed: requests per second, p50 and p99 latency, the beat/no-op
throughput ratio (goal: at least 0.7), then the growth of the tracking tables for simulated
cadre-years of viewing (70 hours in about 140 views over 80 lessons, a beat every 15 s).

    .venv/bin/python benchmarks/beats_load.py                       # SQLite and PostgreSQL
    .venv/bin/python benchmarks/beats_load.py --backends sqlite --quick

PostgreSQL runs in the database named by ``--pg-url`` (default ``$LMS_BENCH_DATABASE_URL`` or
``postgresql+psycopg://postgres@127.0.0.1:5432/bench_beats``), whose public schema is dropped
and recreated: never point it at a database you want to keep.
"""

import argparse
import http.client
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_beats"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
# What a cadre's phone sends; every view stores it (rule 8), so it counts in the growth.
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0.0.0 Mobile Safari/537.36"
)
TRACKING_TABLES = ("lesson_view", "lesson_progress", "daily_credit", "credit_total", "credit_clock")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server, as in production ---------------------------------------------------------


def server_environment(url: str, tmp: Path, port: int, args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_ENV="production",
        LMS_SECRET_KEY=SECRET_KEY,
        LMS_DATABASE_URL=url,
        LMS_INSTANCE_PATH=str(tmp / "instance"),
        LMS_MEDIA_ROOT=str(tmp / "media"),
        LMS_HOST="127.0.0.1",
        LMS_PORT=str(port),
        LMS_THREADS=str(args.threads),
        LMS_JOB_WORKERS="0",  # no media jobs here: keep the two cores for the requests
        LMS_HEARTBEAT_SECONDS=str(args.heartbeat),
        LMS_DEFAULT_LOCALE="en",
    )
    return env


def fresh_database(backend: str, tmp: Path, pg_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp}/bench.sqlite3"
    import sqlalchemy

    from benchmarks.reports_year import ensure_pg_database

    ensure_pg_database(pg_url)  # a fresh machine has no benchmark database yet
    engine = sqlalchemy.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return pg_url


def start_server(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    """``run.py`` migrates the empty database and serves with waitress; wait until it listens."""
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process in stop_server
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    process.log = log
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"run.py exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"run.py did not listen within 120 s:\n{log_path.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()


# --- data through the service layer --------------------------------------------------------


def bench_app(env: dict, heartbeat_seconds: float):
    """An app on the server's database, configured like it (for seeding and the growth)."""
    from lms import create_app

    os.environ["LMS_INSTANCE_PATH"] = env["LMS_INSTANCE_PATH"]
    return create_app(
        {
            "LMS_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": env["LMS_DATABASE_URL"],
            "MEDIA_ROOT": env["LMS_MEDIA_ROOT"],
            "HEARTBEAT_SECONDS": heartbeat_seconds,
            "JOB_WORKERS": 0,
        }
    )


def create_cadres(prefix: str, count: int, unit_path: str) -> list[tuple[int, str]]:
    """Cadres as the roster import makes them (a unit, a personnel record), each with a token."""
    from lms.accounts.services import create_user
    from lms.api.services import issue_token
    from lms.extensions import db
    from lms.org.models import Cadre, CadreCategory
    from lms.org.tree import ensure_unit_path

    unit, _ = ensure_unit_path(unit_path)
    category = db.session.query(CadreCategory).order_by(CadreCategory.sort_order).first()
    cadres = []
    for i in range(count):
        user = create_user(f"{prefix}{i}", f"Cadre {prefix}{i}", ["cadre"], unit=unit)
        db.session.add(Cadre(user=user, personnel_number=f"{prefix}-{i:06d}", category=category))
        raw, _token = issue_token(user, name="benchmark")
        cadres.append((user.id, raw))
    db.session.commit()
    return cadres


def create_lessons(durations) -> list[int]:
    """One published course of ready lessons (the media pipeline would have set the duration)."""
    from lms.courses.models import Course, Lesson, LessonStatus
    from lms.extensions import db

    course = Course(title="Benchmark course", is_published=True)
    lessons = [
        Lesson(
            course=course,
            title=f"Lecture {i + 1}",
            kind="video",
            position=i + 1,
            status=LessonStatus.READY.value,
            duration_seconds=float(duration),
        )
        for i, duration in enumerate(durations)
    ]
    db.session.add_all([course, *lessons])
    db.session.commit()
    return [lesson.id for lesson in lessons]


# --- the load ------------------------------------------------------------------------------


class Viewer:
    """One simulated viewer: a cadre's token and one keep-alive connection to the server."""

    def __init__(self, port: int, token: str, lesson_id: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        self.lesson_id = lesson_id
        self.view_id = None

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnects on the next request
            return 0, b""

    def open_view(self) -> None:
        status, data = self.call("POST", f"/api/v1/lessons/{self.lesson_id}/views")
        if status != 201:
            raise RuntimeError(f"opening a view answered {status}: {data[:200]!r}")
        answer = json.loads(data)
        self.view_id = answer["view_id"]
        # Take the account's one playback, as the player does when it starts playing.
        status, data = self.call("POST", f"/api/v1/views/{self.view_id}/playback")
        if status >= 300:
            raise RuntimeError(f"taking the playback answered {status}: {data[:200]!r}")
        self.seq = 0
        self.position = float(answer["resume_position"])
        self.last_beat = time.monotonic()

    def beat(self) -> tuple[int, bytes]:
        """Play the real time since the previous beat, from where the last one ended."""
        now = time.monotonic()
        start, self.position = self.position, self.position + (now - self.last_beat)
        self.last_beat, self.seq = now, self.seq + 1
        self.last_played = self.position - start
        body = {
            "seq": self.seq,
            "segments": [[round(start, 3), round(self.position, 3)]],
            "position": round(self.position, 3),
            "rate": 1,
            "ended": False,
        }
        return self.call("POST", f"/api/v1/views/{self.view_id}/beats", body)

    def me(self) -> tuple[int, bytes]:
        return self.call("GET", "/api/v1/me")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Phase:
    """Every viewer sends one kind of request every ``interval`` seconds for ``seconds``.

    Besides throughput and latency, the server's CPU time per request: on a shared, noisy
    machine it moves far less than the throughput does.
    """

    def __init__(self, kind: str, viewers: list[Viewer], interval: float, seconds: float, pid):
        self.kind, self.viewers, self.interval, self.seconds = kind, viewers, interval, seconds
        self.pid = pid
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.credited = self.played = 0.0
        self.lock = threading.Lock()

    def run(self) -> "Phase":
        if self.kind == "beats":
            for viewer in self.viewers:
                viewer.open_view()
        self.started = time.monotonic() + 0.5
        self.ends = self.started + self.seconds
        threads = [
            threading.Thread(target=self._loop, args=(viewer, i), daemon=True)
            for i, viewer in enumerate(self.viewers)
        ]
        cpu = cpu_seconds(self.pid)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.cpu = cpu_seconds(self.pid) - cpu
        return self

    def _loop(self, viewer: Viewer, index: int) -> None:
        # Spread the viewers over the interval, like players that started at different times.
        next_at = self.started + self.interval * index / len(self.viewers)
        latencies, statuses, credited, played = [], {}, 0.0, 0.0
        while True:
            now = time.monotonic()
            if next_at >= self.ends:
                break
            if next_at > now:
                time.sleep(next_at - now)
            sent = time.monotonic()
            status, data = viewer.beat() if self.kind == "beats" else viewer.me()
            done = time.monotonic()
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                latencies.append(done - sent)
                if self.kind == "beats":
                    credited += json.loads(data)["credited_seconds"]
                    played += viewer.last_played
            # A fixed rate, but no burst to catch up when the server fell behind.
            next_at = max(next_at + self.interval, done)
        with self.lock:
            self.latencies.extend(latencies)
            self.credited += credited
            self.played += played
            for status, count in statuses.items():
                self.statuses[status] = self.statuses.get(status, 0) + count

    @property
    def accepted(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu / max(1, sum(self.statuses.values()))

    @property
    def throughput(self) -> float:
        return self.accepted / self.seconds

    def percentile(self, share: float) -> float:
        values = sorted(self.latencies)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(share * len(values)))]


def run_load(port: int, pid: int, cadres, lesson_ids, args) -> dict[str, list[Phase]]:
    """Alternate no-op and beat phases on the same viewers; returns the phases by kind."""
    viewers = [
        Viewer(port, token, lesson_ids[i % len(lesson_ids)])
        for i, (_user_id, token) in enumerate(cadres)
    ]
    Phase("me", viewers, args.interval, min(2.0, args.phase_seconds), pid).run()  # warm up
    phases = {"me": [], "beats": []}
    for _round in range(args.rounds):
        for kind in ("me", "beats"):
            phase = Phase(kind, viewers, args.interval, args.phase_seconds, pid)
            phases[kind].append(phase.run())
    for viewer in viewers:
        viewer.conn.close()
    return phases


def summarize(phases: list[Phase]) -> dict:
    return {
        "throughput": statistics.median(p.throughput for p in phases),
        "p50_ms": statistics.median(p.percentile(0.50) for p in phases) * 1000,
        "p99_ms": statistics.median(p.percentile(0.99) for p in phases) * 1000,
        "cpu_ms": statistics.median(p.cpu_ms_per_request for p in phases),
        "accepted": sum(p.accepted for p in phases),
        "refused": sum(n for p in phases for s, n in p.statuses.items() if s != 200),
        "credited_seconds": sum(p.credited for p in phases),
        "played_seconds": sum(p.played for p in phases),
    }


# --- growth per cadre-year -----------------------------------------------------------------


def tracking_bytes(backend: str) -> dict[str, dict[str, int]]:
    """Bytes of each tracking table with its indexes once compacted (SQLite: VACUUM, counted
    by page; PostgreSQL: VACUUM FULL), and SQLite's whole file."""
    from lms.extensions import db

    db.session.commit()
    engine = db.engine
    if backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            wait_for_quiet_database(conn)
            sizes = {}
            for table in TRACKING_TABLES:
                conn.exec_driver_sql(f"VACUUM FULL {table}")
                sizes[table] = conn.exec_driver_sql(
                    f"SELECT pg_total_relation_size('{table}')"
                ).scalar()
        return {"compact": sizes}
    db.session.remove()
    engine.dispose()
    path = engine.url.database
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute(
            "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s "
            "JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name"
        ).fetchall()
    finally:
        conn.close()
    pages = {table: size for table, size in rows if table in TRACKING_TABLES}
    return {"compact": pages, "file": {"sqlite file": os.path.getsize(path)}}


def wait_for_quiet_database(conn, timeout: float = 60) -> None:
    """Wait until no other session of this database holds a snapshot (an autovacuum's ANALYZE
    does, after a burst of updates): VACUUM FULL keeps every row version such a snapshot might
    still see, and the sizes would count them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
        ).scalar()
        if not busy:
            return
        time.sleep(0.5)


def cadre_year_plan(seed: int, hours: float, views: int, lessons: int):
    """A cadre-year: the lessons' lengths and its views as (opened at UTC, lesson, from, seconds).

    Lessons of 45 to 60 minutes watched in order; a view resumes where the last one stopped and
    ends at the end of its lesson at the latest; about ``views`` views in all, one every few days
    over the year, in the evening (20:00 Beijing time).
    """
    rng = random.Random(seed)
    durations = [rng.uniform(2700, 3600) for _ in range(lessons)]
    total = min(hours * 3600, sum(durations))
    length = 3 * total / views
    while True:  # shorten the views until there are about as many as asked
        pieces = _views_of(random.Random(seed), durations, total, length)
        if len(pieces) >= views or length < 60:
            break
        length *= 0.95
    year_start = datetime(2026, 1, 1, 12, 0)  # 20:00 in Asia/Shanghai
    plan = [
        (year_start + timedelta(days=k * 365 // len(pieces)), *piece)
        for k, piece in enumerate(pieces)
    ]
    return durations, plan


def _views_of(rng: random.Random, durations, total: float, length: float) -> list:
    pieces, lesson, position, watched = [], 0, 0.0, 0.0
    while watched < total - 1 and lesson < len(durations):
        part = min(rng.uniform(0.6, 1.4) * length, durations[lesson] - position, total - watched)
        pieces.append((lesson, position, part))
        watched, position = watched + part, position + part
        if position >= durations[lesson] - 1:
            lesson, position = lesson + 1, 0.0
    return pieces


def simulate_cadre_year(user_id: int, lesson_ids, plan, heartbeat: float, rng) -> int:
    """Play the plan through the service layer, a beat every ``heartbeat`` seconds of simulated
    time; returns the number of beats. One transaction per view, not per beat as the endpoint
    does: the rows come out the same, and the simulation takes a fraction of the time."""
    from lms.accounts.models import User
    from lms.courses.models import Lesson
    from lms.extensions import db
    from lms.tracking.beats import record_beat
    from lms.tracking.playback import claim_playback
    from lms.tracking.viewing import Beat, open_view

    user = db.session.get(User, user_id)
    beats = 0
    for opened_at, lesson_index, position, seconds in plan:
        lesson = db.session.get(Lesson, lesson_ids[lesson_index])
        view = open_view(user, lesson, user_agent=USER_AGENT, address="10.21.3.47")
        view.opened_at = opened_at  # the view opened in simulated time
        claim_playback(view, now=opened_at)  # as the player does when it starts playing
        db.session.commit()
        now, played, seq = opened_at, 0.0, 0
        while played < seconds - 1e-6:
            step = min(heartbeat, seconds - played)
            now += timedelta(seconds=step)
            seq += 1
            start = position + played
            segments = [[start, start + step]]
            if rng.random() < 0.02:  # now and then a cadre goes back a minute and replays it
                segments.insert(0, [max(0.0, start - 60), start])
            beat = Beat(
                seq=seq,
                segments=segments,
                position=start + step,
                rate=1.0,
                ended=played + step >= seconds,
            )
            record_beat(view, beat, now=now)
            played += step
            beats += 1
        db.session.commit()
    return beats


def measure_growth(backend: str, args) -> dict:
    """Simulate ``--growth-cadres`` cadre-years; the bytes each adds, per table."""
    rng = random.Random(4)
    durations, plan = cadre_year_plan(4, args.growth_hours, args.growth_views, args.growth_lessons)
    lesson_ids = create_lessons(durations)
    cadres = create_cadres("year", args.growth_cadres, "District/Growth Bureau")
    before = tracking_bytes(backend)
    started = time.monotonic()
    beats = 0
    for user_id, _token in cadres:
        beats += simulate_cadre_year(user_id, lesson_ids, plan, 15.0, rng)
    elapsed = time.monotonic() - started
    after = tracking_bytes(backend)
    per_cadre = {
        label: {
            table: (after[label][table] - before[label].get(table, 0)) / len(cadres)
            for table in after[label]
        }
        for label in after
    }
    return {
        "bytes": per_cadre,
        "views": len(plan),
        "lessons": len({lesson for _s, lesson, _p, _n in plan}),
        "hours": sum(n for *_rest, n in plan) / 3600,
        "beats": beats // len(cadres),
        "seconds": elapsed,
    }


# --- one backend ---------------------------------------------------------------------------


def run_backend(backend: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="beats_load_") as tmp_name:
        tmp = Path(tmp_name)
        url = fresh_database(backend, tmp, args.pg_url)
        port = free_port()
        env = server_environment(url, tmp, port, args)
        server = start_server(env, port, tmp / "server.log")
        try:
            app = bench_app(env, args.heartbeat)
            with app.app_context():
                cadres = create_cadres("load", args.viewers, "District/Load Bureau")
                # Long lectures, so every beat of the run plays something not yet credited.
                lesson_ids = create_lessons([4 * 3600.0] * 8)
            phases = run_load(port, server.pid, cadres, lesson_ids, args)
        finally:
            stop_server(server)
        result = {kind: summarize(runs) for kind, runs in phases.items()}
        if args.growth_cadres:
            app = bench_app(env, 15.0)
            with app.app_context():
                result["growth"] = measure_growth(backend, args)
                from lms.extensions import db

                db.session.remove()
                db.engine.dispose()
        return result


def report(backend: str, result: dict, args) -> None:
    me, beats = result["me"], result["beats"]
    offered = args.viewers / args.interval
    print(f"\n== {backend} ==")
    print(
        f"{args.viewers} viewers, one request each every {args.interval:g} s "
        f"(offered {offered:.0f}/s), {args.rounds} rounds of {args.phase_seconds:g} s per kind, "
        f"waitress threads {args.threads}"
    )
    for label, row in (("GET /api/v1/me", me), ("POST beats", beats)):
        print(
            f"{label:<16} {row['throughput']:7.1f} req/s   p50 {row['p50_ms']:7.1f} ms   "
            f"p99 {row['p99_ms']:7.1f} ms   server CPU {row['cpu_ms']:5.2f} ms/req   "
            f"accepted {row['accepted']}, refused {row['refused']}"
        )
    ratio = beats["throughput"] / me["throughput"] if me["throughput"] else float("nan")
    print(f"beats / no-op throughput ratio: {ratio:.2f} (goal: at least 0.7)")
    print(f"no-op / beat server CPU per request: {me['cpu_ms'] / beats['cpu_ms']:.2f}")
    share = beats["credited_seconds"] / beats["played_seconds"] if beats["played_seconds"] else 0
    print(
        f"{backend}: beats accepted {beats['accepted']}, credited "
        f"{beats['credited_seconds']:.0f} s of {beats['played_seconds']:.0f} s played ({share:.0%})"
    )
    growth = result.get("growth")
    if growth:
        print(
            f"cadre-year: {growth['hours']:.1f} h in {growth['views']} views over "
            f"{growth['lessons']} lessons, {growth['beats']} beats of 15 s "
            f"(simulated through the service layer in {growth['seconds']:.0f} s "
            f"for {args.growth_cadres} cadre(s))"
        )
        for label, tables in growth["bytes"].items():
            size = sum(tables.values())
            parts = ", ".join(f"{t} {n / 1024:.1f}" for t, n in tables.items() if len(tables) > 1)
            print(
                f"  {label.replace('_', ' ')}: {size / 1024:.1f} KiB per cadre-year"
                + (f" ({parts} KiB)" if parts else "")
                + f"; 100,000 cadres: {size * 100_000 / 1024**3:.1f} GiB a year"
            )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LMS_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--viewers", type=int, default=64, help="concurrent viewers (cadres)")
    parser.add_argument(
        "--interval",
        type=float,
        default=0.25,
        help="seconds between a viewer's requests; also LMS_HEARTBEAT_SECONDS",
    )
    parser.add_argument(
        "--heartbeat", type=float, default=1.0, help="LMS_HEARTBEAT_SECONDS of the server"
    )
    parser.add_argument("--phase-seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3, help="no-op/beat phase pairs")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (LMS_THREADS)")
    parser.add_argument("--growth-cadres", type=int, default=1, help="cadre-years simulated")
    parser.add_argument("--growth-hours", type=float, default=70.0)
    parser.add_argument("--growth-views", type=int, default=140)
    parser.add_argument("--growth-lessons", type=int, default=80)
    parser.add_argument(
        "--quick", action="store_true", help="a tiny run that only shows the script works"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.viewers, args.phase_seconds, args.rounds = 4, 2.0, 1
        args.growth_hours, args.growth_views, args.growth_lessons = 0.5, 4, 3
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    for backend in args.backends.split(","):
        backend = backend.strip()
        if backend not in {"sqlite", "postgresql"}:
            raise SystemExit(f"unknown backend {backend!r}: sqlite or postgresql")
        report(backend, run_backend(backend, args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
