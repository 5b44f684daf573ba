"""Planning a roster import: every row checked against the database (read only) and marked
new, changed, unchanged or rejected, with the field changes or the reasons."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.forms import USERNAME_PATTERN
from lms.accounts.models import Role, User
from lms.core.personnel import clean_personnel_number, digits_without_zeros, personnel_key
from lms.core.tabular import cell_text
from lms.extensions import db
from lms.org.categories import find_category
from lms.org.models import PATH_SEPARATOR, Cadre, CadreCategory, Unit
from lms.org.tree import OrgError, split_unit_path
from lms.roster.columns import (
    BOOL_FIELDS,
    COLUMNS,
    COLUMNS_BY_KEY,
    DATE_FIELDS,
    TEXT_FIELDS,
    Roster,
    RosterRow,
    parse_bool,
    parse_date,
)

# Far deeper than any real tree (district -> bureau -> section), and keeps the id path
# (Unit.tree_path, 400 characters) within its column.
MAX_UNIT_DEPTH = 30
# A query's IN list stays well below every database's parameter limit.
BATCH = 500


NEW, CHANGED, UNCHANGED, REJECTED = "new", "changed", "unchanged", "rejected"
STATUSES = (REJECTED, NEW, CHANGED, UNCHANGED)
STATUS_LABELS = {
    REJECTED: _l("rejected"),
    NEW: _l("new"),
    CHANGED: _l("changed"),
    UNCHANGED: _l("unchanged"),
}


@dataclass
class Change:
    key: str
    old: str | None  # None for a new cadre
    new: str

    @property
    def label(self) -> str:
        return str(COLUMNS_BY_KEY[self.key].label)


@dataclass
class RowPlan:
    """What importing one row would do: its status, the field changes, or why it is rejected."""

    line: int
    personnel_number: str
    name: str
    unit_text: str  # as written in the file
    unit_path: str = ""  # normalized; empty when the path is missing or invalid
    status: str = UNCHANGED
    changes: list[Change] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)  # units this row creates first
    cadre: Cadre | None = None
    values: dict = field(default_factory=dict)  # field -> new value, only those to set


def _scope_path(importer) -> str | None:
    """The name path a supervisor's rows must lie under; None means everything (admin, CLI)."""
    if importer is None or importer.has_role(Role.ADMIN):
        return None
    if importer.has_role(Role.SUPERVISOR) and importer.unit is not None:
        return importer.unit.name_path
    return ""  # nothing is in scope


def _within(path: str, scope: str | None) -> bool:
    if scope is None:
        return True
    return bool(scope) and (path == scope or path.startswith(scope + PATH_SEPARATOR))


def _in_batches(values):
    values = list(values)
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


class _Lookups:
    """Everything the plan reads from the database, loaded in a few batched queries."""

    def __init__(self, roster: Roster):
        numbers = {
            clean_personnel_number(cell_text(row.values.get("personnel_number")))
            for row in roster.rows
        }
        numbers.discard("")
        keys = {personnel_key(n) for n in numbers}
        #: normal form -> the cadre with that number (lms.core.personnel)
        self.cadres = {}
        for batch in _in_batches(keys):
            for cadre in db.session.scalars(select(Cadre).where(Cadre.personnel_key.in_(batch))):
                self.cadres[cadre.personnel_key] = cadre
        #: digits without leading zeros -> normal forms of cadres that have them: a digits-only
        #: number matching one of these but no cadre exactly lost or gained zeros in Excel.
        self.zero_variants = {}
        stripped = {digits_without_zeros(k) for k in keys if k not in self.cadres} - {None}
        for batch in _in_batches(stripped):
            found = db.session.scalars(
                select(Cadre.personnel_key).where(func.ltrim(Cadre.personnel_key, "0").in_(batch))
            )
            for key in found:
                self.zero_variants.setdefault(digits_without_zeros(key), set()).add(key)
        self.taken_usernames = set()
        for batch in _in_batches(
            {n.lower() for n in numbers if personnel_key(n) not in self.cadres}
        ):
            self.taken_usernames.update(
                db.session.scalars(
                    select(func.lower(User.username)).where(func.lower(User.username).in_(batch))
                )
            )
        self.units = {}  # name path -> Unit, for every prefix of every path in the file
        self._categories = {}

    def load_units(self, paths) -> None:
        prefixes = set()
        for path in paths:
            parts = path.split(PATH_SEPARATOR)
            prefixes.update(PATH_SEPARATOR.join(parts[:n]) for n in range(1, len(parts) + 1))
        for batch in _in_batches(prefixes):
            for unit in db.session.scalars(select(Unit).where(Unit.name_path.in_(batch))):
                self.units[unit.name_path] = unit

    def category(self, text: str) -> CadreCategory | None:
        if text not in self._categories:
            self._categories[text] = find_category(text)
        return self._categories[text]


def plan_import(roster: Roster, importer=None) -> list[RowPlan]:
    """Plan every row against the database (read only); ``importer`` None means admin scope."""
    lookups = _Lookups(roster)
    scope = _scope_path(importer)
    plans = [_read_row(row, roster.columns, lookups) for row in roster.rows]
    _reject_duplicates(plans)
    lookups.load_units(plan.unit_path for plan in plans if plan.unit_path)
    for plan in plans:
        if plan.unit_path:
            _check_scope(plan, scope)
        if plan.reasons:
            plan.status = REJECTED
        elif plan.cadre is None:
            _plan_new(plan, lookups)
        else:
            _plan_update(plan)
    # Each unit to create is announced once, on the first accepted row that needs it.
    announced = set()
    for plan in plans:
        if plan.status in (NEW, CHANGED) and "unit" in plan.values:
            missing = _missing_units(plan.unit_path, lookups.units)
            plan.new_units = [path for path in missing if path not in announced]
            announced.update(missing)
    return plans


def _read_row(row: RosterRow, columns, lookups: _Lookups) -> RowPlan:
    """Turn the raw cells into typed values, collecting a reason for each bad cell."""
    values = row.values
    plan = RowPlan(
        line=row.line,
        personnel_number=clean_personnel_number(cell_text(values.get("personnel_number"))),
        name=cell_text(values.get("name")),
        unit_text=cell_text(values.get("unit")),
    )
    _check_identity(plan)
    key = personnel_key(plan.personnel_number)
    plan.cadre = lookups.cadres.get(key)
    if plan.cadre is None and lookups.zero_variants.get(digits_without_zeros(key), set()) - {key}:
        plan.reasons.append(
            _(
                "The personnel number %(number)s matches an existing cadre's number only when "
                "leading zeros are ignored. Excel drops leading zeros from cells that look like "
                "numbers: format the column as text and write the number in full.",
                number=plan.personnel_number,
            )
        )
    plan.values = {"name": plan.name, **_read_fields(values, columns, lookups, plan.reasons)}
    return plan


def _check_identity(plan: RowPlan) -> None:
    """The three required cells: personnel number (the username to be), name and unit path."""
    reasons = plan.reasons
    for key, text in (
        ("personnel_number", plan.personnel_number),
        ("name", plan.name),
        ("unit", plan.unit_text),
    ):
        limit = COLUMNS_BY_KEY[key].max_length
        if not text:
            reasons.append(_("%(column)s is empty.", column=COLUMNS_BY_KEY[key].label))
        elif limit and len(text) > limit:
            reasons.append(_too_long(key))
    number = plan.personnel_number
    if number and not re.fullmatch(USERNAME_PATTERN, number):
        reasons.append(
            _(
                "The personnel number %(number)s may contain only letters, digits and . _ @ - "
                "(it becomes the username).",
                number=number,
            )
        )
    if plan.unit_text:
        try:
            # People type the full-width slash on Chinese keyboards.
            parts = split_unit_path(plan.unit_text.replace("／", PATH_SEPARATOR))
        except OrgError as exc:
            reasons.append(str(exc))
        else:
            path = PATH_SEPARATOR.join(parts)
            if len(parts) > MAX_UNIT_DEPTH or len(path) > Unit.name_path.type.length:
                reasons.append(
                    _(
                        "The unit path is too long (at most %(count)d levels).",
                        count=MAX_UNIT_DEPTH,
                    )
                )
            else:
                plan.unit_path = path


def _read_fields(values: dict, columns, lookups: _Lookups, reasons: list) -> dict:
    """The optional columns present in the file, typed, in column order."""
    parsed = {}
    for key in (column.key for column in COLUMNS if column.key in columns):
        if key == "category":
            text = cell_text(values.get(key))
            parsed[key] = lookups.category(text) if text else None
            if text and parsed[key] is None:
                reasons.append(_("The category %(name)s is unknown.", name=text))
        elif key in (*TEXT_FIELDS, *DATE_FIELDS, *BOOL_FIELDS):
            try:
                parsed[key] = _parse_cell(key, values.get(key))
            except ValueError:
                reasons.append(
                    _(
                        "%(column)s: “%(value)s” is not valid.",
                        column=COLUMNS_BY_KEY[key].label,
                        value=cell_text(values.get(key)),
                    )
                )
            else:
                limit = COLUMNS_BY_KEY[key].max_length
                if limit and parsed[key] and len(parsed[key]) > limit:
                    reasons.append(_too_long(key))
    return parsed


def _too_long(key: str) -> str:
    column = COLUMNS_BY_KEY[key]
    return _(
        "%(column)s is longer than %(count)d characters.",
        column=column.label,
        count=column.max_length,
    )


def _parse_cell(key: str, value):
    if key in DATE_FIELDS:
        return parse_date(value)
    if key in BOOL_FIELDS:
        return parse_bool(value)
    text = cell_text(value)
    if key == "email" and text and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError(text)
    return text or None


def _reject_duplicates(plans: list[RowPlan]) -> None:
    # Numbers are compared in their normal form, so "a01", "A01" and "Ａ０１" are one cadre.
    counts = Counter(
        personnel_key(plan.personnel_number) for plan in plans if plan.personnel_number
    )
    lines = {}
    for plan in plans:
        lines.setdefault(personnel_key(plan.personnel_number), []).append(plan.line)
    for plan in plans:
        key = personnel_key(plan.personnel_number)
        if plan.personnel_number and counts[key] > 1:
            others = ", ".join(str(line) for line in lines[key] if line != plan.line)
            plan.reasons.append(
                _(
                    "The personnel number %(number)s appears more than once in the file "
                    "(also in row %(rows)s).",
                    number=plan.personnel_number,
                    rows=others,
                )
            )


def _check_scope(plan: RowPlan, scope: str | None) -> None:
    if not _within(plan.unit_path, scope):
        plan.reasons.append(_("The unit %(unit)s is outside your scope.", unit=plan.unit_path))
    if plan.cadre is not None:
        current = plan.cadre.user.unit
        if scope is not None and (current is None or not _within(current.name_path, scope)):
            # The number is someone's who is not the importer's to see or change: the row
            # is refused rather than made a second cadre (issue 19).
            plan.reasons.append(
                _(
                    "The personnel number %(number)s belongs to a unit outside your scope; "
                    "ask the organization department.",
                    number=plan.personnel_number,
                )
            )


def _missing_units(path: str, units: dict) -> list[str]:
    parts = path.split(PATH_SEPARATOR)
    prefixes = [PATH_SEPARATOR.join(parts[:n]) for n in range(1, len(parts) + 1)]
    return [prefix for prefix in prefixes if prefix not in units]


def _plan_new(plan: RowPlan, lookups: _Lookups) -> None:
    if plan.personnel_number.lower() in lookups.taken_usernames:
        plan.reasons.append(
            _(
                "The username %(name)s is already taken by another account.",
                name=plan.personnel_number,
            )
        )
        plan.status = REJECTED
        return
    plan.status = NEW
    plan.values["unit"] = plan.unit_path
    for key, value in plan.values.items():
        if value not in (None, "", False):
            plan.changes.append(Change(key, None, _display(key, value)))


def _current_values(cadre: Cadre) -> dict:
    user = cadre.user
    return {
        "name": user.display_name,
        "unit": user.unit.name_path if user.unit else None,
        "category": cadre.category,
        "rank": cadre.rank,
        "position": cadre.position,
        "date_of_birth": cadre.date_of_birth,
        "is_reserve": cadre.is_reserve,
        "last_promoted_on": cadre.last_promoted_on,
        "is_key_position": cadre.is_key_position,
        "email": user.email,
        "phone": user.phone,
    }


def _plan_update(plan: RowPlan) -> None:
    # A blank cell leaves an existing value alone: a roster with gaps must not wipe records.
    wanted = {key: value for key, value in plan.values.items() if value not in (None, "")}
    wanted["unit"] = plan.unit_path
    current = _current_values(plan.cadre)
    plan.values = {key: value for key, value in wanted.items() if current[key] != value}
    plan.changes = [
        Change(key, _display(key, current[key]), _display(key, value))
        for key, value in plan.values.items()
    ]
    plan.status = CHANGED if plan.changes else UNCHANGED


def _display(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, CadreCategory):
        return value.display_name(str(get_locale() or "zh_CN"))
    return str(value)


# --- summary ------------------------------------------------------------------------------


def count_statuses(plans) -> dict[str, int]:
    counts = Counter(plan.status for plan in plans)
    return {status: counts.get(status, 0) for status in STATUSES}


def units_to_create(plans) -> list[str]:
    return [path for plan in plans if plan.status != REJECTED for path in plan.new_units]
