"""A cadre's own year: "My learning", ``/api/v1/me/progress`` and the outlook every cadre
page shows.

They put the hours tracking credited beside the plan's quota and forecast and the approved
offline training, so they live above all three (docs/architecture.md: pages that gather
many features). Their routes stay on tracking's blueprints: the addresses and endpoint
names are unchanged.
"""

from datetime import date

from flask import jsonify, render_template
from flask_login import current_user, login_required

from lms.core import statsyear
from lms.core.inputs import query_int
from lms.core.openapi import documented
from lms.core.timeutil import local_today
from lms.plans.quotas import forecast_for, quota_summary
from lms.tracking.api import PROGRESS
from lms.tracking.api import bp as tracking_api_bp
from lms.tracking.progress import offline_days, resume_lessons, weekend_seconds, year_progress
from lms.tracking.study_records import has_studied, lesson_to_continue
from lms.tracking.views import bp as tracking_bp


def year_outlook(person, today: date | None = None) -> dict:
    """What a cadre's pages show of the current statistics year besides hours: the year,
    the forecast ("every cadre page shows the forecast", docs/domain.md) and approved offline
    days; the context of ``tracking/_year_outlook.html``."""
    today = today or local_today()
    year = statsyear.current_year(today)
    return {
        "plan_year": year,
        "forecast": forecast_for(person, today, year),
        "offline_days": offline_days(person.id, year),
    }


def cadre_start(person, today: date | None = None) -> dict:
    """What a cadre's home page shows: the year's quota bar and forecast, and where to go
    on studying (docs/domain.md: every cadre page shows the forecast)."""
    outlook = year_outlook(person, today)
    return {
        "quota": quota_summary(person, outlook["plan_year"]),
        "next_lesson": lesson_to_continue(person),
        "has_studied": has_studied(person.id),
        **outlook,
    }


@tracking_bp.route("/")
@login_required
def mine():
    """The cadre's study hours this year and the courses they have started or finished."""
    today = local_today()
    progress = year_progress(current_user.id, statsyear.current_year(today))
    in_progress = [c for c in progress["courses"] if not c["completed"]]
    resume = resume_lessons(current_user.id, [c["id"] for c in in_progress])
    outlook = year_outlook(current_user, today)
    return render_template(
        "tracking/mine.html",
        progress=progress,
        weekend_hours=round(weekend_seconds(current_user.id, today) / 3600, 1),
        in_progress=in_progress,
        completed=[c for c in progress["courses"] if c["completed"]],
        resume=resume,
        quota=quota_summary(current_user, outlook["plan_year"]),
        **outlook,
    )


@tracking_api_bp.route("/me/progress")
@documented(
    responses={200: PROGRESS}, query={"year": {"type": "integer", "minimum": 2000, "maximum": 2100}}
)
@login_required
def my_progress():
    """The caller's figures for a statistics year (default: the one today counts toward):
    online and weekend hours, quota, approved offline training days and forecast, all over
    the year's window (``window_start`` to ``window_end``), and their courses."""
    today = local_today()
    year = query_int("year", statsyear.current_year(today), minimum=2000, maximum=2100)
    return jsonify(
        year_progress(current_user.id, year)
        | quota_summary(current_user, year)
        | {
            "offline_days": offline_days(current_user.id, year),
            "forecast": forecast_json(forecast_for(current_user, today, year)),
        }
    )


def forecast_json(result) -> dict | None:
    if result is None:
        return None
    return {
        "outlook": result.outlook.value,
        "projected_hours": result.projected_hours,
        "hours_per_weekend": result.hours_per_weekend,
        "weekends_left": result.weekends_left,
        "pace_hours_per_week": result.pace_hours_per_week,
    }
