"""The rules of classes as plain functions: sessions against blackouts and each other, seats
free in the open pool and in a unit's quota, and the cancellation deadline."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time


@dataclass(frozen=True)
class Slot:
    """A session's day and local times (``end`` after ``start``)."""

    day: date
    start: time
    end: time


@dataclass(frozen=True)
class Period:
    """A blackout: ``first`` to ``last`` inclusive."""

    first: date
    last: date
    reason: str = ""


def overlaps(a: Slot, b: Slot) -> bool:
    """Two sessions overlap when they share a day and some time (touching ends do not)."""
    return a.day == b.day and a.start < b.end and b.start < a.end


def first_overlap(slots: Iterable[Slot], others: Iterable[Slot]) -> tuple[Slot, Slot] | None:
    """The first pair (one of ``slots``, one of ``others``) that overlaps, if any."""
    others = list(others)
    for slot in slots:
        for other in others:
            if overlaps(slot, other):
                return slot, other
    return None


def blackout_for(day: date, periods: Iterable[Period]) -> Period | None:
    """The blackout period ``day`` falls in, if any."""
    return next((p for p in periods if p.first <= day <= p.last), None)


def open_seats(capacity: int, quota_seats: int, open_taken: int) -> int:
    """Seats free for sign-ups: the capacity less the seats set aside for units and the
    open seats already held (never below zero)."""
    return max(0, capacity - quota_seats - open_taken)


def quota_seats_free(seats: int, taken: int) -> int:
    return max(0, seats - taken)


def may_cancel(today: date, cancel_until: date) -> bool:
    """A place may be given up until the end of the deadline's day."""
    return today <= cancel_until


def enrolment_open(today: date, opens_on: date, closes_on: date) -> bool:
    return opens_on <= today <= closes_on
