"""The production stack of deploy/, started on this machine from its very files.

``Stack`` starts PgBouncer from ``deploy/pgbouncer/pgbouncer.ini``, the processes of
``deploy/systemd/*.service`` with their ``ExecStart``, ``Environment=`` and an env file made
from ``deploy/lms.env.example``, and nginx from ``deploy/nginx/lms.conf``. Only listed things
are rewritten (listen ports, upstream addresses, filesystem paths, the settings of the env
file), and every rewrite must match: a deploy file that changes under a test fails it rather
than being silently bypassed. Reusable by other tests and benchmarks::

    stack = Stack(tmp_path, pg_url, redis_url)
    stack.start_pgbouncer(); stack.migrate(); stack.start_web(2); stack.start_nginx()
    ...
    stack.close()

Everything listens on free loopback ports picked at run time.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
INSTALL_ROOT = "/opt/lms"  # where the units and the site expect the checkout


def missing_tools() -> list[str]:
    """The programs the stack needs that this machine lacks (scripts/install.sh adds them)."""
    tools = {"nginx": NGINX, "pgbouncer": PGBOUNCER, "ffmpeg": shutil.which("ffmpeg") or ""}
    return [name for name, path in tools.items() if not (path and os.access(path, os.X_OK))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rewrite(text: str, replacements, what: str) -> str:
    """Replace each ``(old, new)``; ``old`` must occur in ``text`` (a regex if compiled)."""
    for old, new in replacements:
        if isinstance(old, re.Pattern):
            text, count = old.subn(new, text)
        else:
            count = text.count(old)
            text = text.replace(old, new)
        assert count, f"{what} no longer contains {old!r}: update the test's rewrites"
    return text


def wait_for_port(port: int, seconds: float = 30, process=None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None:
            assert process.alive(), f"{process.name} exited:\n{process.output()}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}" + ((process and process.output()) or ""))


def wait_for_health(base: str, seconds: float = 60, process=None) -> int:
    """Wait until ``base``/healthz answers (any status: a 503 names what is down)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None:
            assert process.alive(), f"{process.name} exited:\n{process.output()}"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base}/healthz never answered" + ((process and process.output()) or ""))


def empty_database(url: str) -> str:
    """The PostgreSQL database of ``url``, created if missing, emptied otherwise: its schema
    dropped and made again (DROP DATABASE waits for a checkpoint: seconds on a busy machine)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
        else:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


# -- systemd's files -------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """An ``EnvironmentFile=`` as systemd reads it: KEY=VALUE lines, # comments, quotes."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def env_file_text(settings: dict[str, str]) -> str:
    """deploy/lms.env.example with ``settings`` filled in: each must be listed there (set or
    commented out), so the example documents whatever the stack needs."""
    text = (DEPLOY / "lms.env.example").read_text()
    for key, value in settings.items():
        pattern = re.compile(rf"^#? ?{re.escape(key)}=.*$", re.MULTILINE)
        text = rewrite(text, [(pattern, f"{key}={value}".replace("\\", "\\\\"))], "lms.env")
    return text


class Unit:
    """A systemd unit of deploy/systemd/: its command, environment and working folder."""

    def __init__(self, name: str, instance: str | None = None):
        self.name = name
        text = (DEPLOY / "systemd" / name).read_text()
        if instance is not None:
            text = text.replace("%i", instance)
        service = text.split("[Service]", 1)[1].split("\n[", 1)[0]
        self.settings: dict[str, list[str]] = {}
        for line in service.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                self.settings.setdefault(key, []).append(value)
        self.environment = {}
        for value in self.settings.get("Environment", []):
            for token in shlex.split(value):
                key, _, val = token.partition("=")
                self.environment[key] = val
        (exec_start,) = self.settings["ExecStart"]
        self.argv = [self._here(arg) for arg in shlex.split(exec_start)]
        self.cwd = self._here(self.settings["WorkingDirectory"][0])

    @staticmethod
    def _here(value: str) -> str:
        """The checkout stands where the units expect /opt/lms."""
        return str(ROOT) + value[len(INSTALL_ROOT) :] if value.startswith(INSTALL_ROOT) else value


# -- processes -------------------------------------------------------------------------------


class Process:
    """A started program with its output in a log file."""

    def __init__(self, name, argv, env, cwd, log_dir: Path, user=None):
        self.name, self.argv, self.env, self.cwd, self.user = name, argv, env, cwd, user
        self.log_path = log_dir / f"{name}.log"
        self.popen = None

    def start(self) -> "Process":
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept by the child
        kwargs = {"user": self.user, "group": self.user} if self.user else {}
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, signum=signal.SIGTERM, timeout: float = 20) -> int | None:
        if not self.alive():
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(signum)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a crash would end it."""
        self.popen.kill()
        self.popen.wait()


def _base_environment() -> dict[str, str]:
    """What systemd gives a service: a plain environment, none of the tests' LMS_* settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONDONTWRITEBYTECODE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
    return env


class Stack:
    """PgBouncer, the app processes, the worker, the scheduler and nginx of deploy/."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str, settings=None):
        from sqlalchemy.engine import make_url

        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.media = tmp / "media"
        self.instance = tmp / "instance"
        self.database = make_url(database_url)
        self.redis_url = redis_url
        # Letters and digits only: Huey drops anything else from its Redis keys.
        self.queue_name = f"lmsstack{os.getpid()}x{time.monotonic_ns() % 10**8}"
        self.pgbouncer_port = free_port()
        self.password = "stack-pass-" + os.urandom(6).hex()
        self.processes: list[Process] = []
        self.stop_seconds: dict[str, float] = {}
        self.web: dict[int, Process] = {}
        self.pgbouncer: Process | None = None
        self.nginx: Process | None = None
        self.nginx_port: int | None = None
        # PgBouncer refuses to run as root; as systemd does, it runs as postgres, which must
        # be able to reach its folder.
        self.pgbouncer_user = "postgres" if os.geteuid() == 0 else None
        self.pgbouncer_dir = Path(
            subprocess.check_output(
                ["mktemp", "-d", "/tmp/lms-pgbouncer.XXXXXX"], text=True
            ).strip()
        )
        os.chmod(self.pgbouncer_dir, 0o755)
        self.media_link_secret = "stack-links-" + os.urandom(12).hex()
        self.env_file = tmp / "lms.env"
        self.env_file.write_text(
            env_file_text(
                {
                    "LMS_SECRET_KEY": "stack-secret-" + os.urandom(24).hex(),
                    "LMS_DATABASE_URL": self.app_database_url(),
                    "LMS_REDIS_URL": redis_url,
                    "LMS_QUEUE_NAME": self.queue_name,
                    "LMS_MEDIA_ROOT": str(self.media),
                    "LMS_INSTANCE_PATH": str(self.instance),
                    "LMS_BASE_URL": "http://127.0.0.1",
                    "LMS_MEDIA_LINK_SECRET": self.media_link_secret,
                    **(settings or {}),
                }
            )
        )

    # -- configuration -----------------------------------------------------------------------

    def app_database_url(self) -> str:
        """The app's URL: PgBouncer's port, the userlist's password, the same database name."""
        url = self.database.set(host="127.0.0.1", port=self.pgbouncer_port, password=self.password)
        return url.render_as_string(hide_password=False)

    def environment(self, unit: Unit | None = None) -> dict[str, str]:
        """A unit's environment: Environment=, then the EnvironmentFile (which wins)."""
        env = _base_environment()
        if unit is not None:
            env.update(unit.environment)
        env.update(read_env_file(self.env_file))
        return env

    # -- PgBouncer ---------------------------------------------------------------------------

    def pgbouncer_ini(self) -> str:
        d, db = self.pgbouncer_dir, self.database
        return rewrite(
            (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text(),
            [
                (
                    "lms = host=127.0.0.1 port=5432 dbname=lms",
                    f"{db.database} = host={db.host or '127.0.0.1'} port={db.port or 5432} "
                    f"dbname={db.database}",
                ),
                ("listen_port = 6432", f"listen_port = {self.pgbouncer_port}"),
                ("unix_socket_dir = /var/run/postgresql", f"unix_socket_dir = {d}"),
                ("auth_file = /etc/pgbouncer/userlist.txt", f"auth_file = {d}/userlist.txt"),
                ("logfile = /var/log/postgresql/pgbouncer.log", f"logfile = {d}/pgbouncer.log"),
                ("pidfile = /var/run/postgresql/pgbouncer.pid", f"pidfile = {d}/pgbouncer.pid"),
            ],
            "pgbouncer.ini",
        )

    def start_pgbouncer(self) -> Process:
        d = self.pgbouncer_dir
        (d / "pgbouncer.ini").write_text(self.pgbouncer_ini())
        # The userlist's format (deploy/pgbouncer/userlist.txt.example) with a plain password:
        # PgBouncer checks the client's SCRAM proof against it and logs in with it.
        (d / "userlist.txt").write_text(f'"{self.database.username}" "{self.password}"\n')
        if self.pgbouncer_user:
            shutil.chown(d, self.pgbouncer_user)
            for child in d.iterdir():
                shutil.chown(child, self.pgbouncer_user)
        self.pgbouncer = Process(
            "pgbouncer",
            [PGBOUNCER, str(d / "pgbouncer.ini")],
            _base_environment(),
            str(d),
            self.logs,
            user=self.pgbouncer_user,
        ).start()
        wait_for_port(self.pgbouncer_port, process=self.pgbouncer)
        return self.pgbouncer

    def restart_pgbouncer(self, down_seconds: float = 1.0) -> None:
        """Stop PgBouncer at once (SIGTERM: its connections drop) and start it again."""
        self.pgbouncer.stop(signal.SIGTERM)
        time.sleep(down_seconds)
        self.start_pgbouncer()

    # -- the platform's processes ------------------------------------------------------------

    def flask(self, *args, timeout: float = 300) -> str:
        """An operator's command (``flask --app lms ...``) with the env file, as lms does."""
        result = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "lms", *args],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def run_unit(self, name: str, timeout: float = 300) -> str:
        """A oneshot unit (lms-migrate): its ExecStart to completion."""
        unit = Unit(name)
        result = subprocess.run(
            unit.argv,
            cwd=unit.cwd,
            env=self.environment(unit),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    def migrate(self) -> str:
        return self.run_unit("lms-migrate.service")

    def start_unit(self, name: str, instance: str | None = None, label: str | None = None):
        unit = Unit(name, instance)
        label = label or name.replace("@.service", f"@{instance}").removesuffix(".service")
        process = Process(label, unit.argv, self.environment(unit), unit.cwd, self.logs).start()
        self.processes.append(process)
        return process

    def start_web(self, count: int = 2) -> list[int]:
        """``count`` lms-web@PORT instances; returns their ports once each answers /healthz."""
        ports = [free_port() for _ in range(count)]
        for port in ports:
            self.web[port] = self.start_unit("lms-web@.service", str(port))
        for port in ports:
            wait_for_health(f"http://127.0.0.1:{port}", process=self.web[port])
        return ports

    def restart_web(self, port: int) -> Process:
        """Start an instance again, as systemd's Restart=on-failure does."""
        self.web[port] = self.start_unit("lms-web@.service", str(port), f"lms-web@{port}-again")
        wait_for_health(f"http://127.0.0.1:{port}", process=self.web[port])
        return self.web[port]

    # -- nginx -------------------------------------------------------------------------------

    def nginx_site(self, extra=()) -> str:
        """deploy/nginx/lms.conf with this stack's port, app processes, paths and logs."""
        upstream = "".join(f"    server 127.0.0.1:{port};\n" for port in self.web)
        return rewrite(
            (DEPLOY / "nginx" / "lms.conf").read_text(),
            [
                ("    listen 80;\n", f"    listen 127.0.0.1:{self.nginx_port};\n"),
                (re.compile(r"(    server 127\.0\.0\.1:80\d\d;\n)+"), upstream),
                ("set $lms_media_root /var/lib/lms/media;", f"set $lms_media_root {self.media};"),
                (
                    "set $lms_static_root /opt/lms/lms/static;",
                    f"set $lms_static_root {ROOT / 'lms' / 'static'};",
                ),
                ("/var/log/nginx/", f"{self.logs}/"),
                (
                    "set $lms_media_secret CHANGE-ME-media-link-secret;",
                    f"set $lms_media_secret {self.media_link_secret};",
                ),
                (
                    "include /etc/nginx/snippets/lms-media.conf;",
                    f"include {DEPLOY / 'nginx' / 'lms-media.conf'};",
                ),
                *extra,
            ],
            "lms.conf",
        )

    def start_nginx(self, extra=()) -> Process:
        """nginx in the foreground with the site included in a minimal http block."""
        d = self.tmp / "nginx"
        d.mkdir(exist_ok=True)
        self.nginx_port = self.nginx_port or free_port()
        (d / "lms.conf").write_text(self.nginx_site(extra))
        temp = "".join(
            f"    {kind}_temp_path {d}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (d / "nginx.conf").write_text(
            # As root, workers would run as nobody, who cannot read the tests' folders.
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {d}/nginx.pid;\nerror_log {self.logs}/nginx.error.log;\n"
            "events { worker_connections 1024; }\n"
            "http {\n    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n    sendfile on;\n"
            f"{temp}    access_log off;\n    include {d}/lms.conf;\n}}\n"
        )
        argv = [NGINX, "-p", str(d), "-c", str(d / "nginx.conf")]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.nginx = Process(
            "nginx", [*argv, "-g", "daemon off;"], _base_environment(), d, self.logs
        )
        self.nginx.start()
        self.processes.append(self.nginx)
        wait_for_port(self.nginx_port, process=self.nginx)
        return self.nginx

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def access_log(self) -> str:
        path = self.logs / "lms.access.log"
        return path.read_text() if path.exists() else ""

    # -- the end -----------------------------------------------------------------------------

    def close(self) -> None:
        """SIGTERM to every process at once (as ``systemctl stop lms.target``), then wait."""
        for process in self.processes:
            if process.alive():
                process.popen.send_signal(signal.SIGTERM)
        started = time.monotonic()
        for process in self.processes:
            if process.popen is None:
                continue
            try:
                process.popen.wait(max(15 - (time.monotonic() - started), 0.1))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
            self.stop_seconds[process.name] = round(time.monotonic() - started, 1)
        if self.pgbouncer is not None and self.pgbouncer.alive():
            self.pgbouncer.stop(signal.SIGTERM)
        self._flush_queue()
        shutil.rmtree(self.pgbouncer_dir, ignore_errors=True)

    def _flush_queue(self) -> None:
        import redis

        conn = redis.Redis.from_url(self.redis_url)
        for key in conn.scan_iter(f"*{self.queue_name}*"):
            conn.delete(key)
