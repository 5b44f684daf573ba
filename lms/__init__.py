"""The cadre learning platform: ``create_app`` builds the Flask application."""

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module

# Importing the models registers them on the metadata before migrations look; importing
# lms.core.database installs its SQLite hooks.
from lms import models  # noqa: F401
from lms.accounts import (
    auth,
    one_time_views,  # noqa: F401 - its routes are on admin_users' blueprint
)
from lms.accounts.admin_views import bp as admin_users_bp
from lms.accounts.cli import create_user_command
from lms.accounts.views import bp as accounts_bp
from lms.api.views import bp as api_bp
from lms.archive.views import bp as archive_bp
from lms.assessment.cli import assess_command
from lms.assessment.views import bp as assessment_bp
from lms.banks import file_views, question_views  # noqa: F401 - routes on banks_bp
from lms.banks.views import bp as banks_bp
from lms.classes.api import bp as classes_api_bp
from lms.classes.views import bp as classes_bp
from lms.core import database, i18n, inputs, queue, security_headers, templating  # noqa: F401
from lms.core.errors import register_error_handlers
from lms.core.unit_of_work import App
from lms.courses import editing_views  # noqa: F401 - its routes are on the courses blueprint
from lms.courses.api import bp as courses_api_bp
from lms.courses.views import bp as courses_bp
from lms.demo.cli import seed_demo_command
from lms.evaluation.api import bp as evaluation_api_bp
from lms.evaluation.views import bp as evaluation_bp
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
from lms.faculty.views import bp as faculty_bp
from lms.home import (  # noqa: F401 - routes on the courses and tracking blueprints
    course_api,  # /api/v1/courses/<id> (with its tests)
    course_menu,  # the course menu (with a cadre's credited hours)
    learning,  # My learning
    merge_views,  # duplicate cadres and their merge, on the admin_users blueprint
    my_courses,  # My courses (with those studied and completed)
)
from lms.home.cli import cadres_cli
from lms.home.views import bp as home_bp
from lms.media import tasks as media_tasks
from lms.media import upload_views  # noqa: F401 - its routes are on the media blueprint
from lms.media.cli import media_cli, scheduler_command, worker_command
from lms.media.link_views import bp as media_links_bp
from lms.media.storage import check_settings as check_media_storage
from lms.media.views import bp as media_bp
from lms.notify import tasks as notify_tasks
from lms.notify.cli import send_mail_command, send_reminders_command
from lms.notify.views import bp as notify_bp
from lms.offline import (  # noqa: F401 - routes on the offline blueprint
    exemption_views,
    review_views,
    training_views,
)
from lms.offline.views import bp as offline_bp
from lms.org.views import bp as org_bp
from lms.plans import assignment_views  # noqa: F401 - its routes are on the plans blueprint
from lms.plans import tasks as plan_tasks
from lms.plans.cli import plan_seed_command, plan_sync_command
from lms.plans.views import bp as plans_bp
from lms.quizzes import (  # noqa: F401 - routes on quizzes_bp and, regrading, on banks_bp
    authoring_views,
    regrade_views,
    result_views,
    taking_views,
)
from lms.quizzes import tasks as quiz_tasks
from lms.quizzes.api import bp as quizzes_api_bp
from lms.quizzes.cli import quiz_refile_command
from lms.quizzes.views import bp as quizzes_bp
from lms.reports import export_views  # noqa: F401 - its routes are on the reports blueprint
from lms.reports.api import api_bp as reports_api_bp
from lms.reports.monthly import bp as monthly_bp
from lms.reports.views import bp as reports_bp
from lms.roster.cli import import_roster_command
from lms.roster.views import bp as roster_bp
from lms.startup import prepare_db_command
from lms.tracking import tasks as tracking_tasks
from lms.tracking.api import bp as tracking_api_bp
from lms.tracking.cli import totals_cli
from lms.tracking.views import bp as tracking_bp

ROOT = Path(__file__).resolve().parent.parent
MIN_SECRET_KEY_LENGTH = 32


def create_app(config=None) -> Flask:
    """Build the app: ``config`` is a dict or class of overrides applied after the environment."""
    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    env_name = os.environ.get("LMS_ENV", "development")
    if env_name not in config_module.CONFIGS:
        raise RuntimeError(f"LMS_ENV must be one of {sorted(config_module.CONFIGS)}")
    app.config.from_object(config_module.CONFIGS[env_name])
    app.config.update(config_module.load_environment())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    os.makedirs(app.instance_path, exist_ok=True)
    _configure_database_url(app)
    _configure_secret_key(app)
    _configure_security(app)
    check_media_storage(app.config)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _configure_database_url(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "lms.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = {"pool_pre_ping": True, "pool_size": 10}
        if app.config.get("DATABASE_PGBOUNCER"):
            # psycopg prepares a statement on the server after 5 runs; in transaction pooling
            # the next transaction may run on another server connection, which lacks it.
            options["connect_args"] = {"prepare_threshold": None}
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)


def _configure_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if app.config["LMS_ENV"] == "production":
        if not key or len(key) < MIN_SECRET_KEY_LENGTH:
            raise RuntimeError(
                f"LMS_SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters "
                "in production (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
        return
    if key:
        return
    # Development: one key, generated on first start and kept, so sessions survive restarts.
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _configure_security(app: Flask) -> None:
    secure = bool(app.config["SECURE_COOKIES"])
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=app.config["MAX_IMPORT_MB"] * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=app.config["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=app.config.get("REDIS_URL") or "memory://",
    )
    # Login limits count under the platform's name in Redis, like its job queue.
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("QUEUE_NAME") or "lms")
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _init_extensions(app: Flask) -> None:
    inputs.init_app(app)  # before any blueprint: its <int:...> rules take the bounded converter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=None)
    login_manager.init_app(app)
    auth.init_login(app)
    i18n.init_app(app)
    templating.init_app(app)
    security_headers.init_app(app)  # CSP, framing, referrer: on every response
    queue.init_app(app)
    huey = app.extensions["huey"]
    app.extensions["media_tasks"] = media_tasks.register(huey, app)
    app.extensions["notify_tasks"] = notify_tasks.register(huey, app)
    app.extensions["quiz_tasks"] = quiz_tasks.register(huey, app)
    app.extensions["plan_tasks"] = plan_tasks.register(huey, app)
    app.extensions["tracking_tasks"] = tracking_tasks.register(huey, app)


def _register_blueprints(app: Flask) -> None:
    for bp in (
        home_bp,
        accounts_bp,
        admin_users_bp,
        org_bp,
        roster_bp,
        api_bp,
        courses_bp,
        courses_api_bp,
        media_bp,
        media_links_bp,
        tracking_api_bp,
        tracking_bp,
        banks_bp,
        quizzes_bp,
        quizzes_api_bp,
        plans_bp,
        offline_bp,
        notify_bp,
        classes_bp,
        classes_api_bp,
        assessment_bp,
        archive_bp,
        reports_bp,
        reports_api_bp,
        monthly_bp,
        evaluation_bp,
        evaluation_api_bp,
        faculty_bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)
    csrf.exempt(courses_api_bp)
    csrf.exempt(tracking_api_bp)
    csrf.exempt(quizzes_api_bp)
    csrf.exempt(reports_api_bp)
    csrf.exempt(evaluation_api_bp)
    csrf.exempt(classes_api_bp)
    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    commands = (
        create_user_command,
        seed_demo_command,
        import_roster_command,
        media_cli,
        worker_command,
        scheduler_command,
        prepare_db_command,
        send_mail_command,
        send_reminders_command,
        plan_seed_command,
        plan_sync_command,
        quiz_refile_command,
        assess_command,
        cadres_cli,
        totals_cli,
    )
    for command in commands:
        app.cli.add_command(command)
