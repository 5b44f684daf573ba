"""The list pages' queries: records or exemptions in a supervisor's scope, a cadre's own, and
how many wait for the caller's review."""

from sqlalchemy import func, or_, select

from lms.core import statsyear
from lms.extensions import db
from lms.offline.access import in_scope, is_staff
from lms.offline.audit import EXEMPTION_ENTITY, TRAINING_ENTITY
from lms.offline.models import Exemption, OfflineTraining, ReviewStatus


def list_query(model, user, unit=None, status=None, year=None, kind=None):
    """Records (or exemptions) in ``user``'s scope with the list page's filters, newest first."""
    query = in_scope(select(model), model.user_id, user, unit)
    if status:
        query = query.where(model.status == status)
    if kind:
        column = model.training_type if model is OfflineTraining else model.kind
        query = query.where(column == kind)
    if year:
        # The statistics year, as the quota pages count a record: by the day it ends.
        start, end = statsyear.window(year)
        query = query.where(model.end_date >= start, model.end_date <= end)
    return query.order_by(model.start_date.desc(), model.id.desc())


def own_query(model, user):
    return select(model).where(model.user_id == user.id).order_by(model.start_date.desc())


def pending_counts(user) -> dict[str, int]:
    """How many records and exemptions in ``user``'s scope wait for someone else's review."""
    if not is_staff(user):
        return {TRAINING_ENTITY: 0, EXEMPTION_ENTITY: 0}
    counts = {}
    for entity, model in ((TRAINING_ENTITY, OfflineTraining), (EXEMPTION_ENTITY, Exemption)):
        counted = in_scope(select(func.count()).select_from(model), model.user_id, user)
        counts[entity] = db.session.scalar(
            counted.where(
                model.status == ReviewStatus.PENDING.value,
                model.user_id != user.id,
                or_(model.recorded_by_id.is_(None), model.recorded_by_id != user.id),
                or_(model.updated_by_id.is_(None), model.updated_by_id != user.id),
            )
        )
    return counts
