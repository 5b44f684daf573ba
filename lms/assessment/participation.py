"""The non-participation list (通报) and the five-year rule, computed live for a subtree.

DOMAIN.md: "Those who did not take part 'for no reason' are listed per unit. A recorded
exemption (leave, illness, secondment abroad) takes a cadre off the list." A cadre did not
take part when, by the statistics cut-off, they have no credited hours or fewer than
``LMS_PARTICIPATION_MIN_SHARE`` of their quota, and no approved exemption in the year.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.offline.models import OfflineTraining, ReviewStatus
from lms.offline.services import exempt_user_ids_query
from lms.org.models import Cadre, Unit
from lms.plans import services as plans


@dataclass
class CadreLine:
    user_id: int
    name: str
    personnel_number: str
    unit_id: int
    hours: float
    quota_hours: float


@dataclass
class UnitLine:
    unit_id: int
    name_path: str
    cadres: int = 0
    participants: int = 0
    exempt: int = 0
    absent: list = field(default_factory=list)  # CadreLine of those listed

    @property
    def rate(self) -> float:
        """Participants among the cadres not exempted."""
        expected = self.cadres - self.exempt
        return self.participants / expected if expected else 1.0


def _cadres(unit: Unit | None):
    query = (
        select(User.id, User.display_name, Cadre.personnel_number, Unit.id, Unit.name_path)
        .join(Cadre, Cadre.user_id == User.id)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.is_active_account.is_(True))
        .order_by(Unit.name_path, User.display_name)
    )
    if unit is not None:
        query = query.where(Unit.tree_path.like(unit.tree_path + "%"))
    return db.session.execute(query).all()


def non_participation(year: int, unit: Unit | None) -> list[UnitLine]:
    """Per unit (each cadre in their own unit), ranked by participation rate, lowest first."""
    min_share = current_app.config["PARTICIPATION_MIN_SHARE"]
    window = plans.stats_window_for(year)
    plan = plans.get_plan(year)
    quotas = plans.quotas_for_cadres(plan, unit) if plan else {}
    hours = {k: v / 3600 for k, v in plans.online_seconds_by_user(year, unit).items()}
    rows = _cadres(unit)
    # A subquery, not a list of every cadre's id (SQLite caps a statement's parameters).
    exempt = set(db.session.scalars(exempt_user_ids_query(*window)))
    units: dict[int, UnitLine] = {}
    for user_id, name, number, unit_id, name_path in rows:
        line = units.setdefault(unit_id, UnitLine(unit_id, name_path))
        line.cadres += 1
        done = round(hours.get(user_id, 0.0), 1)
        quota = quotas[user_id].online_hours if user_id in quotas else 0.0
        if user_id in exempt:
            line.exempt += 1
        elif done > 0 and done >= quota * min_share:
            line.participants += 1
        else:
            line.absent.append(CadreLine(user_id, name, number, unit_id, done, quota))
    return sorted(units.values(), key=lambda u: (u.rate, u.name_path))


def cycle_for(year: int, start: int) -> tuple[int, int]:
    """The five-year cycle (first and last year) that ``year`` falls in."""
    first = start + (year - start) // 5 * 5
    return first, first + 4


def without_general_training(year: int, unit: Unit | None) -> tuple[tuple[int, int], dict]:
    """Cadres with no approved offline training ending in the current five-year cycle so far,
    grouped by unit path. DOMAIN.md: every cadre gets general training at least once every
    five years."""
    first, last = cycle_for(year, current_app.config["FIVE_YEAR_CYCLE_START"])
    trained = set(
        db.session.scalars(
            select(OfflineTraining.user_id).where(
                OfflineTraining.status == ReviewStatus.APPROVED.value,
                OfflineTraining.end_date >= date(first, 1, 1),
                OfflineTraining.end_date <= date(last, 12, 31),
            )
        )
    )
    grouped: dict[str, list] = defaultdict(list)
    for user_id, name, number, unit_id, name_path in _cadres(unit):
        if user_id not in trained:
            grouped[name_path].append(CadreLine(user_id, name, number, unit_id, 0.0, 0.0))
    return (first, last), dict(grouped)
