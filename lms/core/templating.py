"""Template filters and globals: local times, role names, numbers."""

from flask import render_template
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from lms.core import statsyear
from lms.core.timeutil import utcnow

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "supervisor": _l("Supervisor"),
    "instructor": _l("Instructor"),
    "cadre": _l("Cadre"),
}


def localtime(value, format="short"):
    """A stored UTC datetime shown in LMS_TIMEZONE (Flask-Babel converts)."""
    if value is None:
        return ""
    return format_datetime(value, format)


def role_label(role) -> str:
    return str(ROLE_LABELS.get(str(role), str(role)))


def render_form(template: str, form, **context):
    """A page with a form: 400 when the posted form was refused, so nothing it did is kept."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def init_app(app) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_global(role_label, "role_label")
    app.add_template_global(utcnow, "now_utc")
    # "2027 statistics year (2026-12-01 to 2027-11-30)": every year a page shows says its dates.
    app.add_template_filter(statsyear.label, "stats_year")
