"""What happened, announced to whoever cares: blinker signals, and work deferred to the commit.

A feature announces a fact (a cadre changed, a unit moved, an attempt was submitted, an upload
finished) with ``signal.send(...)``; features above it listen, and a listener that queues a
job does so with ``after_commit``, so the job never sees a row that was rolled back and never
runs before the row it reads is visible. No feature imports another's ``tasks``
(docs/architecture.md).
"""

from collections.abc import Callable

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

_signals = Namespace()

#: A cadre's unit, categories, rank, groups or active flag changed; ``user_ids`` lists them.
cadre_changed = _signals.signal("cadre-changed")
#: Units were created, moved or renamed (audiences by unit may now match other cadres).
units_changed = _signals.signal("units-changed")
#: A quiz attempt was submitted or closed by its deadline; ``attempt`` is the row.
attempt_submitted = _signals.signal("attempt-submitted")
#: An uploaded file is complete and its asset row exists; ``asset_id`` names it.
upload_finished = _signals.signal("upload-finished")
#: A job consumer is stopping: running jobs hand their work back (media stops ffmpeg).
consumer_stopping = _signals.signal("consumer-stopping")

_PENDING = "lms_after_commit"


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run ``callback`` once ``session``'s transaction commits; forget it if it rolls back.

    The same callback registered twice in one transaction runs once (two edits of one cadre
    in a request queue one plan sync).
    """
    pending = session.info.setdefault(_PENDING, [])
    if callback not in pending:
        pending.append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_PENDING, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
