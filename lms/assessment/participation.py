"""The non-participation list (通报) and the five-year rule, computed live for a subtree.

docs/domain.md: "Those who did not take part 'for no reason' are listed per unit. A recorded
exemption (leave, illness, secondment abroad) takes a cadre off the list." Taking part is
``lms.reports.figures.took_part``, the dashboards' one definition: a cadre not exempted did
not take part when, by the statistics cut-off, they have no credited hours or fewer than
``LMS_PARTICIPATION_MIN_SHARE`` of their quota (any hours where no quota applies).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, func, not_, or_, select

from lms.accounts.models import User
from lms.extensions import db
from lms.offline.models import OfflineTraining, ReviewStatus
from lms.org.models import Cadre, Unit
from lms.reports import figures as reports


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
    def rate(self) -> float | None:
        """Participants among the cadres not exempted; None when every cadre is exempted
        (no one was expected to take part: neither 0 % nor 100 %)."""
        expected = self.cadres - self.exempt
        return self.participants / expected if expected else None


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
    return query


def non_participation(year: int, unit: Unit | None) -> list[UnitLine]:
    """Per unit (each cadre in their own unit), ranked by participation rate, lowest first.

    Hours, quota and exemption are the dashboards' per-cadre rows (``cadre_figures``), so
    the list agrees with the dashboards by construction. One statement whatever the number
    of cadres: each unit's tallies are window sums over its cadres' rows, and only the
    cadres who did not take part, and one row of every unit, are read.
    """
    context = reports.make_context(year)
    figures = reports.cadre_figures(reports.Scope.of(unit), context).subquery("cadre_figures")
    # One definition of taking part everywhere (the dashboards count with the same one).
    took_part = reports.took_part(figures.c)
    is_absent = and_(figures.c.is_exempt == 0, not_(took_part))
    in_unit = {"partition_by": figures.c.unit_id}
    rows = (
        select(
            figures.c.unit_id,
            Unit.name_path,
            func.count().over(**in_unit).label("cadres"),
            func.sum(case((took_part, 1), else_=0)).over(**in_unit).label("participants"),
            func.sum(figures.c.is_exempt).over(**in_unit).label("exempt"),
            func.row_number().over(**in_unit).label("position"),
            case((is_absent, 1), else_=0).label("is_absent"),
            figures.c.user_id,
            User.display_name,
            Cadre.personnel_number,
            figures.c.done_hours,
            figures.c.quota_hours,
        )
        .join(User, User.id == figures.c.user_id)
        .join(Cadre, Cadre.id == figures.c.cadre_id)
        .join(Unit, Unit.id == figures.c.unit_id)
        .subquery("cadre_rows")
    )
    units: dict[int, UnitLine] = {}
    for row in db.session.execute(
        select(rows)
        .where(or_(rows.c.is_absent == 1, rows.c.position == 1))
        .order_by(rows.c.name_path, rows.c.display_name, rows.c.user_id)
    ):
        line = units.get(row.unit_id)
        if line is None:
            counts = int(row.cadres), int(row.participants), int(row.exempt)
            line = units[row.unit_id] = UnitLine(row.unit_id, row.name_path, *counts)
        if row.is_absent:
            hours, quota = round(float(row.done_hours), 1), float(row.quota_hours)
            line.absent.append(
                CadreLine(
                    row.user_id, row.display_name, row.personnel_number, row.unit_id, hours, quota
                )
            )
    # Lowest rate first; units with no one expected to take part last.
    return sorted(units.values(), key=lambda u: (u.rate is None, u.rate or 0.0, u.name_path))


def cycle_for(year: int, start: int) -> tuple[int, int]:
    """The five-year cycle (first and last year) that ``year`` falls in."""
    first = start + (year - start) // 5 * 5
    return first, first + 4


def without_general_training(year: int, unit: Unit | None) -> tuple[tuple[int, int], dict]:
    """Cadres with no approved offline training ending in the current five-year cycle so far,
    grouped by unit path. docs/domain.md: every cadre gets general training at least once every
    five years."""
    first, last = cycle_for(year, current_app.config["FIVE_YEAR_CYCLE_START"])
    trained = select(OfflineTraining.user_id).where(
        OfflineTraining.status == ReviewStatus.APPROVED.value,
        OfflineTraining.end_date >= date(first, 1, 1),
        OfflineTraining.end_date <= date(last, 12, 31),
    )
    grouped: dict[str, list] = defaultdict(list)
    for user_id, name, number, unit_id, name_path in db.session.execute(
        _cadres(unit).where(User.id.not_in(trained))
    ):
        grouped[name_path].append(CadreLine(user_id, name, number, unit_id, 0.0, 0.0))
    return (first, last), dict(grouped)
