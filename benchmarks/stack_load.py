"""Load the whole production stack of deploy/ on this machine: beats and segments against a no-op.

``tests/deploy/stack.py`` starts what deploy/ describes, from its very files, on free loopback
ports: PgBouncer (transaction pooling) in front of PostgreSQL, ``--web`` app processes
(``lms-web@PORT``: waitress), the worker and the scheduler (Redis), and nginx in front. The
database (``--pg-url``) is emptied and migrated by ``lms-migrate``. Cadres get API tokens, a
few of them a password and a login session, and ready lessons get media assets written
directly (rows and files: the playlists and segments of one rung, as the pipeline lays them
out; no ffmpeg run, which would take a minute of the two shared cores).

Then, in one run, phases alternate on the same simulated viewers, each on its own keep-alive
connections to nginx, each sending a request every ``--interval`` seconds, staggered:

- ``me``: ``GET /api/v1/me`` with the cadre's token (the authenticated no-op);
- ``beats``: each viewer opens a view and beats (``POST /api/v1/views/<id>/beats``);
- ``viewers``: as a player does: a view, beats, and between them the segments of the lecture
  (a segment is 6 s of media, a beat 15 s: 2.5 segment requests per beat), fetched through
  nginx from the URLs the playlists give (``segment_urls``).

A real viewer beats every 15 s; here a viewer beats every ``--interval`` (0.25 s), so one
simulated viewer stands for 60 real ones and the request rate is the measured quantity. The
server's ``LMS_HEARTBEAT_SECONDS`` is 1 so that each beat is credited what it played.

Printed: requests per second, p50/p99 per kind, the beats / no-op throughput ratio (goal: at
least 0.7), CPU seconds per request of the app processes, the PostgreSQL backends of this
database, PgBouncer and nginx (Linux /proc), bytes of WAL per request (``pg_current_wal_lsn``,
cluster-wide: other databases of the cluster add to it) and rows written per beat
(``pg_stat_user_tables``, read after the backends exit so their counts are flushed), and how
many segment requests reached an app process (nginx's access log names the upstream).

    .venv/bin/python benchmarks/stack_load.py                 # about 2 minutes
    .venv/bin/python benchmarks/stack_load.py --quick         # under 30 s
    .venv/bin/python benchmarks/stack_load.py --web 3 --viewers 96

Needs nginx, pgbouncer, PostgreSQL (``--pg-url``, default ``$LMS_BENCH_DATABASE_URL`` or
``postgresql+psycopg://postgres@127.0.0.1:5432/bench_stack``: its public schema is dropped) and
Redis (``--redis-url``, default ``$LMS_BENCH_REDIS_URL`` or ``redis://127.0.0.1:6379/15``).
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.beats_load import (  # noqa: E402 - after the path is set
    SECRET_KEY,
    USER_AGENT,
    Phase,
    Viewer,
    bench_app,
    cpu_seconds,
    create_cadres,
)
from tests.deploy.stack import Stack, empty_database, missing_tools  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_stack"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
PASSWORD = "stack-load-password-1234"
SEGMENT_SECONDS = 6  # lms/media/ffmpeg.py
BEAT_SECONDS = 15  # the player's heartbeat in production
SEGMENTS_PER_BEAT = BEAT_SECONDS / SEGMENT_SECONDS
RUNG = ("360p", 640, 360, 650 + 96)  # name, width, height, kbps: the rung phones settle on


# --- the lessons and their media -------------------------------------------------------------


def create_media_lessons(media_root: Path, count: int, segments: int, segment_bytes: int):
    """A published course of ``count`` ready video lessons, each with a ready asset whose files
    are those the pipeline writes for one rung: master.m3u8, <rung>/index.m3u8, segments."""
    from lms.courses.models import Course, Lesson, LessonStatus
    from lms.extensions import db
    from lms.media.models import AssetStatus, MediaAsset

    name, width, height, kbps = RUNG
    payload = os.urandom(segment_bytes)
    course = Course(title="Stack load course", is_published=True)
    lessons = []
    for i in range(count):
        output_dir = f"renditions/stack-load-{i}"
        folder = media_root / output_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        (media_root / output_dir / "master.m3u8").write_text(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            f"#EXT-X-STREAM-INF:BANDWIDTH={kbps * 1000},RESOLUTION={width}x{height},"
            f'CODECS="avc1.64001e,mp4a.40.2"\n{name}/index.m3u8\n'
        )
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-INDEPENDENT-SEGMENTS",
        ]
        for k in range(segments):
            (folder / f"segment_{k:05d}.ts").write_bytes(payload)
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.000000,", f"segment_{k:05d}.ts"]
        (folder / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
        duration = 4 * 3600.0  # long, so every beat of the run plays something new
        lesson = Lesson(
            course=course,
            title=f"Lecture {i + 1}",
            kind="video",
            position=i + 1,
            status=LessonStatus.READY.value,
            duration_seconds=duration,
        )
        asset = MediaAsset(
            lesson=lesson,
            original_filename=f"lecture-{i + 1}.mp4",
            source_path=f"uploads/stack-load-{i}.mp4",
            output_dir=output_dir,
            size_bytes=segments * segment_bytes,
            status=AssetStatus.READY.value,
            progress=100.0,
            duration_seconds=duration,
            has_video=True,
            width=width,
            height=height,
            renditions=[{"name": name, "height": height, "bitrate": kbps * 1000}],
        )
        db.session.add_all([lesson, asset])
        lessons.append((lesson, asset))
    db.session.add(course)
    db.session.flush()
    for lesson, asset in lessons:
        lesson.current_asset_id = asset.id
    db.session.commit()
    return [(lesson.id, asset.id) for lesson, asset in lessons]


def create_watchers(count: int) -> list[str]:
    """Cadres with a password, whose login sessions fetch the media (a browser's cookie)."""
    from lms.accounts.services import create_user
    from lms.extensions import db

    names = []
    for i in range(count):
        user = create_user(f"watcher{i}", f"Watcher {i}", ["cadre"], password=PASSWORD)
        user.must_change_password = False
        names.append(user.username)
    db.session.commit()
    return names


def login_cookie(port: int, username: str) -> str:
    """Log in through nginx's login form; the Cookie header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookies: dict[str, str] = {}

    def remember(response):
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                cookies[key.strip()] = val

    def cookie_header():
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    conn.request("GET", "/login", headers={"User-Agent": USER_AGENT})
    response = conn.getresponse()
    html = response.read().decode()
    remember(response)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
    conn.request(
        "POST",
        "/login",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(),
            "User-Agent": USER_AGENT,
        },
    )
    response = conn.getresponse()
    response.read()
    remember(response)
    conn.close()
    if response.status != 302 or "/login" in (response.getheader("Location") or ""):
        raise RuntimeError(f"logging in {username} answered {response.status}")
    return cookie_header()


def _get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    response = conn.getresponse()
    return response.status, response.read()


def segment_urls(port: int, cookie: str, asset_id: int) -> list[str]:
    """The segment URLs a player fetches for an asset: the master playlist's first variant,
    then that playlist's segments, each resolved against the playlist that named it.

    The one place that knows where media comes from. On this branch the master playlist
    (``/media/assets/<id>/master.m3u8``) names ``<rung>/index.m3u8`` and the segments are
    ``/media/assets/<id>/<rung>/<segment>``: the app authorizes each and nginx sends the file
    (X-Accel-Redirect). With signed segment links the master playlist hands out ``/m/...`` URLs
    that nginx checks alone; following the playlists reaches them the same way (change the
    master's path here if it moves)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        master = f"/media/assets/{asset_id}/master.m3u8"
        status, body = _get(conn, master, cookie)
        if status != 200:
            raise RuntimeError(f"{master} answered {status}")
        variants = [ln for ln in body.decode().splitlines() if ln and not ln.startswith("#")]
        variant = urllib.parse.urljoin(master, variants[0])
        status, body = _get(conn, variant, cookie)
        if status != 200:
            raise RuntimeError(f"{variant} answered {status}")
        lines = [ln for ln in body.decode().splitlines() if ln and not ln.startswith("#")]
        return [urllib.parse.urljoin(variant, line) for line in lines]
    finally:
        conn.close()


# --- the viewers -----------------------------------------------------------------------------


class StackViewer(Viewer):
    """A cadre's player: its token for views and beats, a login session for the media, and a
    second keep-alive connection for segments (as a browser opens several)."""

    def __init__(self, port: int, token: str, lesson_id: int, cookie: str, segments: list[str]):
        super().__init__(port, token, lesson_id)
        self.media = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = cookie
        self.segments = segments
        self.next_segment = 0

    def segment(self) -> tuple[int, bytes]:
        path = self.segments[self.next_segment % len(self.segments)]
        self.next_segment += 1
        try:
            return _get(self.media, path, self.cookie)
        except (OSError, http.client.HTTPException):
            self.media.close()
            return 0, b""

    def close(self) -> None:
        self.conn.close()
        self.media.close()


class Meter:
    """CPU seconds of the stack's processes, WAL position, rows written (PostgreSQL stats)."""

    def __init__(self, stack: Stack, pg_url: str):
        import sqlalchemy

        self.stack = stack
        self.engine = sqlalchemy.create_engine(pg_url, isolation_level="AUTOCOMMIT")
        self.conn = self.engine.connect()
        self.database = self.conn.exec_driver_sql("SELECT current_database()").scalar()
        self.own_pid = self.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()

    def groups(self) -> dict[str, list[int]]:
        rows = self.conn.exec_driver_sql(
            "SELECT pid, datname, backend_type FROM pg_stat_activity WHERE pid <> %s",
            (int(self.own_pid),),
        ).all()
        ours = [pid for pid, datname, _kind in rows if datname == self.database]
        shared = [pid for pid, datname, _kind in rows if datname is None]
        nginx = [self.stack.nginx.pid, *children(self.stack.nginx.pid)]
        return {
            "app": [process.pid for process in self.stack.web.values()],
            "postgres": ours,
            "pg shared": shared,  # walwriter, checkpointer, ...: the whole cluster's
            "pgbouncer": [self.stack.pgbouncer.pid],
            "nginx": nginx,
            "client": [os.getpid()],
        }

    def sample(self) -> dict:
        cpu = {}
        for group, pids in self.groups().items():
            cpu[group] = {}
            for pid in pids:
                with contextlib.suppress(OSError):
                    cpu[group][pid] = cpu_seconds(pid)
        wal = self.conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar()
        return {"cpu": cpu, "wal": wal, "at": time.monotonic()}

    def delta(self, before: dict, after: dict) -> dict:
        cpu = {
            group: sum(t - before["cpu"].get(group, {}).get(pid, 0.0) for pid, t in pids.items())
            for group, pids in after["cpu"].items()
        }
        wal = self.conn.exec_driver_sql(
            "SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)::bigint", (after["wal"], before["wal"])
        ).scalar()
        return {"cpu": cpu, "wal": int(wal)}

    def rows_written(self) -> dict[str, int]:
        """Rows inserted, updated and deleted per table so far, once every backend of this
        database has ended (a backend flushes its counts when idle 10 s, or when it exits)."""
        self.conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        time.sleep(1.0)
        self.conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        rows = self.conn.exec_driver_sql(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
        ).all()
        return {name: int(count) for name, count in rows if count}

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


class StackPhase(Phase):
    """A phase of ``beats_load.Phase`` measured on the whole stack; the ``viewers`` kind beats
    and fetches segments as a player does."""

    def __init__(self, kind, viewers, interval, seconds, meter: Meter):
        super().__init__(kind, viewers, interval, seconds, os.getpid())
        self.meter = meter
        self.segment_latencies: list[float] = []
        self.segment_statuses: dict[int, int] = {}
        self.segment_bytes = 0

    def run(self) -> "StackPhase":
        before = self.meter.sample()
        if self.kind == "viewers":  # Phase.run opens the views of the beats kind only
            for viewer in self.viewers:
                viewer.open_view()
        super().run()
        self.usage = self.meter.delta(before, self.meter.sample())
        return self

    def _loop(self, viewer: StackViewer, index: int) -> None:
        if self.kind != "viewers":
            return super()._loop(viewer, index)
        # Events at the viewer's whole rate (a beat and 2.5 segments per interval), their
        # kinds in that proportion, so that a saturated stack keeps the mix a player has.
        step = self.interval / (1 + SEGMENTS_PER_BEAT)
        next_at = self.started + self.interval * index / len(self.viewers)
        beats = segments = 0
        latencies, statuses, credited, played = [], {}, 0.0, 0.0
        seg_latencies, seg_statuses, seg_bytes = [], {}, 0
        while next_at < self.ends:
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            is_beat = segments >= SEGMENTS_PER_BEAT * beats
            sent = time.monotonic()
            status, data = viewer.beat() if is_beat else viewer.segment()
            done = time.monotonic()
            if is_beat:
                beats += 1
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(done - sent)
                    credited += json.loads(data)["credited_seconds"]
                    played += viewer.last_played
            else:
                segments += 1
                seg_statuses[status] = seg_statuses.get(status, 0) + 1
                if status == 200:
                    seg_latencies.append(done - sent)
                    seg_bytes += len(data)
            next_at = max(next_at + step, done)
        with self.lock:
            self.latencies.extend(latencies)
            self.credited += credited
            self.played += played
            for status, count in statuses.items():
                self.statuses[status] = self.statuses.get(status, 0) + count
            self.segment_latencies.extend(seg_latencies)
            self.segment_bytes += seg_bytes
            for status, count in seg_statuses.items():
                self.segment_statuses[status] = self.segment_statuses.get(status, 0) + count


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(share * len(values)))]


# --- the run ---------------------------------------------------------------------------------


def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="stack_load_") as tmp_name:
        tmp = Path(tmp_name)
        pg_url = empty_database(args.pg_url)
        stack = Stack(
            tmp,
            pg_url,
            args.redis_url,
            settings={
                "LMS_SECRET_KEY": SECRET_KEY,
                "LMS_SECURE_COOKIES": "0",  # plain HTTP to nginx on loopback (TLS is the site's)
                "LMS_HEARTBEAT_SECONDS": str(args.heartbeat),
                "LMS_THREADS": str(args.threads),
            },
        )
        meter = None
        try:
            started = time.monotonic()
            stack.start_pgbouncer()
            stack.migrate()
            stack.start_web(args.web)
            stack.start_unit("lms-worker.service")
            stack.start_unit("lms-scheduler.service")
            stack.start_nginx()
            env = {
                "LMS_INSTANCE_PATH": str(stack.instance),
                "LMS_DATABASE_URL": pg_url,
                "LMS_MEDIA_ROOT": str(stack.media),
            }
            app = bench_app(env, args.heartbeat)
            with app.app_context():
                cadres = create_cadres("load", args.viewers, "District/Load Bureau")
                lessons = create_media_lessons(
                    stack.media, args.lessons, args.segments, args.segment_kb * 1024
                )
                watchers = create_watchers(min(args.viewers, 8))
                from lms.extensions import db

                db.session.remove()
                db.engine.dispose()
            port = stack.nginx_port
            cookies = [login_cookie(port, name) for name in watchers]
            urls = {asset: segment_urls(port, cookies[0], asset) for _lesson, asset in lessons}
            viewers = []
            for i, (_user_id, token) in enumerate(cadres):
                lesson_id, asset_id = lessons[i % len(lessons)]
                viewer = StackViewer(
                    port, token, lesson_id, cookies[i % len(cookies)], urls[asset_id]
                )
                viewer.next_segment = i  # not all on the same segment
                viewers.append(viewer)
            setup_seconds = time.monotonic() - started
            meter = Meter(stack, pg_url)
            rows_before = meter.rows_written()  # the seeding's, logins' and migrations' rows
            log_offset = len(stack.access_log())
            StackPhase("me", viewers, args.interval, min(2.0, args.phase_seconds), meter).run()
            phases = {"me": [], "beats": [], "viewers": []}
            for _round in range(args.rounds):
                for kind in phases:
                    phase = StackPhase(kind, viewers, args.interval, args.phase_seconds, meter)
                    phases[kind].append(phase.run())
            for viewer in viewers:
                viewer.close()
            rows_after = meter.rows_written()
            rows = {t: n - rows_before.get(t, 0) for t, n in rows_after.items()}
            rows = {t: n for t, n in rows.items() if n}
            upstreams = segment_upstreams(stack.access_log()[log_offset:])
            return {
                "phases": phases,
                "rows": rows,
                "upstreams": upstreams,
                "setup_seconds": setup_seconds,
                "lessons": lessons,
                "segment_example": urls[lessons[0][1]][0],
            }
        finally:
            if meter is not None:
                meter.close()
            stack.close()


def segment_upstreams(log: str) -> dict[str, int]:
    """Segment requests in nginx's access log: answered by nginx alone, or through an app."""
    counts = {"app": 0, "nginx": 0}
    for line in log.splitlines():
        if ".ts " in line and '" 200 ' in line:
            upstream = line.split("upstream=", 1)[1].split()[0] if "upstream=" in line else "-"
            counts["nginx" if upstream == "-" else "app"] += 1
    return counts


def summarize(result: dict, args) -> dict:
    phases = result["phases"]

    def med(values):
        return statistics.median(values)

    def cpu_per(kind, group, count):
        return med(p.usage["cpu"][group] / max(1, count(p)) for p in phases[kind])

    def requests(p):
        return sum(p.statuses.values())

    summary = {}
    for kind in ("me", "beats"):
        summary[kind] = {
            "rate": med(p.throughput for p in phases[kind]),
            "p50": med(p.percentile(0.5) for p in phases[kind]) * 1000,
            "p99": med(p.percentile(0.99) for p in phases[kind]) * 1000,
            "errors": sum(n for p in phases[kind] for s, n in p.statuses.items() if s != 200),
            "requests": sum(requests(p) for p in phases[kind]),
            "cpu": {g: cpu_per(kind, g, requests) for g in phases[kind][0].usage["cpu"]},
            "wal": med(p.usage["wal"] / max(1, requests(p)) for p in phases[kind]),
        }
    viewers = phases["viewers"]
    summary["viewers_cpu"] = {
        g: med(p.usage["cpu"][g] / max(1, requests(p)) for p in viewers)
        for g in summary["me"]["cpu"]
    }
    summary["viewers_wal"] = med(p.usage["wal"] / max(1, requests(p)) for p in viewers)
    summary["viewer beats"] = {
        "rate": med(p.throughput for p in viewers),
        "p50": med(p.percentile(0.5) for p in viewers) * 1000,
        "p99": med(p.percentile(0.99) for p in viewers) * 1000,
        "errors": sum(n for p in viewers for s, n in p.statuses.items() if s != 200),
        "requests": sum(requests(p) for p in viewers),
    }
    summary["segments"] = {
        "rate": med(p.segment_statuses.get(200, 0) / p.seconds for p in viewers),
        "p50": med(percentile(p.segment_latencies, 0.5) for p in viewers) * 1000,
        "p99": med(percentile(p.segment_latencies, 0.99) for p in viewers) * 1000,
        "errors": sum(n for p in viewers for s, n in p.segment_statuses.items() if s != 200),
        "requests": sum(sum(p.segment_statuses.values()) for p in viewers),
        "mbytes_per_s": med(p.segment_bytes / p.seconds / 1e6 for p in viewers),
    }
    total_beats = summary["beats"]["requests"] + summary["viewer beats"]["requests"]
    views = len(phases["beats"] + phases["viewers"]) * args.viewers
    summary["rows_per_beat"] = sum(result["rows"].values()) / max(1, total_beats)
    summary["rows_by_table"] = {t: n / max(1, total_beats) for t, n in result["rows"].items()}
    summary["views"] = views
    summary["credited_share"] = sum(p.credited for p in phases["beats"]) / max(
        1e-9, sum(p.played for p in phases["beats"])
    )
    return summary


def report(result: dict, args) -> None:
    s = summarize(result, args)
    offered = args.viewers / args.interval
    print(
        f"\n== the stack: nginx, {args.web} app processes (waitress, {args.threads} threads), "
        f"PgBouncer, PostgreSQL, Redis, worker, scheduler =="
    )
    print(
        f"{args.viewers} viewers, one request each every {args.interval:g} s (offered "
        f"{offered:.0f}/s; viewers: {offered:.0f} beats/s + {offered * SEGMENTS_PER_BEAT:.0f} "
        f"segments/s), {args.rounds} rounds of {args.phase_seconds:g} s per kind; "
        f"{args.lessons} lessons, segments of {args.segment_kb} KiB ({RUNG[0]}); "
        f"set up in {result['setup_seconds']:.0f} s"
    )
    print(f"segment URLs like {result['segment_example']}")
    print(f"{'kind':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}")
    rows = (
        ("GET /api/v1/me", s["me"]),
        ("POST beats", s["beats"]),
        ("viewers: beats", s["viewer beats"]),
        ("viewers: segments", s["segments"]),
    )
    for label, row in rows:
        print(
            f"{label:<22}{row['rate']:8.1f}{row['p50']:9.1f}{row['p99']:9.1f}"
            f"{row['requests']:10d}{row['errors']:8d}"
        )
    ratio = s["beats"]["rate"] / s["me"]["rate"] if s["me"]["rate"] else float("nan")
    print(f"beats / no-op throughput ratio: {ratio:.2f} (goal: at least 0.7)")
    both = s["viewer beats"]["rate"] / s["me"]["rate"] if s["me"]["rate"] else float("nan")
    print(f"viewers' beats / no-op throughput ratio: {both:.2f} (with segments beside them)")
    print(f"segments: {s['segments']['mbytes_per_s']:.0f} MB/s sent by nginx")
    print(
        f"segment requests through an app process: {result['upstreams']['app']}, "
        f"by nginx alone: {result['upstreams']['nginx']}"
    )
    print("CPU ms per request (median of the rounds):")
    groups = list(s["me"]["cpu"])
    print(f"  {'kind':<16}" + "".join(f"{g:>11}" for g in groups))
    for label, cpu in (
        ("no-op", s["me"]["cpu"]),
        ("beat", s["beats"]["cpu"]),
        ("viewer's beat", s["viewers_cpu"]),
    ):
        print(f"  {label:<16}" + "".join(f"{cpu[g] * 1000:11.2f}" for g in groups))
    segment_app = (s["viewers_cpu"]["app"] - s["beats"]["cpu"]["app"]) / SEGMENTS_PER_BEAT
    print(
        f"  (a viewer's beat: the beat and the {SEGMENTS_PER_BEAT:g} segments fetched beside it;"
        f" app CPU per segment about {segment_app * 1000:.2f} ms)"
    )
    print(
        f"WAL bytes per request (cluster-wide): no-op {s['me']['wal']:.0f}, "
        f"beat {s['beats']['wal']:.0f}, viewer's beat {s['viewers_wal']:.0f}"
    )
    tables = ", ".join(f"{t} {n:.2f}" for t, n in sorted(s["rows_by_table"].items()))
    print(f"rows written per beat: {s['rows_per_beat']:.2f} ({tables}; {s['views']} views opened)")
    print(f"beats credited {s['credited_share']:.0%} of the time played")
    print(f"errors: {sum(row['errors'] for _label, row in rows)}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url", default=os.environ.get("LMS_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("LMS_BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    )
    parser.add_argument("--web", type=int, default=2, help="app processes (lms-web@PORT)")
    parser.add_argument("--threads", type=int, default=8, help="LMS_THREADS of each")
    parser.add_argument("--viewers", type=int, default=64, help="simulated viewers")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between beats")
    parser.add_argument("--heartbeat", type=float, default=1.0, help="LMS_HEARTBEAT_SECONDS")
    parser.add_argument("--phase-seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three kinds")
    parser.add_argument("--lessons", type=int, default=4)
    parser.add_argument("--segments", type=int, default=10, help="segment files per lesson")
    parser.add_argument(
        "--segment-kb",
        type=int,
        default=(RUNG[3] * 1000 * SEGMENT_SECONDS) // 8 // 1024,
        help="bytes of a segment (default: 6 s of the 360p rung)",
    )
    parser.add_argument("--quick", action="store_true", help="a run of under 30 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.viewers, args.phase_seconds, args.rounds = min(args.viewers, 8), 2.0, 1
        args.lessons, args.segments, args.segment_kb = 2, 3, 64
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    missing = missing_tools()
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (scripts/install.sh installs them)")
    report(run(args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
