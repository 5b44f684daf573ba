"""The figures later features read of offline training and exemptions (set-based): approved
hours and days, exemptions in a period, quota factors, the exempted cadres."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from lms.core.database import user_ids_filter
from lms.extensions import db
from lms.offline import rules
from lms.offline.models import Exemption, OfflineTraining, ReviewStatus


@dataclass(frozen=True)
class OfflineTotals:
    hours: float = 0.0
    days: float = 0.0
    records: int = 0


def approved_offline_totals(users, start: date, end: date) -> dict[int, OfflineTotals]:
    """Approved offline hours and days per cadre, for records that end in [start, end].

    A record counts in the period its end date falls in (training counts once completed).
    ``users`` is a select of user ids (a scope of any size) or a few ids. One grouped query
    for any number of cadres; cadres without records are left out.
    """
    of_users = user_ids_filter(OfflineTraining.user_id, users)
    if of_users is None:
        return {}
    rows = db.session.execute(
        select(
            OfflineTraining.user_id,
            func.sum(OfflineTraining.hours),
            func.sum(OfflineTraining.days),
            func.count(OfflineTraining.id),
        )
        .where(
            of_users,
            OfflineTraining.status == ReviewStatus.APPROVED.value,
            OfflineTraining.end_date >= start,
            OfflineTraining.end_date <= end,
        )
        .group_by(OfflineTraining.user_id)
    )
    return {
        user_id: OfflineTotals(float(hours or 0), float(days or 0), count)
        for user_id, hours, days, count in rows
    }


def active_exemptions(users, start: date, end: date) -> dict[int, list[Exemption]]:
    """Approved exemptions overlapping [start, end], per cadre; one query. ``users``: a
    select of user ids or a few ids."""
    of_users = user_ids_filter(Exemption.user_id, users)
    if of_users is None:
        return {}
    result: dict[int, list[Exemption]] = defaultdict(list)
    for item in db.session.scalars(
        select(Exemption)
        .where(
            of_users,
            Exemption.status == ReviewStatus.APPROVED.value,
            Exemption.start_date <= end,
            Exemption.end_date >= start,
        )
        .order_by(Exemption.user_id, Exemption.start_date)
    ):
        result[item.user_id].append(item)
    return dict(result)


def quota_factors(users, year_start: date, year_end: date) -> dict[int, float]:
    """Each cadre's quota factor for the year (1.0 without exemptions); one query.

    Given ids, every one of them is listed; given a select of user ids (a scope of any
    size), only the cadres with an approved exemption in the year are: anyone else's
    factor is 1.0.
    """
    if not isinstance(users, Select):
        users = set(users)
    exemptions = active_exemptions(users, year_start, year_end)
    listed = exemptions if isinstance(users, Select) else users
    return {
        user_id: rules.quota_factor(exemptions.get(user_id, []), year_start, year_end)
        for user_id in listed
    }


def exempt_user_ids_query(start: date, end: date):
    """A select of the ids of cadres with an approved exemption overlapping [start, end]:
    for lists that leave exempted cadres out (``User.id.not_in(...)``) in the same query."""
    return (
        select(Exemption.user_id)
        .where(
            Exemption.status == ReviewStatus.APPROVED.value,
            Exemption.start_date <= end,
            Exemption.end_date >= start,
        )
        .distinct()
    )
