"""Configuration classes; every setting can be overridden by an ``LMS_*`` environment variable."""

import os
from dataclasses import dataclass


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    """One setting: the environment variable, the Flask config key, its parser and meaning."""

    env: str
    key: str
    parse: type | object
    help: str


# The single table of settings: ``load_environment`` reads it, and the README documents it
# (a test checks that every setting here is named in the README).
SETTINGS = [
    Setting("LMS_ENV", "LMS_ENV", str, "`development` (default) or `production`."),
    Setting(
        "LMS_DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        str,
        "SQLAlchemy URL; default a SQLite file `instance/lms.sqlite3`. Production: "
        "`postgresql+psycopg://user:pass@host/db`.",
    ),
    Setting(
        "LMS_DATABASE_PGBOUNCER",
        "DATABASE_PGBOUNCER",
        _bool,
        "`1` when `LMS_DATABASE_URL` points at PgBouncer in transaction pooling: no server-side "
        "prepared statements (PgBouncer before 1.21 cannot keep them).",
    ),
    Setting(
        "LMS_MIGRATE_ON_START",
        "MIGRATE_ON_START",
        _bool,
        "`run.py` migrates (and, outside production, seeds an empty database) before serving; "
        "default on; `0` where `flask --app lms prepare-db` runs once per release.",
    ),
    Setting("LMS_SECRET_KEY", "SECRET_KEY", str, "Session signing key (at least 32 characters)."),
    Setting("LMS_MEDIA_ROOT", "MEDIA_ROOT", str, "Folder for uploaded and processed media."),
    Setting("LMS_TIMEZONE", "TIMEZONE", str, "Local time zone for display and the training year."),
    Setting("LMS_DEFAULT_LOCALE", "DEFAULT_LOCALE", str, "`zh_CN` or `en`."),
    Setting("LMS_REDIS_URL", "REDIS_URL", str, "Redis URL for rate limits and the job queue."),
    Setting(
        "LMS_QUEUE_NAME",
        "QUEUE_NAME",
        str,
        "Name of the job queue and prefix of the login-limit keys in Redis (default `lms`): "
        "platforms sharing one Redis differ.",
    ),
    Setting("LMS_FFMPEG_THREADS", "FFMPEG_THREADS", int, "Threads each ffmpeg call may use."),
    Setting(
        "LMS_FFMPEG_TIMEOUT_FACTOR",
        "FFMPEG_TIMEOUT_FACTOR",
        float,
        "An ffmpeg call may take this many times the media's length, plus 60 s.",
    ),
    Setting(
        "LMS_JOB_STALE_SECONDS",
        "JOB_STALE_SECONDS",
        int,
        "A processing job silent this long is presumed dead and re-queued.",
    ),
    Setting(
        "LMS_JOB_WORKERS",
        "JOB_WORKERS",
        int,
        "Job consumer threads `run.py` starts beside the web server (0: none, as in a "
        "deployment with `flask --app lms worker` and `scheduler` units).",
    ),
    Setting("LMS_HEARTBEAT_SECONDS", "HEARTBEAT_SECONDS", float, "Seconds between player beats."),
    Setting(
        "LMS_MAX_PLAYBACK_RATE",
        "MAX_PLAYBACK_RATE",
        float,
        "Fastest playback rate offered; also bounds credit per real second.",
    ),
    Setting(
        "LMS_COMPLETION_THRESHOLD",
        "COMPLETION_THRESHOLD",
        float,
        "Share of a lesson's length that completes it.",
    ),
    Setting(
        "LMS_PRESENCE_CHECK_MINUTES",
        "PRESENCE_CHECK_MINUTES",
        float,
        "A video pauses at a random moment in every such span until the cadre confirms.",
    ),
    Setting(
        "LMS_RISK_MEDIUM_SCORE",
        "RISK_MEDIUM_SCORE",
        int,
        "A viewing session whose signals weigh this much in all is at medium risk.",
    ),
    Setting(
        "LMS_RISK_HIGH_SCORE",
        "RISK_HIGH_SCORE",
        int,
        "A viewing session whose signals weigh this much in all is at high risk.",
    ),
    Setting(
        "LMS_RISK_SESSION_SECONDS",
        "RISK_SESSION_SECONDS",
        float,
        "Seconds a session must have played before muted, unattended or no input count.",
    ),
    Setting(
        "LMS_RISK_BEAT_JITTER_SECONDS",
        "RISK_BEAT_JITTER_SECONDS",
        float,
        "Beats whose intervals vary by less than this (standard deviation) are machine-like.",
    ),
    Setting(
        "LMS_RISK_REGULAR_BEATS",
        "RISK_REGULAR_BEATS",
        int,
        "Intervals between beats needed before their regularity counts.",
    ),
    Setting(
        "LMS_RISK_PRESENCE_JITTER_SECONDS",
        "RISK_PRESENCE_JITTER_SECONDS",
        float,
        "Presence answers whose delays vary by less than this are machine-like.",
    ),
    Setting(
        "LMS_RISK_REGULAR_ANSWERS",
        "RISK_REGULAR_ANSWERS",
        int,
        "Presence answers needed before their regularity counts.",
    ),
    Setting(
        "LMS_RISK_NIGHT_START_HOUR",
        "RISK_NIGHT_START_HOUR",
        int,
        "Local hour the night begins (0-23).",
    ),
    Setting("LMS_RISK_NIGHT_END_HOUR", "RISK_NIGHT_END_HOUR", int, "Local hour the night ends."),
    Setting(
        "LMS_RISK_NIGHT_HOURS",
        "RISK_NIGHT_HOURS",
        float,
        "Hours credited to one account within one night that count as studying through it.",
    ),
    Setting(
        "LMS_RISK_SHARED_MINUTES",
        "RISK_SHARED_MINUTES",
        int,
        "Minutes within which several accounts on one device or address count together.",
    ),
    Setting(
        "LMS_RISK_DEVICE_ACCOUNTS",
        "RISK_DEVICE_ACCOUNTS",
        int,
        "Accounts on one device within those minutes that make a signal.",
    ),
    Setting(
        "LMS_RISK_ADDRESS_ACCOUNTS",
        "RISK_ADDRESS_ACCOUNTS",
        int,
        "Accounts from one address within those minutes that make a signal.",
    ),
    Setting(
        "LMS_QUIZ_GRACE_SECONDS",
        "QUIZ_GRACE_SECONDS",
        float,
        "Seconds after a timed attempt's deadline in which answers are still accepted.",
    ),
    Setting("LMS_HOST", "HOST", str, "Address `run.py` listens on."),
    Setting("LMS_PORT", "PORT", int, "Port `run.py` listens on."),
    Setting("LMS_THREADS", "THREADS", int, "Waitress worker threads."),
    Setting(
        "LMS_CONNECTION_LIMIT",
        "CONNECTION_LIMIT",
        int,
        "Open connections `run.py` keeps at once (phones hold keep-alive connections).",
    ),
    Setting("LMS_SECURE_COOKIES", "SECURE_COOKIES", _bool, "Send cookies only over HTTPS."),
    Setting(
        "LMS_LOGIN_LIMIT_ACCOUNT",
        "LOGIN_LIMIT_ACCOUNT",
        str,
        "Failed logins allowed per account (Flask-Limiter syntax).",
    ),
    Setting(
        "LMS_LOGIN_LIMIT_ADDRESS",
        "LOGIN_LIMIT_ADDRESS",
        str,
        "Failed logins allowed per client address.",
    ),
    Setting("LMS_API_TOKEN_DAYS", "API_TOKEN_DAYS", int, "Lifetime of API tokens in days."),
    Setting("LMS_MIN_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", int, "Shortest allowed password."),
    Setting("LMS_PAGE_SIZE", "PAGE_SIZE", int, "Rows per page in lists."),
    Setting("LMS_MAX_IMPORT_MB", "MAX_IMPORT_MB", int, "Largest roster file accepted, in MiB."),
    Setting(
        "LMS_MAX_UPLOAD_MB",
        "MAX_UPLOAD_MB",
        int,
        "Largest lecture upload (resumable, in chunks), in MiB.",
    ),
    Setting(
        "LMS_MAX_VIDEO_WIDTH",
        "MAX_VIDEO_WIDTH",
        int,
        "Widest video picture accepted, in pixels (default 4096).",
    ),
    Setting(
        "LMS_MAX_VIDEO_HEIGHT",
        "MAX_VIDEO_HEIGHT",
        int,
        "Tallest video picture accepted, in pixels (default 4096: portrait 4K fits).",
    ),
    Setting(
        "LMS_MAX_MEDIA_SECONDS",
        "MAX_MEDIA_SECONDS",
        int,
        "Longest recording accepted, in seconds (default 36000: ten hours).",
    ),
    Setting(
        "LMS_MEDIA_ACCEL",
        "MEDIA_ACCEL",
        str,
        "`nginx`: media views only authorize and answer with X-Accel-Redirect.",
    ),
    Setting(
        "LMS_MEDIA_ACCEL_PREFIX",
        "MEDIA_ACCEL_PREFIX",
        str,
        "Internal nginx location that serves MEDIA_ROOT (with LMS_MEDIA_ACCEL=nginx).",
    ),
    Setting(
        "LMS_MEDIA_LINK_SECONDS",
        "MEDIA_LINK_SECONDS",
        int,
        "Lifetime of the signed links to HLS playlists and segments (revocation takes effect "
        "within it).",
    ),
    Setting(
        "LMS_MEDIA_LINK_SECRET",
        "MEDIA_LINK_SECRET",
        str,
        "Secret nginx's secure_link checks media links with; empty: derived from the secret "
        "key (`flask --app lms media link-secret` prints it).",
    ),
    Setting(
        "LMS_MEDIA_STORAGE",
        "MEDIA_STORAGE",
        str,
        "Where finished renditions and captions live: `local` (default: MEDIA_ROOT, also a "
        "shared or NFS folder) or `s3` (an S3-compatible bucket; MEDIA_ROOT is then scratch).",
    ),
    Setting(
        "LMS_S3_ENDPOINT_URL",
        "S3_ENDPOINT_URL",
        str,
        "With `s3`: the object store's URL (MinIO, Ceph RGW, Alibaba OSS); empty for AWS.",
    ),
    Setting("LMS_S3_BUCKET", "S3_BUCKET", str, "With `s3`: the bucket (it must exist)."),
    Setting("LMS_S3_ACCESS_KEY", "S3_ACCESS_KEY", str, "With `s3`: the access key id."),
    Setting("LMS_S3_SECRET_KEY", "S3_SECRET_KEY", str, "With `s3`: the secret access key."),
    Setting("LMS_S3_REGION", "S3_REGION", str, "With `s3`: the region (default `us-east-1`)."),
    Setting(
        "LMS_S3_PREFIX",
        "S3_PREFIX",
        str,
        "With `s3`: a folder in the bucket for this platform's objects (default none).",
    ),
    Setting(
        "LMS_S3_ADDRESSING_STYLE",
        "S3_ADDRESSING_STYLE",
        str,
        "With `s3`: `path` (default; MinIO, Ceph) or `virtual` (bucket in the host name: OSS).",
    ),
    Setting(
        "LMS_S3_URL_SECONDS",
        "S3_URL_SECONDS",
        int,
        "With `s3`: how long a presigned media URL is valid, in seconds (default 300).",
    ),
    Setting(
        "LMS_HOURS_PER_TRAINING_DAY",
        "HOURS_PER_TRAINING_DAY",
        float,
        "Hours one training day counts for (offline records entered in days or hours).",
    ),
    Setting(
        "LMS_OFFLINE_EVIDENCE_MAX_MB",
        "OFFLINE_EVIDENCE_MAX_MB",
        int,
        "Largest evidence file for an offline training record, in MiB.",
    ),
    Setting(
        "LMS_TRUSTED_PROXIES",
        "TRUSTED_PROXIES",
        int,
        "Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.",
    ),
    Setting(
        "LMS_STATS_CUTOFF",
        "STATS_CUTOFF",
        str,
        "Default statistics cut-off of a training year, month-day; later hours count next year.",
    ),
    Setting(
        "LMS_YOUNG_CADRE_AGE",
        "YOUNG_CADRE_AGE",
        int,
        "Default age limit (inclusive) of the young-cadre priority group in a new plan.",
    ),
    Setting(
        "LMS_NEWLY_PROMOTED_MONTHS",
        "NEWLY_PROMOTED_MONTHS",
        int,
        "Default months after a promotion that a cadre counts as newly promoted.",
    ),
    Setting(
        "LMS_PARTICIPATION_MIN_SHARE",
        "PARTICIPATION_MIN_SHARE",
        float,
        "A cadre below this share of the quota at the cut-off (default 0.1) is listed as not "
        "taking part; no credited hours always is.",
    ),
    Setting(
        "LMS_FIVE_YEAR_CYCLE_START",
        "FIVE_YEAR_CYCLE_START",
        int,
        "First year of a five-year general-training cycle (default 2023); cycles follow on.",
    ),
    Setting(
        "LMS_FORECAST_WEEKS",
        "FORECAST_WEEKS",
        int,
        "The forecast projects the pace of this many recent weeks (default 4) to the cut-off.",
    ),
    Setting(
        "LMS_WEEKEND_HOURS_LIMIT",
        "WEEKEND_HOURS_LIMIT",
        float,
        "Most study hours a weekend can hold (default 6): within it a cadre short of the "
        'quota is "at risk", beyond it "behind".',
    ),
    Setting(
        "LMS_EVALUATION_MIN_RESPONDENTS",
        "EVALUATION_MIN_RESPONDENTS",
        int,
        "Course evaluation results (pages, exports, API, health score) show only from this many "
        "respondents on (default 10).",
    ),
    Setting(
        "LMS_SMTP_HOST",
        "SMTP_HOST",
        str,
        "SMTP server for reminders; empty (default): mail waits in the outbox unsent.",
    ),
    Setting("LMS_SMTP_PORT", "SMTP_PORT", int, "SMTP port (default 25, or 465 with `ssl`)."),
    Setting(
        "LMS_SMTP_SECURITY",
        "SMTP_SECURITY",
        str,
        "`none` (default), `starttls` or `ssl`.",
    ),
    Setting("LMS_SMTP_USERNAME", "SMTP_USERNAME", str, "SMTP login, if the server wants one."),
    Setting("LMS_SMTP_PASSWORD", "SMTP_PASSWORD", str, "SMTP password."),
    Setting("LMS_SMTP_TIMEOUT", "SMTP_TIMEOUT", float, "Seconds to wait for the SMTP server."),
    Setting("LMS_MAIL_FROM", "MAIL_FROM", str, "Sender address of the platform's mail."),
    Setting(
        "LMS_BASE_URL",
        "BASE_URL",
        str,
        "The platform's address (e.g. `https://lms.example.gov.cn`), for links in e-mail.",
    ),
    Setting(
        "LMS_MAIL_MAX_ATTEMPTS",
        "MAIL_MAX_ATTEMPTS",
        int,
        "Attempts to send a message (retried after 1, 5, 15, 60, 240 minutes) before it fails.",
    ),
]


class Config:
    """Defaults shared by every environment."""

    LMS_ENV = "development"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite file in the instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    DATABASE_PGBOUNCER = False
    MIGRATE_ON_START = True
    MEDIA_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "media")
    TIMEZONE = "Asia/Shanghai"
    DEFAULT_LOCALE = "zh_CN"
    LANGUAGES = ("zh_CN", "en")
    REDIS_URL: str | None = None
    QUEUE_NAME = "lms"
    FFMPEG_THREADS = 2
    FFMPEG_TIMEOUT_FACTOR = 3.0
    JOB_STALE_SECONDS = 120
    JOB_WORKERS = 2
    HUEY_IMMEDIATE = False  # tests: queued jobs run inline
    HEARTBEAT_SECONDS = 15.0
    PARTICIPATION_MIN_SHARE = 0.1
    FORECAST_WEEKS = 4
    EVALUATION_MIN_RESPONDENTS = 10
    WEEKEND_HOURS_LIMIT = 6.0
    FIVE_YEAR_CYCLE_START = 2023  # the 2023-2027 national cadre-training plan's cycle
    SMTP_HOST: str | None = None
    SMTP_PORT: int | None = None  # None: 25, or 465 with SMTP_SECURITY "ssl"
    SMTP_SECURITY = "none"
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_TIMEOUT = 30.0
    MAIL_FROM = "cadre-lms@localhost"
    MAIL_MAX_ATTEMPTS = 5
    BASE_URL: str | None = None
    MAX_PLAYBACK_RATE = 1.0
    COMPLETION_THRESHOLD = 0.9
    PRESENCE_CHECK_MINUTES = 20.0
    RISK_MEDIUM_SCORE = 2
    RISK_HIGH_SCORE = 4
    RISK_SESSION_SECONDS = 60.0
    RISK_BEAT_JITTER_SECONDS = 0.1
    RISK_REGULAR_BEATS = 8
    RISK_PRESENCE_JITTER_SECONDS = 0.3
    RISK_REGULAR_ANSWERS = 3
    RISK_NIGHT_START_HOUR = 0
    RISK_NIGHT_END_HOUR = 5
    RISK_NIGHT_HOURS = 3.0
    RISK_SHARED_MINUTES = 10
    RISK_DEVICE_ACCOUNTS = 2
    RISK_ADDRESS_ACCOUNTS = 3
    QUIZ_GRACE_SECONDS = 10.0
    HOST = "127.0.0.1"
    PORT = 5000
    THREADS = 8
    CONNECTION_LIMIT = 1000
    SECURE_COOKIES = False
    LOGIN_LIMIT_ACCOUNT = "5 per minute;20 per hour"
    LOGIN_LIMIT_ADDRESS = "30 per minute;200 per hour"
    API_TOKEN_DAYS = 30
    MIN_PASSWORD_LENGTH = 8
    PAGE_SIZE = 25
    MAX_IMPORT_MB = 20
    MAX_UPLOAD_MB = 8192
    # Far beyond any lecture (the ladder tops out at 1080p), short of what would swamp the
    # transcoder: 4K either way round (phones film portrait) and a ten-hour training day.
    MAX_VIDEO_WIDTH = 4096
    MAX_VIDEO_HEIGHT = 4096
    MAX_MEDIA_SECONDS = 36000
    MEDIA_ACCEL = ""  # "nginx": answer media requests with X-Accel-Redirect
    MEDIA_ACCEL_PREFIX = "/protected-media/"
    MEDIA_LINK_SECONDS = 1800  # signed HLS links (lms/media/links.py)
    MEDIA_LINK_SECRET = ""  # empty: derived from SECRET_KEY
    MEDIA_STORAGE = "local"  # or "s3": renditions and captions in a bucket (lms.media.storage)
    S3_ENDPOINT_URL: str | None = None
    S3_BUCKET: str | None = None
    S3_ACCESS_KEY: str | None = None
    S3_SECRET_KEY: str | None = None
    S3_REGION = "us-east-1"
    S3_PREFIX = ""
    S3_ADDRESSING_STYLE = "path"
    S3_URL_SECONDS = 300
    TRUSTED_PROXIES = 0
    STATS_CUTOFF = "11-30"  # the annual plan's statistics cut-off (month-day)
    YOUNG_CADRE_AGE = 40
    NEWLY_PROMOTED_MONTHS = 24
    HOURS_PER_TRAINING_DAY = 8.0
    OFFLINE_EVIDENCE_MAX_MB = 10
    WTF_CSRF_TIME_LIMIT = None  # a cadre may leave a form open all weekend
    RATELIMIT_HEADERS_ENABLED = True
    TESTING = False


class DevelopmentConfig(Config):
    """Local development: a secret key is generated once into the instance folder."""


class ProductionConfig(Config):
    """Production: a strong ``LMS_SECRET_KEY`` is required and cookies are secure by default."""

    LMS_ENV = "production"
    SECURE_COOKIES = True


class TestingConfig(Config):
    """Tests: CSRF stays on (tests post real tokens); limits are tight so they can be tested."""

    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
    LOGIN_LIMIT_ACCOUNT = "5 per minute"
    LOGIN_LIMIT_ADDRESS = "20 per minute"


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig}


def load_environment(environ=os.environ) -> dict:
    """Return the config values set by ``LMS_*`` variables, parsed."""
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise RuntimeError(f"{setting.env}={raw!r} is not valid: {exc}") from exc
    return values
