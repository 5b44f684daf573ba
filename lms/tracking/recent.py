"""The forecast's recent weeks, summed once a day ahead of the dashboards.

Every outlook on the dashboards needs each cadre's credit in the last ``FORECAST_WEEKS``
weeks (``lms.tracking.forecast.recent_window``). That window slides every day, so no total
kept by the beats can hold it (``lms.tracking.totals``), and summing a province's ledger days
for it (a quarter of a million rows) was a fifth of the overview's time. So an hourly job
(``build_for_today``) sums the window's days *before today* per cadre into
``recent_credit`` once a day; a dashboard adds the few rows of today's ledger to it.

It must equal the ledger, or the outlooks would drift from the cadre's own forecast (which
sums their ledger days, ``lms.plans.quotas.forecast_for``). The beats book today's date, which
the dashboards read live. Anything that writes an earlier day of the window (a beat that
crosses midnight, a merge moving a cadre's days, a fixture, ``totals check --fix``) clears
``valid`` in its own transaction (``invalidate``, called where the totals are kept), and the
dashboards sum the ledger as before until the next build. A build locks the state row for
update before it reads the ledger, and such a write takes it shared first: the write either
commits before the build reads (and is summed) or waits for the build and clears what it
built.
"""

from datetime import date

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from lms.core.timeutil import utcnow
from lms.tracking.forecast import recent_window
from lms.tracking.models import DailyCredit, RecentCredit, RecentCreditState

_RECENT, _STATE, _DAILY = (
    RecentCredit.__table__,
    RecentCreditState.__table__,
    DailyCredit.__table__,
)
STATE_ID = 1


def is_valid_for(session, from_date: date, as_of: date) -> bool:
    """Whether ``recent_credit`` holds the ledger's days from ``from_date`` up to the day
    before ``as_of``, as they are now."""
    found = session.scalar(
        select(_STATE.c.id).where(
            _STATE.c.id == STATE_ID,
            _STATE.c.valid.is_(True),
            _STATE.c.from_date == from_date,
            _STATE.c.as_of == as_of,
        )
    )
    return found is not None


def invalidate(connection, earliest_day: date, latest_day: date) -> None:
    """A ledger write touched days from ``earliest_day`` to ``latest_day``: clear the sums if
    they hold any of them.

    The state row is read with a shared lock: writers do not wait for each other, but they
    wait for a build in progress (which holds it for update) and then see what it built; a
    build waits for them, and then its ledger read includes their rows. A write of today
    (every beat but one crossing midnight) never comes here: today is read live."""
    state = connection.execute(
        select(_STATE.c.valid, _STATE.c.from_date, _STATE.c.as_of)
        .where(_STATE.c.id == STATE_ID)
        .with_for_update(read=True)
    ).first()
    if state is None or not state.valid:
        return
    if earliest_day < state.as_of and latest_day >= state.from_date:
        invalidate_all(connection)


def invalidate_all(connection) -> None:
    connection.execute(update(_STATE).where(_STATE.c.id == STATE_ID).values(valid=False))


def build(connection, from_date: date, as_of: date) -> int:
    """Sum the ledger's days from ``from_date`` up to the day before ``as_of`` per user into
    ``recent_credit`` and mark it valid; returns the users summed. The caller commits."""
    _lock_state(connection, from_date, as_of)
    connection.execute(delete(_RECENT))
    summed = (
        select(_DAILY.c.user_id, func.sum(_DAILY.c.seconds))
        .where(_DAILY.c.local_date >= from_date, _DAILY.c.local_date < as_of)
        .group_by(_DAILY.c.user_id)
    )
    connection.execute(insert(_RECENT).from_select(["user_id", "seconds"], summed))
    written = connection.scalar(select(func.count()).select_from(_RECENT))
    connection.execute(
        update(_STATE)
        .where(_STATE.c.id == STATE_ID)
        .values(from_date=from_date, as_of=as_of, valid=True, built_at=utcnow())
    )
    return written


def _lock_state(connection, from_date: date, as_of: date) -> None:
    """Take the state row for this transaction, cleared: writes that would clear it wait
    until the build commits. The row exists from the migration on; made here when missing
    (tables made by ``create_all``), on PostgreSQL in a transaction of its own, committed
    first, so that a writer racing this build finds a row to wait on."""
    exists = select(_STATE.c.id).where(_STATE.c.id == STATE_ID)
    if connection.execute(exists).first() is None:
        first = {"id": STATE_ID, "from_date": from_date, "as_of": as_of, "valid": False}
        if connection.dialect.name == "postgresql":
            with connection.engine.begin() as own:
                own.execute(
                    pg_insert(_STATE).values(**first, built_at=utcnow()).on_conflict_do_nothing()
                )
        else:  # SQLite: one writer at a time, no race to lose
            connection.execute(insert(_STATE).values(**first, built_at=utcnow()))
    connection.execute(exists.with_for_update()).first()
    invalidate_all(connection)


def build_for_today(connection, window: tuple[date, date], today: date, weeks: int) -> int | None:
    """Build the sums for ``today``'s recent weeks within the statistics ``window`` unless
    they are built and valid; returns the users summed, or None when nothing was to do."""
    as_of, from_date = recent_window(window, today, weeks)
    state = connection.execute(
        select(_STATE.c.valid, _STATE.c.from_date, _STATE.c.as_of).where(_STATE.c.id == STATE_ID)
    ).first()
    if state is not None and tuple(state) == (True, from_date, as_of):
        return None
    return build(connection, from_date, as_of)


def check(connection) -> list[str]:
    """Differences between valid sums and the ledger's days they stand for (empty when the
    sums are not valid: the dashboards do not read them then)."""
    state = connection.execute(
        select(_STATE.c.valid, _STATE.c.from_date, _STATE.c.as_of).where(_STATE.c.id == STATE_ID)
    ).first()
    if state is None or not state.valid:
        return []
    ledger = dict(
        connection.execute(
            select(_DAILY.c.user_id, func.sum(_DAILY.c.seconds))
            .where(_DAILY.c.local_date >= state.from_date, _DAILY.c.local_date < state.as_of)
            .group_by(_DAILY.c.user_id)
        ).all()
    )
    kept = dict(connection.execute(select(_RECENT.c.user_id, _RECENT.c.seconds)).all())
    problems = []
    for user_id in sorted(set(ledger) | set(kept)):
        expected, found = float(ledger.get(user_id) or 0), float(kept.get(user_id) or 0)
        if abs(expected - found) > 0.01:
            problems.append(
                f"recent weeks of user {user_id} from {state.from_date} to {state.as_of}: "
                f"kept {found:.2f} s, ledger {expected:.2f} s"
            )
    return problems
