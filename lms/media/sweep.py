"""The sweep: re-queue media jobs whose worker died or that never started."""

import logging
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from lms.core.timeutil import utcnow
from lms.courses.models import LessonStatus
from lms.extensions import db
from lms.media.models import AssetStatus, MediaAsset
from lms.media.processing_job import (
    MAX_ATTEMPTS,
    has_active_asset,
    queue_processing,
    stale_before,
)

log = logging.getLogger(__name__)


def sweep_stale(now: datetime | None = None) -> list[int]:
    """Re-queue jobs whose worker died (stale heartbeat) or that never started; the job commits."""
    now = now or utcnow()
    cutoff = stale_before(now)
    stale_processing = and_(
        MediaAsset.status == AssetStatus.PROCESSING.value,
        or_(MediaAsset.heartbeat_at.is_(None), MediaAsset.heartbeat_at < cutoff),
    )
    # For a pending asset heartbeat_at is the last time it was queued.
    stale_pending = and_(
        MediaAsset.status == AssetStatus.PENDING.value,
        func.coalesce(MediaAsset.heartbeat_at, MediaAsset.created_at) < cutoff,
    )
    ids = db.session.scalars(
        select(MediaAsset.id).where(or_(stale_processing, stale_pending)).order_by(MediaAsset.id)
    ).all()
    requeue = []
    for asset_id in ids:
        stale = and_(MediaAsset.id == asset_id, or_(stale_processing, stale_pending))
        asset = db.session.scalar(select(MediaAsset).where(stale))
        if asset is None:
            continue
        if asset.attempts >= MAX_ATTEMPTS:
            asset.status = AssetStatus.FAILED.value
            asset.error = _("Processing gave up after %(count)d attempts.", count=MAX_ATTEMPTS)
            asset.finished_at = now
            if asset.lesson.current_asset_id is None and not has_active_asset(
                asset.lesson_id, asset.id
            ):
                asset.lesson.status = LessonStatus.FAILED.value
            continue
        # Conditional, so a worker that beat in the meantime keeps its row.
        result = db.session.execute(
            update(MediaAsset)
            .where(stale)
            .values(status=AssetStatus.PENDING.value, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            requeue.append(asset_id)
            queue_processing(asset_id)  # queued once the commit below has kept the row
    db.session.commit()  # a job: its work is complete here (docs/architecture.md)
    if requeue:
        log.warning("re-queued stale media jobs: %s", requeue)
    return requeue
