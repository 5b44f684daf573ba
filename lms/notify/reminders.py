"""The weekly reminders: cadres at risk of missing the quota, and a digest for supervisors.

Each at-risk or behind cadre gets a friendly note with their hours and what a weekend of
study would take to catch up; each supervisor gets a digest of their subtree. Both arrive
in the app and, for those who have an address and did not opt out, by e-mail in their own
language. The job sends once per ISO week however often it runs.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import Role, User, UserRole
from lms.core import statsyear
from lms.extensions import db
from lms.notify.messages import render_text
from lms.notify.models import ReminderWeek
from lms.notify.services import notify, queue_mail
from lms.org.tree import tree_path_ids
from lms.reports import figures as reports
from lms.tracking.forecast import Outlook

AT_RISK_KIND = "quota_at_risk"
DIGEST_KIND = "supervisor_digest"
NEEDS_NOTE = (Outlook.AT_RISK, Outlook.BEHIND)
OWING = (Outlook.MET, Outlook.ON_TRACK, Outlook.AT_RISK, Outlook.BEHIND, Outlook.EARLY)


@dataclass(frozen=True)
class CadreOutlook:
    """One cadre's standing this year, as the dashboards compute it."""

    tree_path: str
    done_hours: float
    quota_hours: float
    outlook: str
    hours_per_weekend: float  # what each remaining weekend must hold to meet the quota


def cadre_outlooks(today: date) -> tuple[int, dict[int, CadreOutlook]]:
    """This statistics year's outlook of every active cadre who owes hours, by user id.

    The figures are the dashboards' per-cadre rows (hours, quota and outlook computed in
    SQL), so a reminder never disagrees with what supervisors see. Cadres without a quota
    and exempted cadres (they owe a reduced or no quota) are left out.
    """
    year = statsyear.current_year(today)
    context = reports.make_context(year, today)
    figures = reports.cadre_figures(reports.Scope(), context).subquery()
    weekends = context.clock.weekends
    outlooks = {}
    for user_id, path, done, quota, outlook in db.session.execute(
        select(
            figures.c.user_id,
            figures.c.tree_path,
            figures.c.done_hours,
            figures.c.quota_hours,
            figures.c.outlook,
        ).where(figures.c.outlook.in_([o.value for o in OWING]))
    ):
        remaining = max(0.0, float(quota) - float(done))
        outlooks[user_id] = CadreOutlook(
            path,
            float(done),
            float(quota),
            outlook,
            round(remaining / weekends if weekends else remaining, 1),
        )
    return year, outlooks


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
    """Each supervisor: of the cadres of their subtree who owe hours, how many are behind and
    how many at risk, the dashboard's two outlooks and words, from the same per-cadre rows."""
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
    at_risk: dict[int, int] = defaultdict(int)
    for figures in outlooks.values():
        for unit_id in tree_path_ids(figures.tree_path):
            totals[unit_id] += 1
            behind[unit_id] += figures.outlook == Outlook.BEHIND
            at_risk[unit_id] += figures.outlook == Outlook.AT_RISK
    sent = 0
    for supervisor in supervisors:
        unit_id = supervisor.unit_id
        if not totals.get(unit_id):
            continue
        params = {
            "behind": behind[unit_id],
            "at_risk": at_risk[unit_id],
            "total": totals[unit_id],
            "unit": supervisor.unit.name_path,
        }
        notify(supervisor.id, DIGEST_KIND, params, link="/reports/")
        _mail(supervisor, DIGEST_KIND, params, lambda: _("Weekly study digest"))
        sent += 1
    return sent
