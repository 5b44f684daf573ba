"""Totals kept with the ledger: each cadre's online seconds per statistics year.

The ledger (``DailyCredit``) books a beat's seconds by local date; the dashboards want them
by statistics year, for 100,000 cadres at once. Summing the ledger on every page costs
seconds for a province (three million rows), so each beat also adds its seconds to the
``CreditTotal`` row of the year each date counts toward, in the beat's transaction, with the
same atomic upsert as the ledger (``INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x``,
on PostgreSQL and SQLite alike): two beats of one cadre at once (two tabs, two processes)
never lose an update, even without the cadre's clock lock.

A row holds the year's seconds, its weekend (Saturday and Sunday) seconds and its seconds
per calendar month of the window (``month_00`` is the month of the window's first day), so
every figure of the overview (hours, weekend hours, hours by month) is one pass over one row
per cadre. The forecast's recent weeks slide every day, so no total can hold them: they are
summed once a day (``lms.tracking.recent``), and a write here to a day before today clears
those sums.

Which year (and month of the window) a date counts toward depends on the plans' cut-offs,
so a changed cut-off re-totals the years it moves dates between (``retotal_after_cutoff_change``,
called where the plan is saved, beside the quiz results' re-filing). ``check`` compares the
totals with the ledger (``flask --app lms totals check``), ``retotal`` rebuilds them.
Ledger rows written through the ORM session (fixtures, imports: objects, or
``session.execute(insert(DailyCredit), rows)``) update the totals by session and mapper
events; SQL run on a bare connection, a bulk UPDATE or DELETE, or ``insert().values()``
bypass them and must be followed by ``retotal`` (``totals check --fix``).

Required-course seconds are NOT kept here: whether a second counts as required depends on
the plan's assignments and their audiences (a cadre's unit, category, rank, age on the plan's
date...) and on the viewing session's opening time, all of which change without any beat
(an assignment added, a cadre moved or promoted). A total kept by the beats would be wrong
after each such change until re-totalled; ``lms.plans.hours.required_seconds_by_user``
computes them exactly from the views when the assessment needs them (no dashboard shows them).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    delete,
    event,
    func,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lms.core import statsyear
from lms.core.timeutil import local_today
from lms.tracking import recent
from lms.tracking.models import MONTHS_IN_WINDOW, CreditTotal, DailyCredit

_TOTAL, _DAILY = CreditTotal.__table__, DailyCredit.__table__
MONTH_COLUMNS = tuple(f"month_{n:02d}" for n in range(MONTHS_IN_WINDOW))
SUMMED = ("seconds", "weekend_seconds", *MONTH_COLUMNS)
TOLERANCE = 0.01  # seconds: sums of floats in another order differ by far less


def month_index(day: date, window_start: date) -> int:
    """The calendar month of ``day`` counted from that of ``window_start`` (0, 1, ...)."""
    return (day.year - window_start.year) * 12 + day.month - window_start.month


def month_starts(window: tuple[date, date]) -> list[date]:
    """The first day of each calendar month of ``window`` (the first: the window's start)."""
    start, end = window
    starts, cursor = [start], date(start.year, start.month, 1)
    while True:
        cursor = (cursor + timedelta(days=32)).replace(day=1)
        if cursor > end:
            return starts
        starts.append(cursor)


def _upsert_total(dialect: str):
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(_TOTAL)
    return statement.on_conflict_do_update(
        index_elements=[_TOTAL.c.user_id, _TOTAL.c.year],
        set_={name: _TOTAL.c[name] + statement.excluded[name] for name in SUMMED},
    )


_UPSERT_TOTAL = {dialect: _upsert_total(dialect) for dialect in ("postgresql", "sqlite")}
_ZEROS = dict.fromkeys(SUMMED, 0.0)


def add_to_totals(connection, user_id: int, by_date: dict[date, float]) -> None:
    """Add seconds booked by local date to the totals of the years the dates count toward
    (one upsert per year, usually one per beat; two when a beat crosses the cut-off)."""
    add_rows_to_totals(connection, ((user_id, day, seconds) for day, seconds in by_date.items()))


def add_rows_to_totals(connection, rows: Iterable[tuple[int, date, float]]) -> None:
    """Add ledger rows ``(user_id, local_date, seconds)`` to the totals: summed per user and
    year here, then one upsert per (user, year), all in one executemany."""
    totals: dict[tuple[int, int], dict] = {}
    windows: dict[int, date] = {}
    days: set[date] = set()
    for user_id, day, seconds in rows:
        days.add(day)
        year = statsyear.year_of(day)
        if year not in windows:
            windows[year] = statsyear.window(year)[0]
        row = totals.get((user_id, year))
        if row is None:
            row = totals[user_id, year] = {**_ZEROS, "user_id": user_id, "year": year}
        row["seconds"] += seconds
        if day.weekday() >= 5:
            row["weekend_seconds"] += seconds
        row[MONTH_COLUMNS[month_index(day, windows[year])]] += seconds
    if totals:
        connection.execute(_UPSERT_TOTAL[connection.dialect.name], list(totals.values()))
    if days and min(days) < local_today():  # a day before today: the recent sums may hold it
        recent.invalidate(connection, min(days), max(days))


def _day_of(target, attribute: str, old: bool):
    history = inspect(target).attrs[attribute].history
    if old and history.deleted:
        return history.deleted[0]
    return getattr(target, attribute)


@event.listens_for(Session, "do_orm_execute")
def _ledger_rows_inserted(state) -> None:
    """``session.execute(insert(DailyCredit), rows)`` (an ORM bulk insert: fixtures, imports)
    runs no mapper event: its rows are added to the totals after it, in its transaction."""
    if not state.is_insert or getattr(state.statement.table, "name", None) != _DAILY.name:
        return
    parameters = state.parameters
    if not parameters:
        return  # ``insert(...).values(...)``: no rows to read here (documented)
    if isinstance(parameters, dict):
        parameters = [parameters]
    result = state.invoke_statement()
    add_rows_to_totals(
        state.session.connection(),
        ((p["user_id"], p["local_date"], float(p.get("seconds") or 0)) for p in parameters),
    )
    return result


@event.listens_for(DailyCredit, "after_insert")
def _ledger_row_added(_mapper, connection, target) -> None:
    """A ledger row written through the ORM (imports, fixtures; beats use Core and add to
    the totals themselves) is added to the totals in the same flush."""
    add_to_totals(connection, target.user_id, {target.local_date: float(target.seconds or 0)})


@event.listens_for(DailyCredit, "after_update")
def _ledger_row_changed(_mapper, connection, target) -> None:
    before_day = _day_of(target, "local_date", old=True)
    before = float(_day_of(target, "seconds", old=True) or 0)
    before_user = _day_of(target, "user_id", old=True)
    add_to_totals(connection, before_user, {before_day: -before})
    add_to_totals(connection, target.user_id, {target.local_date: float(target.seconds or 0)})


@event.listens_for(DailyCredit, "after_delete")
def _ledger_row_removed(_mapper, connection, target) -> None:
    add_to_totals(connection, target.user_id, {target.local_date: -float(target.seconds or 0)})


# --- rebuilding and checking from the ledger -----------------------------------------------


def _is_weekend(dialect: str):
    if dialect == "postgresql":
        return func.extract("isodow", _DAILY.c.local_date) >= 6
    return cast(func.strftime("%w", _DAILY.c.local_date), Integer).in_((0, 6))


def ledger_totals(dialect: str, year: int, user_ids=None):
    """A select of what ``year``'s totals must be, per user, summed from the ledger
    (``user_ids``: a select of ids or a list, to limit it)."""
    window = statsyear.window(year)
    starts = month_starts(window)
    weekend = _is_weekend(dialect)
    columns = [
        _DAILY.c.user_id,
        literal(year).label("year"),
        func.sum(_DAILY.c.seconds).label("seconds"),
        func.sum(case((weekend, _DAILY.c.seconds), else_=0.0)).label("weekend_seconds"),
    ]
    for n, name in enumerate(MONTH_COLUMNS):
        if n >= len(starts):
            columns.append(literal(0.0).label(name))
            continue
        in_month = _DAILY.c.local_date >= starts[n]
        if n + 1 < len(starts):
            in_month = and_(in_month, _DAILY.c.local_date < starts[n + 1])
        columns.append(func.sum(case((in_month, _DAILY.c.seconds), else_=0.0)).label(name))
    query = select(*columns).where(
        _DAILY.c.local_date >= window[0], _DAILY.c.local_date <= window[1]
    )
    if user_ids is not None:
        query = query.where(_DAILY.c.user_id.in_(user_ids))
    return query.group_by(_DAILY.c.user_id)


def ledger_years(connection) -> list[int]:
    """The statistics years the ledger has any seconds in, oldest first."""
    first, last = connection.execute(
        select(func.min(_DAILY.c.local_date), func.max(_DAILY.c.local_date))
    ).one()
    if first is None:
        return []
    return list(range(statsyear.year_of(first), statsyear.year_of(last) + 1))


def _hold_totals(connection) -> None:
    """On PostgreSQL, keep beats from writing totals while they are rebuilt: a beat that
    booked its day before the rebuild read the ledger adds its seconds to the rebuilt row
    after (it waits for this transaction), one that booked after added them to the old row,
    which the rebuild replaces. Readers are not held. SQLite has one writer at a time."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE credit_total IN EXCLUSIVE MODE"))


def retotal(connection, years: Iterable[int] | None = None) -> int:
    """Rebuild the totals of ``years`` (default: every year) from the ledger, by the cut-offs
    as they are now; returns how many total rows were written. Runs in the caller's
    transaction."""
    _hold_totals(connection)
    if years is None:
        years = ledger_years(connection)
        connection.execute(delete(_TOTAL))
    else:
        years = sorted(set(years))
        connection.execute(delete(_TOTAL).where(_TOTAL.c.year.in_(years)))
    written = 0
    dialect = connection.dialect.name
    for year in years:
        query = ledger_totals(dialect, year)
        result = connection.execute(
            _TOTAL.insert().from_select([c.name for c in query.selected_columns], query)
        )
        written += max(result.rowcount or 0, 0)
    return written


def retotal_after_cutoff_change(
    connection, year: int, cutoff_before: tuple[int, int]
) -> int | None:
    """Re-total the years whose windows a change of ``year``'s cut-off moves dates between
    (``year`` and the next); None (nothing done) when the cut-off is what it was."""
    if statsyear.cutoff_for(year) == tuple(cutoff_before):
        return None
    return retotal(connection, (year, year + 1))


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    year: int
    column: str
    total: float  # what the totals hold
    ledger: float  # what the ledger sums to

    def __str__(self) -> str:
        return (
            f"user {self.user_id} year {self.year} {self.column}: "
            f"total {self.total:.3f} != ledger {self.ledger:.3f}"
        )


def check(connection, years: Iterable[int] | None = None) -> list[Mismatch]:
    """Every (user, year, column) whose total differs from the ledger's sum (rows missing on
    either side count as zeros), for ``years`` (default: every year in either)."""
    if years is None:
        kept = connection.execute(select(_TOTAL.c.year).distinct()).scalars()
        years = sorted(set(ledger_years(connection)) | set(kept))
    dialect = connection.dialect.name
    mismatches = []
    for year in years:
        expected = {
            row.user_id: row._mapping for row in connection.execute(ledger_totals(dialect, year))
        }
        held = {
            row.user_id: row._mapping
            for row in connection.execute(select(_TOTAL).where(_TOTAL.c.year == year))
        }
        for user_id in sorted(set(expected) | set(held)):
            want, have = expected.get(user_id), held.get(user_id)
            for column in SUMMED:
                a = float(have[column]) if have is not None else 0.0
                b = float(want[column]) if want is not None else 0.0
                if abs(a - b) > TOLERANCE:
                    mismatches.append(Mismatch(user_id, year, column, a, b))
    return mismatches
