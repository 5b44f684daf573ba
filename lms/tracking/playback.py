"""One playback per account: which of a user's views may beat now, and taking over.

The user's clock row (``CreditClock``) names the one view playing. A view that starts playing
claims it; the view it took over from is *superseded*: its beats are refused with 409
``playing_elsewhere``, except one closing beat, credited only for the real time before the
takeover (from the clock's reading then to the takeover), so the seconds it played before
are neither lost nor paid twice: the new view earns from the takeover on.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.tracking.models import CreditClock, LessonView
from lms.tracking.viewing import BeatError, ensure_clock

PLAYING, CLAIM, CLOSING, ELSEWHERE = "playing", "claim", "closing", "elsewhere"


class PlayingElsewhere(BeatError):
    """A beat of a view another view of the same account has taken over from."""

    code = "playing_elsewhere"

    def __init__(self, keep: bool = False):
        super().__init__(
            _("This account is playing on another device. Take over to play here."), status=409
        )
        self.keep = keep  # a closing beat: its credit for the time before the takeover stays


def standing(
    view_id: int,
    playing_view_id: int | None,
    playing_since: datetime | None,
    clock_at: datetime | None,
    superseded_at: datetime | None,
    view_last_beat_at: datetime | None,
    now: datetime,
    idle_seconds: float,
) -> str:
    """What a beat of ``view_id`` is, given the user's clock (a pure rule).

    ``playing``: the view holds the playback. ``closing``: it was taken over and has not
    beaten since. ``claim``: no view plays (none claimed, or the one that did has been silent
    for ``idle_seconds``: a closed tab, a paused player), so this one takes the playback.
    ``elsewhere``: another view plays; the beat is refused.
    """
    if playing_view_id == view_id:
        return PLAYING
    if superseded_at is not None and (
        view_last_beat_at is None or view_last_beat_at < superseded_at
    ):
        return CLOSING
    if playing_view_id is None:
        return CLAIM
    moments = [moment for moment in (clock_at, playing_since) if moment is not None]
    if not moments or (now - max(moments)).total_seconds() >= idle_seconds:
        return CLAIM
    return ELSEWHERE


_CLOCK, _VIEW = CreditClock.__table__, LessonView.__table__


def take_playback(
    connection, user_id: int, view_id: int, previous: int | None, now: datetime,
    handover_from: datetime | None, clock_to: datetime | None = None,
) -> None:  # fmt: skip
    """Make ``view_id`` the user's playing view and supersede the ``previous`` one at ``now``,
    its closing beat bounded from ``handover_from``; ``clock_to`` moves the user's clock (the
    new view earns from there on). The caller holds the clock."""
    if previous is not None and previous != view_id:
        connection.execute(
            update(_VIEW)
            .where(_VIEW.c.id == previous)
            .values(superseded_at=now, handover_from=handover_from)
        )
    values = {"playing_view_id": view_id, "playing_since": now}
    if clock_to is not None:
        values["last_beat_at"] = clock_to
    connection.execute(update(_CLOCK).where(_CLOCK.c.user_id == user_id).values(**values))
    connection.execute(
        update(_VIEW).where(_VIEW.c.id == view_id).values(superseded_at=None, handover_from=None)
    )


def claim_playback(view: LessonView, now: datetime | None = None) -> None:
    """The take-over button (and every start of play): ``view`` becomes the one playing.
    ``now``: the moment of the claim in simulated time (the demo's history), else the clock.

    The clock row is locked before it is read, as a beat locks it, so a claim and the beats
    of the user's other views are serialized: a beat sees either the old or the new playing
    view, never a mixture, and the clock moves forward only.
    """
    ensure_clock(view.user_id)
    db.session.flush()
    connection = db.session.connection()
    clock = connection.execute(
        select(_CLOCK.c.playing_view_id, _CLOCK.c.last_beat_at)
        .where(_CLOCK.c.user_id == view.user_id)
        .with_for_update()
    ).one()
    now = now or utcnow()  # read after the lock, as a beat reads its time
    previous, clock_at = clock.playing_view_id, clock.last_beat_at
    taking_over = previous not in (None, view.id)
    # The previous view keeps the real time up to now for its closing beat; the clock moves
    # to now, so this view earns from now on: the two stretches never overlap.
    moved = now if taking_over and (clock_at is None or now > clock_at) else None
    take_playback(connection, view.user_id, view.id, previous, now, clock_at, clock_to=moved)
    for model, key in ((CreditClock, view.user_id), (LessonView, view.id)):
        loaded = db.session.identity_map.get(db.session.identity_key(model, key))
        if loaded is not None:
            db.session.expire(loaded)
