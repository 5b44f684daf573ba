"""Recording, editing, reviewing and deleting offline training and exemptions: each change
audited, a reviewed one sent back to pending when edited (four eyes)."""

from flask_babel import gettext as _

from lms.accounts.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.offline.access import review_refusal
from lms.offline.audit import exemption_snapshot, record_audit, snapshot, training_snapshot
from lms.offline.errors import OfflineError
from lms.offline.evidence import drop_if_unused
from lms.offline.input_checks import (
    MAX_REASON,
    check_exemption_fields,
    check_text,
    check_training_fields,
)
from lms.offline.models import Exemption, OfflineTraining, ReviewStatus

# --- offline training --------------------------------------------------------------------


def _record_many(actor, model, cadres: list[User], values: dict) -> list:
    """One pending ``model`` row per cadre with the same values, each with a create entry."""
    items = [
        model(
            user_id=cadre.id,
            user=cadre,
            status=ReviewStatus.PENDING.value,
            recorded_by_id=actor.id,
            updated_by_id=actor.id,
            **values,
        )
        for cadre in cadres
    ]
    db.session.add_all(items)
    db.session.flush()
    for item in items:
        record_audit(actor, "create", item, None)
    db.session.flush()
    return items


def record_offline_training(actor, cadres: list[User], fields: dict, evidence=None):
    """One pending record per cadre with the same details and (shared) evidence; audited."""
    values = check_training_fields(fields)
    return _record_many(actor, OfflineTraining, cadres, {**values, "evidence": evidence})


def update_offline_training(actor, record: OfflineTraining, fields: dict, evidence=None) -> bool:
    """Change a record; a reviewed record goes back to pending (a second look is needed again).

    Returns False when nothing changed (no audit entry then).
    """
    values = check_training_fields(fields)
    before = training_snapshot(record)
    old_evidence = record.evidence_id
    for name, value in values.items():
        setattr(record, name, value)
    if evidence is not None:
        record.evidence = evidence
    db.session.flush()
    if training_snapshot(record) == before:
        return False
    _back_to_pending(actor, record)
    record_audit(actor, "update", record, before)
    db.session.flush()
    if evidence is not None:
        drop_if_unused(old_evidence)
    return True


def _back_to_pending(actor, item) -> None:
    item.status = ReviewStatus.PENDING.value
    item.reviewed_by_id = None
    item.reviewed_at = None
    item.review_note = ""
    item.updated_by_id = actor.id
    item.updated_at = utcnow()


# --- exemptions --------------------------------------------------------------------------


def record_exemptions(actor, cadres: list[User], fields: dict) -> list[Exemption]:
    """One pending exemption per cadre with the same details; audited."""
    return _record_many(actor, Exemption, cadres, check_exemption_fields(fields))


def update_exemption(actor, item: Exemption, fields: dict) -> bool:
    """Change an exemption; a reviewed one goes back to pending. False when nothing changed."""
    values = check_exemption_fields(fields)
    before = exemption_snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    if exemption_snapshot(item) == before:
        return False
    _back_to_pending(actor, item)
    record_audit(actor, "update", item, before)
    db.session.flush()
    return True


# --- reviewing and deleting either kind --------------------------------------------------


def review(actor, item, approve: bool, note: str = "") -> None:
    """Approve or reject a pending record or exemption (four eyes; see ``review_refusal``)."""
    refusal = review_refusal(actor, item)
    if refusal:
        raise OfflineError(refusal)
    note = check_text(note, MAX_REASON, "note")
    if not approve and not note:
        raise OfflineError(_("Say why it is rejected."), "note")
    before = snapshot(item)
    item.status = (ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED).value
    item.reviewed_by_id = actor.id
    item.reviewed_at = utcnow()
    item.review_note = note
    db.session.flush()
    record_audit(actor, "approve" if approve else "reject", item, before)
    db.session.flush()


def delete_item(actor, item) -> None:
    """Delete a record or exemption; its audit rows stay, with the last state as ``before``."""
    before = snapshot(item)
    record_audit(actor, "delete", item, before)
    evidence_id = getattr(item, "evidence_id", None)
    db.session.delete(item)
    db.session.flush()
    drop_if_unused(evidence_id)
