"""The weekly reminders: cadres at risk of missing the quota, and a digest for supervisors.

Each at-risk or behind cadre gets a friendly note with their hours and what a weekend of
study would take to catch up; each supervisor gets a digest of their subtree. Both arrive
in the app and, for those who have an address and did not opt out, by e-mail in their own
language. The job sends once per ISO week however often it runs.
"""

from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import Role, User, UserRole
from lms.extensions import db
from lms.notify.messages import render_text
from lms.notify.models import ReminderWeek
from lms.notify.services import notify, queue_mail
from lms.offline.services import exempt_user_ids_query
from lms.org.models import Unit
from lms.org.services import tree_path_ids
from lms.plans import services as plans
from lms.tracking.forecast import Outlook, forecast
from lms.tracking.models import DailyCredit

AT_RISK_KIND = "quota_at_risk"
DIGEST_KIND = "supervisor_digest"
NEEDS_NOTE = (Outlook.AT_RISK, Outlook.BEHIND)


def _hours(year: int, today: date) -> tuple[dict, dict, date, int]:
    """Credited hours per user this statistics year so far, and in the recent window."""
    start, end = plans.stats_window_for(year)
    weeks = current_app.config["FORECAST_WEEKS"]
    recent_from = max(start, today - timedelta(days=weeks * 7 - 1))
    done: dict[int, float] = defaultdict(float)
    recent: dict[int, float] = defaultdict(float)
    for user_id, day, seconds in db.session.execute(
        select(DailyCredit.user_id, DailyCredit.local_date, DailyCredit.seconds).where(
            DailyCredit.local_date >= start, DailyCredit.local_date <= min(today, end)
        )
    ):
        done[user_id] += seconds / 3600
        if day >= recent_from:
            recent[user_id] += seconds / 3600
    return done, recent, end, (today - recent_from).days + 1


def cadre_outlooks(today: date) -> tuple[int, dict]:
    """This statistics year's forecast of every active cadre with a quota, by user id."""
    year = plans.current_stats_year(today)
    plan = plans.get_plan(year)
    if plan is None:
        return year, {}
    quotas = plans.quotas_for_cadres(plan)
    done, recent, cutoff, recent_days = _hours(year, today)
    # An exempted cadre owes a reduced or no quota: no reminder, as the dashboards show
    # them apart and their forecast is not made.
    exempt = set(db.session.scalars(exempt_user_ids_query(*plans.stats_window_for(year))))
    limit = current_app.config["WEEKEND_HOURS_LIMIT"]
    return year, {
        user_id: forecast(
            round(done.get(user_id, 0.0), 2),
            quota.online_hours,
            recent.get(user_id, 0.0),
            recent_days,
            today,
            cutoff,
            limit,
        )
        for user_id, quota in quotas.items()
        if quota.online_hours > 0 and user_id not in exempt
    }


def _mail(user: User, kind: str, params: dict, subject_text) -> None:
    """Queue the notification's text by mail, in the user's language."""
    locale = user.preferred_language or current_app.config["DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = subject_text()
        body = render_text(kind, params)
        base = current_app.config.get("BASE_URL")
        if base:
            body += "\n\n" + _("Open the platform: %(url)s", url=base.rstrip("/") + "/learning/")
        body += "\n\n" + _("You can turn these e-mails off on your account page.")
    queue_mail(user, kind, subject, body)


def send_weekly_reminders(today: date) -> dict:
    """Notify at-risk cadres and supervisors (at most once a week each); returns counts."""
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    if db.session.get(ReminderWeek, week) is not None:
        return {"cadres": 0, "supervisors": 0}
    # Claimed first: a second worker's insert fails on the primary key and rolls back.
    marker = ReminderWeek(week=week)
    db.session.add(marker)
    db.session.flush()
    year, outlooks = cadre_outlooks(today)
    at_risk = {uid: f for uid, f in outlooks.items() if f.outlook in NEEDS_NOTE}
    ids = sorted(at_risk)
    users = {}
    for start in range(0, len(ids), 5000):  # SQLite allows a limited number of parameters
        for user in db.session.scalars(
            select(User).where(
                User.id.in_(ids[start : start + 5000]), User.is_active_account.is_(True)
            )
        ):
            users[user.id] = user
    cadres = 0
    for user_id, f in at_risk.items():
        if user_id not in users:
            continue
        params = {
            "hours": round(f.done_hours, 1),
            "quota": f.quota_hours,
            "year": year,
            "weekend": f.hours_per_weekend,
        }
        notify(user_id, AT_RISK_KIND, params, link="/learning/")
        _mail(users[user_id], AT_RISK_KIND, params, lambda: _("Your study hours this year"))
        cadres += 1
    marker.counts = {"cadres": cadres, "supervisors": _send_digests(year, outlooks)}
    db.session.flush()
    return dict(marker.counts)


def _send_digests(year: int, outlooks: dict) -> int:
    """Each supervisor: how many cadres of their subtree are behind (at risk or behind)."""
    behind_ids = {uid for uid, f in outlooks.items() if f.outlook in NEEDS_NOTE}
    paths = {
        user_id: path
        for user_id, path in db.session.execute(
            select(User.id, Unit.tree_path).join(Unit, Unit.id == User.unit_id)
        )
        if user_id in outlooks
    }
    supervisors = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.SUPERVISOR.value,
            User.is_active_account.is_(True),
            User.unit_id.is_not(None),
        )
    ).all()
    # Count each cadre in every unit on their path: cadres × depth additions, not a scan
    # of every cadre per supervisor.
    totals: dict[int, int] = defaultdict(int)
    behind: dict[int, int] = defaultdict(int)
    for user_id, path in paths.items():
        for unit_id in tree_path_ids(path):
            totals[unit_id] += 1
            behind[unit_id] += user_id in behind_ids
    sent = 0
    for supervisor in supervisors:
        unit_id = supervisor.unit_id
        if not totals.get(unit_id):
            continue
        params = {
            "behind": behind[unit_id],
            "total": totals[unit_id],
            "unit": supervisor.unit.name_path,
        }
        notify(supervisor.id, DIGEST_KIND, params, link="/assessment/non-participation")
        _mail(supervisor, DIGEST_KIND, params, lambda: _("Weekly study digest"))
        sent += 1
    return sent
