"""The crediting rules as pure functions: how much a beat may earn, and on which dates."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lms.tracking.intervals import Interval, take_seconds, uncovered_parts, union


@dataclass(frozen=True)
class BeatCredit:
    coverage: list[Interval]  # the lesson's credited coverage after this beat
    credited_seconds: float  # what this beat added


def allowance_seconds(
    now: datetime,
    last_user_beat_at: datetime | None,
    view_opened_at: datetime,
    max_rate: float,
    heartbeat_seconds: float,
) -> float:
    """Rule 5: real time since the user's previous beat (or the view's opening, if later),
    times the maximum playback rate, and never more than two heartbeat intervals' worth."""
    since = view_opened_at if last_user_beat_at is None else max(last_user_beat_at, view_opened_at)
    elapsed = max(0.0, (now - since).total_seconds())
    return min(elapsed * max_rate, 2 * heartbeat_seconds * max_rate)


def credit_beat(coverage: list[Interval], played: list[Interval], allowance: float) -> BeatCredit:
    """Rule 4 within rule 5: only parts never credited before, in playing order, up to the
    allowance. What the allowance cannot pay for stays uncredited, so it can be earned by
    playing it again later in real time."""
    current = union(coverage)
    left = allowance
    gained: list[Interval] = []
    for segment in played:
        if left <= 0:
            break
        fresh = uncovered_parts(union([*current, *gained]), segment)
        taken = take_seconds(fresh, left)
        left -= sum(end - start for start, end in taken)
        gained.extend(taken)
    new_coverage = union([*current, *gained])
    credited = sum(end - start for start, end in union(gained))
    return BeatCredit(coverage=new_coverage, credited_seconds=credited)


@dataclass(frozen=True)
class UserBeat:
    """What one beat changes: the user's clock, the lesson's coverage and the ledger."""

    clock_at: datetime  # the user's clock after the beat: never earlier than before it
    coverage: list[Interval]  # the lesson's credited coverage after this beat
    credited_seconds: float  # what this beat added
    by_date: dict[date, float]  # that credit on the local dates it fell on (rule 7)


def credit_user_beat(
    now: datetime,
    clock_at: datetime | None,
    view_opened_at: datetime,
    coverage: list[Interval],
    played: list[Interval],
    max_rate: float,
    heartbeat_seconds: float,
    zone: ZoneInfo,
) -> UserBeat:
    """Rules 4, 5 and 7 for one beat read at ``now``, the user's clock standing at ``clock_at``.

    The clock only moves forward. The service reads ``now`` once it holds the clock, so a
    later beat cannot have moved it past ``now``; but two servers' clocks (or a simulation's)
    may still disagree, and a reading behind the clock then earns nothing and leaves the
    clock where it was: no stretch of real time is ever paid twice.
    """
    allowance = allowance_seconds(now, clock_at, view_opened_at, max_rate, heartbeat_seconds)
    result = credit_beat(coverage, played, allowance)
    return UserBeat(
        clock_at=now if clock_at is None else max(clock_at, now),
        coverage=result.coverage,
        credited_seconds=result.credited_seconds,
        by_date=split_by_local_date(now, result.credited_seconds, zone),
    )


def split_by_local_date(end_utc: datetime, seconds: float, zone: ZoneInfo) -> dict[date, float]:
    """Rule 7: book ``seconds`` that ended at ``end_utc`` on the local dates they fell on."""
    if seconds <= 0:
        return {}
    end = end_utc.replace(tzinfo=UTC).astimezone(zone)
    start = end - timedelta(seconds=seconds)
    booked: dict[date, float] = {}
    cursor = start
    while cursor < end:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), tzinfo=zone)
        piece_end = min(end, next_midnight)
        booked[cursor.date()] = (
            booked.get(cursor.date(), 0.0) + (piece_end - cursor).total_seconds()
        )
        cursor = piece_end
    return booked
