"""The audit log of offline training and exemptions: every change with its before and after,
who made it, and the history pages' reading of it."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from lms.accounts.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.offline.access import in_scope
from lms.offline.labels import (
    EXEMPTION_EFFECT_LABELS,
    EXEMPTION_KIND_LABELS,
    STATUS_LABELS,
    TRAINING_TYPE_LABELS,
)
from lms.offline.models import AuditEntry, Exemption, OfflineTraining
from lms.org.models import Unit

AUDIT_ACTION_LABELS = {
    "create": _l("Recorded"),
    "update": _l("Edited"),
    "approve": _l("Approved"),
    "reject": lazy_pgettext("review", "Rejected"),
    "delete": _l("Deleted"),
    "merge": _l("Merged"),
}
TRAINING_ENTITY = "offline_training"
EXEMPTION_ENTITY = "exemption"
# Two cadre records merged into one (lms.home.cadre_merge): entity_id is the kept cadre record.
CADRE_ENTITY = "cadre"
ENTITY_LABELS = {
    TRAINING_ENTITY: _l("Offline training"),
    EXEMPTION_ENTITY: _l("Exemption"),
    CADRE_ENTITY: _l("Cadre record"),
}


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


_REVIEW_FIELDS = ("status", "recorded_by_id", "reviewed_by_id", "review_note")
TRAINING_FIELDS = (
    *("user_id", "training_type", "title", "provider", "start_date", "end_date"),
    *("hours", "days", "entered_in_days", "evidence_id", *_REVIEW_FIELDS),
)
EXEMPTION_FIELDS = (
    *("user_id", "kind", "reason", "start_date", "end_date", "effect", *_REVIEW_FIELDS),
)


def training_snapshot(record: OfflineTraining) -> dict:
    """The record's fields as JSON, for the audit log's before and after."""
    return {name: _jsonable(getattr(record, name)) for name in TRAINING_FIELDS}


def exemption_snapshot(exemption: Exemption) -> dict:
    return {name: _jsonable(getattr(exemption, name)) for name in EXEMPTION_FIELDS}


def entity_type(item) -> str:
    """The audit log's name for the kind of ``item`` (a record or an exemption)."""
    return TRAINING_ENTITY if isinstance(item, OfflineTraining) else EXEMPTION_ENTITY


def snapshot(item) -> dict:
    """A record's or an exemption's fields as JSON."""
    if isinstance(item, OfflineTraining):
        return training_snapshot(item)
    return exemption_snapshot(item)


def record_audit(actor, action: str, item, before: dict | None) -> AuditEntry:
    """Log one change of ``item`` (after is read from it now; None for a deletion)."""
    entry = AuditEntry(
        actor_id=actor.id,
        at=utcnow(),
        action=action,
        entity_type=entity_type(item),
        entity_id=item.id,
        subject_user_id=item.user_id,
        before=before,
        after=None if action == "delete" else snapshot(item),
    )
    db.session.add(entry)
    return entry


def history(entity_type: str, entity_id: int) -> list[AuditEntry]:
    """Every logged change of one record, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def audit_query(user, unit: Unit | None = None, entity_type: str | None = None):
    """Audit entries about cadres in ``user``'s scope (optionally below ``unit``), newest first."""
    # Outer joins: administrators also see entries about cadres since deleted or without a unit.
    query = in_scope(select(AuditEntry), AuditEntry.subject_user_id, user, unit, outer=True)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


# What the history shows of a snapshot: these fields, with their labels (ids of the cadre and
# of the recorder are in the entry's own columns already).
FIELD_LABELS = {
    "training_type": _l("Type"),
    "kind": _l("Kind"),
    "title": _l("Title"),
    "provider": _l("Provider"),
    "reason": _l("Reason"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "hours": _l("Hours"),
    "days": _l("Days"),
    "effect": _l("Effect on the quota"),
    "evidence_id": _l("Evidence"),
    "status": _l("Status"),
    "reviewed_by_id": _l("Reviewed by"),
    "review_note": _l("Review note"),
}
_VALUE_LABELS = {
    "training_type": TRAINING_TYPE_LABELS,
    "kind": EXEMPTION_KIND_LABELS,
    "effect": EXEMPTION_EFFECT_LABELS,
    "status": STATUS_LABELS,
}


def describe_changes(entries) -> dict[int, list[tuple[str, str, str]]]:
    """Per entry, (field label, before, after) as shown to people, for the fields it changed
    (a creation shows what was recorded, a deletion what was deleted); one query for names."""
    entries = list(entries)
    user_ids = {
        snapshot.get("reviewed_by_id")
        for entry in entries
        for snapshot in (entry.before or {}, entry.after or {})
    } - {None}
    names = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )

    def show(name, value) -> str:
        if value is None or value == "":
            return "—"
        if name in _VALUE_LABELS:
            return str(_VALUE_LABELS[name].get(value, value))
        if name == "reviewed_by_id":
            return names.get(value, f"#{value}")
        if name == "evidence_id":
            return f"#{value}"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    described = {}
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        rows = []
        for name, label in FIELD_LABELS.items():
            if name not in before and name not in after:
                continue
            old, new = before.get(name), after.get(name)
            if before and after and old == new:
                continue
            if not before and new in (None, ""):
                continue  # a creation lists only what was filled in
            rows.append((str(label), show(name, old), show(name, new)))
        described[entry.id] = rows
    return described
