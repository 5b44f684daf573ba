"""Offline training and exemptions: recording, four-eyes approval, the audit log, and the
figures later features read (approved hours and days, exemptions, quota factors)."""

import io
import re
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, ngettext
from sqlalchemy import Select, event, func, or_, select
from sqlalchemy.orm import Session

from lms.accounts.models import Role, User
from lms.core import statsyear
from lms.core.database import user_ids_filter
from lms.core.errors import LmsError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.offline import rules
from lms.offline.models import (
    AuditEntry,
    Evidence,
    Exemption,
    ExemptionEffect,
    ExemptionKind,
    OfflineTraining,
    ReviewStatus,
    TrainingType,
)
from lms.org.models import Cadre, Unit
from lms.org.visibility import can_see_person, unit_scope_clause

TRAINING_TYPE_LABELS = {
    TrainingType.PARTY_SCHOOL.value: _l("Party-school class"),
    TrainingType.WEEKEND_CLASS.value: _l("Weekend class"),
    TrainingType.UNIVERSITY_COURSE.value: _l("University course"),
    TrainingType.TRAINING_ABROAD.value: _l("Training abroad"),
    TrainingType.SECONDMENT.value: _l("Secondment"),
    TrainingType.ONLINE_LIVE.value: _l("Online live class"),
    TrainingType.OTHER.value: _l("Other"),
}
STATUS_LABELS = {
    ReviewStatus.PENDING.value: _l("Pending approval"),
    ReviewStatus.APPROVED.value: _l("Approved"),
    ReviewStatus.REJECTED.value: lazy_pgettext("review", "Rejected"),
}
EXEMPTION_KIND_LABELS = {
    ExemptionKind.LEAVE.value: _l("Leave"),
    ExemptionKind.ILLNESS.value: _l("Illness"),
    ExemptionKind.SECONDMENT_ABROAD.value: _l("Secondment abroad"),
    ExemptionKind.OTHER.value: _l("Other (give the reason)"),
}
EXEMPTION_EFFECT_LABELS = {
    ExemptionEffect.PRORATE.value: _l("Reduce the year's quota in proportion to the days"),
    ExemptionEffect.WAIVE.value: _l("Waive the year's quota"),
}
AUDIT_ACTION_LABELS = {
    "create": _l("Recorded"),
    "update": _l("Edited"),
    "approve": _l("Approved"),
    "reject": lazy_pgettext("review", "Rejected"),
    "delete": _l("Deleted"),
}
TRAINING_ENTITY = "offline_training"
EXEMPTION_ENTITY = "exemption"
ENTITY_LABELS = {TRAINING_ENTITY: _l("Offline training"), EXEMPTION_ENTITY: _l("Exemption")}

MAX_TITLE = 200
MAX_PROVIDER = 200
MAX_REASON = 500
MAX_CADRES_AT_ONCE = 500
EVIDENCE_FOLDER = "offline_evidence"
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class OfflineError(LmsError):
    """Input or a rule was refused; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- who may do what ---------------------------------------------------------------------


def is_staff(user) -> bool:
    return user.has_role(Role.ADMIN, Role.SUPERVISOR)


def can_view(user, item) -> bool:
    """Staff see what concerns cadres in their scope; a cadre sees their own (read only)."""
    if item.user_id == user.id:
        return True
    return is_staff(user) and can_see_person(user, item.user)


def can_manage(user, item) -> bool:
    """Recording, editing, reviewing: staff, for cadres in their scope, never about themselves."""
    return is_staff(user) and item.user_id != user.id and can_see_person(user, item.user)


def review_refusal(user, item) -> str | None:
    """Why ``user`` may not approve or reject ``item`` now (None: they may)."""
    if item.status != ReviewStatus.PENDING.value:
        return _("Only a record waiting for approval can be approved or rejected.")
    # Four eyes: whoever recorded it or changed it last cannot also be the one who approves it.
    if user.id in (item.recorded_by_id, item.updated_by_id):
        return _("You recorded or last changed this, so another supervisor must review it.")
    return None


def can_delete(user, item) -> bool:
    """Approved records count toward quotas, so only administrators delete those."""
    return can_manage(user, item) and (not item.is_approved or user.is_admin)


# --- the audit log -----------------------------------------------------------------------


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


def _entity(item) -> tuple[str, dict]:
    if isinstance(item, OfflineTraining):
        return TRAINING_ENTITY, training_snapshot(item)
    return EXEMPTION_ENTITY, exemption_snapshot(item)


def record_audit(actor, action: str, item, before: dict | None) -> AuditEntry:
    """Log one change of ``item`` (after is read from it now; None for a deletion)."""
    entity_type, after = _entity(item)
    entry = AuditEntry(
        actor_id=actor.id,
        at=utcnow(),
        action=action,
        entity_type=entity_type,
        entity_id=item.id,
        subject_user_id=item.user_id,
        before=before,
        after=None if action == "delete" else after,
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
    query = (
        select(AuditEntry)
        .outerjoin(User, AuditEntry.subject_user_id == User.id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(unit_scope_clause(user))
    )
    if unit is not None:
        query = query.where(Unit.tree_path.like(unit.tree_path + "%"))
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


# --- checking input ----------------------------------------------------------------------


def _check_period(start: date | None, end: date | None) -> None:
    if start is None:
        raise OfflineError(_("Give the start date."), "start_date")
    if end is None:
        raise OfflineError(_("Give the end date."), "end_date")
    if end < start:
        raise OfflineError(_("The end date cannot be before the start date."), "end_date")


def _check_amount(start: date, end: date, hours, days) -> tuple[float, float, bool]:
    """(hours, days, entered_in_days) from exactly one positive figure that fits the dates."""
    if (hours is None) == (days is None):
        raise OfflineError(_("Give either the hours or the days, not both."), "hours")
    value = float(days if days is not None else hours)
    field = "days" if days is not None else "hours"
    if value <= 0:
        raise OfflineError(_("The figure must be more than zero."), field)
    per_day = float(current_app.config["HOURS_PER_TRAINING_DAY"])
    hours, days = rules.hours_and_days(
        None if field == "days" else value, value if field == "days" else None, per_day
    )
    calendar_days = rules.period_days(start, end)
    if (days > calendar_days) if field == "days" else (hours > 24 * calendar_days):
        raise OfflineError(
            ngettext(
                "More training than the dates allow (%(num)d calendar day).",
                "More training than the dates allow (%(num)d calendar days).",
                calendar_days,
            ),
            field,
        )
    return round(hours, 2), round(days, 3), field == "days"


def _check_text(value: str | None, limit: int, field: str, required_message=None) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise OfflineError(required_message, field)
    if len(value) > limit:
        raise OfflineError(_("At most %(count)d characters.", count=limit), field)
    return value


def check_training_fields(fields: dict) -> dict:
    if fields.get("training_type") not in TRAINING_TYPE_LABELS:
        raise OfflineError(_("Choose the type of training."), "training_type")
    title = _check_text(fields.get("title"), MAX_TITLE, "title", _("Give the title."))
    provider = _check_text(fields.get("provider"), MAX_PROVIDER, "provider")
    start, end = fields.get("start_date"), fields.get("end_date")
    _check_period(start, end)
    hours, days, in_days = _check_amount(start, end, fields.get("hours"), fields.get("days"))
    return {
        "training_type": fields["training_type"],
        "title": title,
        "provider": provider,
        "start_date": start,
        "end_date": end,
        "hours": hours,
        "days": days,
        "entered_in_days": in_days,
    }


def check_exemption_fields(fields: dict) -> dict:
    kind = fields.get("kind")
    if kind not in EXEMPTION_KIND_LABELS:
        raise OfflineError(_("Choose the kind of exemption."), "kind")
    needs_reason = _("Give the reason.") if kind == ExemptionKind.OTHER.value else None
    reason = _check_text(fields.get("reason"), MAX_REASON, "reason", needs_reason)
    if fields.get("effect") not in EXEMPTION_EFFECT_LABELS:
        raise OfflineError(_("Choose what the exemption does to the quota."), "effect")
    _check_period(fields.get("start_date"), fields.get("end_date"))
    return {
        "kind": kind,
        "reason": reason,
        "effect": fields["effect"],
        "start_date": fields["start_date"],
        "end_date": fields["end_date"],
    }


# --- choosing cadres ---------------------------------------------------------------------

PERSONNEL_SPLIT = re.compile(r"[\s,;，；、]+")


def cadres_for(actor, user_ids=(), personnel_numbers: str = "") -> list[User]:
    """The cadres chosen by id or by pasted personnel numbers, all within ``actor``'s scope.

    Unknown or out-of-scope numbers are refused by name (nothing is recorded then), so a typo
    never silently drops a cadre from a class list.
    """
    numbers = [n for n in PERSONNEL_SPLIT.split(personnel_numbers or "") if n]
    wanted_ids = {int(i) for i in user_ids}
    found_numbers: set[str] = set()
    if numbers:
        lowered = {n.lower(): n for n in numbers}
        rows = db.session.execute(
            _scoped_cadres(actor).where(func.lower(Cadre.personnel_number).in_(list(lowered)))
        ).all()
        for user_id, number in rows:
            wanted_ids.add(user_id)
            found_numbers.add(number.lower())
        missing = [original for key, original in lowered.items() if key not in found_numbers]
        if missing:
            raise OfflineError(
                _(
                    "No cadre in your units has these personnel numbers: %(numbers)s",
                    numbers=", ".join(missing[:20]),
                ),
                "personnel_numbers",
            )
    if not wanted_ids:
        raise OfflineError(_("Choose at least one cadre."), "cadre_ids")
    if len(wanted_ids) > MAX_CADRES_AT_ONCE:
        raise OfflineError(
            _("At most %(count)d cadres at once.", count=MAX_CADRES_AT_ONCE), "cadre_ids"
        )
    allowed = set(
        db.session.scalars(
            select(User.id)
            .join(Cadre, Cadre.user_id == User.id)
            .join(Unit, User.unit_id == Unit.id)
            .where(unit_scope_clause(actor), User.id.in_(wanted_ids))
        )
    )
    if wanted_ids - allowed:
        raise OfflineError(_("Some chosen cadres are not in your units."), "cadre_ids")
    if actor.id in allowed:
        raise OfflineError(_("You cannot record training or exemptions for yourself."), "cadre_ids")
    return list(db.session.scalars(select(User).where(User.id.in_(allowed)).order_by(User.id)))


def _scoped_cadres(actor):
    return (
        select(Cadre.user_id, Cadre.personnel_number)
        .join(User, Cadre.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(unit_scope_clause(actor))
    )


# --- evidence files ----------------------------------------------------------------------


def evidence_root() -> Path:
    return Path(current_app.instance_path) / EVIDENCE_FOLDER


def _sniff_extension(data: bytes) -> str | None:
    """The file type from its content, never from its name."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def check_evidence(filename: str, stream) -> tuple[bytes, str]:
    """The upload's bytes and type, or OfflineError (empty, too large, or not PDF/JPG/PNG/DOCX)."""
    limit = int(current_app.config["OFFLINE_EVIDENCE_MAX_MB"]) * 1024 * 1024
    data = stream.read(limit + 1)
    if not data:
        raise OfflineError(_("The evidence file is empty."), "evidence")
    if len(data) > limit:
        raise OfflineError(
            _(
                "An evidence file can be at most %(mb)d MB.",
                mb=current_app.config["OFFLINE_EVIDENCE_MAX_MB"],
            ),
            "evidence",
        )
    ext = _sniff_extension(data)
    name_ext = Path(filename or "").suffix.lower().lstrip(".")
    names_allowed = {ext, "jpeg"} if ext == "jpg" else {ext}
    if ext is None or (name_ext and name_ext not in names_allowed):
        raise OfflineError(_("Evidence must be a PDF, JPEG, PNG or Word (DOCX) file."), "evidence")
    return data, ext


def store_evidence(actor, filename: str, data: bytes, ext: str) -> Evidence:
    """Write checked evidence under a generated name in the instance folder (never served
    directly: only the download view, after checking who asks, reads it)."""
    stored = f"{secrets.token_hex(16)}.{ext}"
    root = evidence_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / stored
    path.write_bytes(data)
    # Until the transaction commits, the file belongs to it: a rollback (or a failed commit)
    # removes it, so a save that did not happen leaves no file behind.
    _files(db.session, WRITTEN).append(path)
    evidence = Evidence(
        stored_name=stored,
        original_name=Path(filename or "evidence").name[:255],
        extension=ext,
        size_bytes=len(data),
        uploaded_by_id=actor.id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def evidence_path(evidence: Evidence) -> Path | None:
    root = evidence_root().resolve()
    path = (root / evidence.stored_name).resolve()
    if path.parent != root or not path.is_file():
        return None
    return path


UNSAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def download_name(record: OfflineTraining) -> str:
    """A safe name for the download: personnel number, date, and the cleaned original stem."""
    evidence = record.evidence
    stem = UNSAFE_NAME.sub("_", Path(evidence.original_name).stem).strip("._ ")[:60] or "evidence"
    number = record.user.cadre.personnel_number if record.user.cadre else str(record.user_id)
    number = UNSAFE_NAME.sub("_", number)
    return f"{number}_{record.start_date.isoformat()}_{stem}.{evidence.extension}"


def _drop_evidence_if_unused(evidence_id: int | None) -> None:
    """Remove an evidence file no record points at any more (records recorded together share)."""
    if evidence_id is None:
        return
    if db.session.scalar(
        select(func.count(OfflineTraining.id)).where(OfflineTraining.evidence_id == evidence_id)
    ):
        return
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is not None:
        path = evidence_path(evidence)
        db.session.delete(evidence)
        db.session.flush()
        if path is not None:
            # Removed only once the deletion is committed: a failed save keeps the old file.
            _files(db.session, DROPPED).append(path)


# Evidence files a transaction wrote, and those it will remove, in ``Session.info``.
WRITTEN, DROPPED = "offline_evidence_written", "offline_evidence_dropped"


def _files(session, key: str) -> list[Path]:
    return session.info.setdefault(key, [])


@event.listens_for(Session, "after_commit")
def _commit_evidence_files(session) -> None:
    """The commit made the written files the rows' own and the dropped ones unused."""
    for path in session.info.pop(DROPPED, []):
        path.unlink(missing_ok=True)
    session.info.pop(WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _discard_evidence_files(session, transaction) -> None:
    """A transaction that ended without a commit (rolled back, failed, closed) keeps no file
    it wrote and removes none it dropped."""
    if transaction.parent is not None:
        return
    for path in session.info.pop(WRITTEN, []):
        path.unlink(missing_ok=True)
    session.info.pop(DROPPED, None)


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
        _drop_evidence_if_unused(old_evidence)
    return True


def _back_to_pending(actor, item) -> None:
    item.status = ReviewStatus.PENDING.value
    item.reviewed_by_id = None
    item.reviewed_at = None
    item.review_note = ""
    item.updated_by_id = actor.id
    item.updated_at = utcnow()


def review(actor, item, approve: bool, note: str = "") -> None:
    """Approve or reject a pending record or exemption (four eyes; see ``review_refusal``)."""
    refusal = review_refusal(actor, item)
    if refusal:
        raise OfflineError(refusal)
    note = _check_text(note, MAX_REASON, "note")
    if not approve and not note:
        raise OfflineError(_("Say why it is rejected."), "note")
    before = _entity(item)[1]
    item.status = (ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED).value
    item.reviewed_by_id = actor.id
    item.reviewed_at = utcnow()
    item.review_note = note
    db.session.flush()
    record_audit(actor, "approve" if approve else "reject", item, before)
    db.session.flush()


def delete_item(actor, item) -> None:
    """Delete a record or exemption; its audit rows stay, with the last state as ``before``."""
    before = _entity(item)[1]
    record_audit(actor, "delete", item, before)
    evidence_id = getattr(item, "evidence_id", None)
    db.session.delete(item)
    db.session.flush()
    _drop_evidence_if_unused(evidence_id)


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


# --- lists -------------------------------------------------------------------------------


def _scoped(model, user, unit: Unit | None):
    query = (
        select(model)
        .join(User, model.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(unit_scope_clause(user))
    )
    if unit is not None:
        query = query.where(Unit.tree_path.like(unit.tree_path + "%"))
    return query


def list_query(model, user, unit=None, status=None, year=None, kind=None):
    """Records (or exemptions) in ``user``'s scope with the list page's filters, newest first."""
    query = _scoped(model, user, unit)
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
        counts[entity] = db.session.scalar(
            select(func.count())
            .select_from(model)
            .join(User, model.user_id == User.id)
            .join(Unit, User.unit_id == Unit.id)
            .where(
                unit_scope_clause(user),
                model.status == ReviewStatus.PENDING.value,
                model.user_id != user.id,
                or_(model.recorded_by_id.is_(None), model.recorded_by_id != user.id),
                or_(model.updated_by_id.is_(None), model.updated_by_id != user.id),
            )
        )
    return counts


# --- figures for the plan, the assessment and the archive (set-based) --------------------


@dataclass(frozen=True)
class OfflineTotals:
    hours: float = 0.0
    days: float = 0.0
    records: int = 0


def approved_offline_totals(users, start: date, end: date) -> dict[int, OfflineTotals]:
    """Approved offline hours and days per cadre, for records that end in [start, end].

    A record counts in the period its end date falls in (training counts once completed).
    ``users`` is a select of user ids (a scope of any size) or a few ids. One grouped query
    for any number of cadres; cadres without records are left out.
    """
    of_users = user_ids_filter(OfflineTraining.user_id, users)
    if of_users is None:
        return {}
    rows = db.session.execute(
        select(
            OfflineTraining.user_id,
            func.sum(OfflineTraining.hours),
            func.sum(OfflineTraining.days),
            func.count(OfflineTraining.id),
        )
        .where(
            of_users,
            OfflineTraining.status == ReviewStatus.APPROVED.value,
            OfflineTraining.end_date >= start,
            OfflineTraining.end_date <= end,
        )
        .group_by(OfflineTraining.user_id)
    )
    return {
        user_id: OfflineTotals(float(hours or 0), float(days or 0), count)
        for user_id, hours, days, count in rows
    }


def active_exemptions(users, start: date, end: date) -> dict[int, list[Exemption]]:
    """Approved exemptions overlapping [start, end], per cadre; one query. ``users``: a
    select of user ids or a few ids."""
    of_users = user_ids_filter(Exemption.user_id, users)
    if of_users is None:
        return {}
    result: dict[int, list[Exemption]] = defaultdict(list)
    for item in db.session.scalars(
        select(Exemption)
        .where(
            of_users,
            Exemption.status == ReviewStatus.APPROVED.value,
            Exemption.start_date <= end,
            Exemption.end_date >= start,
        )
        .order_by(Exemption.user_id, Exemption.start_date)
    ):
        result[item.user_id].append(item)
    return dict(result)


def quota_factors(users, year_start: date, year_end: date) -> dict[int, float]:
    """Each cadre's quota factor for the year (1.0 without exemptions); one query.

    Given ids, every one of them is listed; given a select of user ids (a scope of any
    size), only the cadres with an approved exemption in the year are: anyone else's
    factor is 1.0.
    """
    if not isinstance(users, Select):
        users = set(users)
    exemptions = active_exemptions(users, year_start, year_end)
    listed = exemptions if isinstance(users, Select) else users
    return {
        user_id: rules.quota_factor(exemptions.get(user_id, []), year_start, year_end)
        for user_id in listed
    }


def is_exempt(user_id: int, on_date: date) -> bool:
    """True when an approved exemption covers ``on_date`` for this cadre."""
    return bool(
        db.session.scalar(
            select(Exemption.id)
            .where(
                Exemption.user_id == user_id,
                Exemption.status == ReviewStatus.APPROVED.value,
                Exemption.start_date <= on_date,
                Exemption.end_date >= on_date,
            )
            .limit(1)
        )
    )


def exempt_user_ids_query(start: date, end: date):
    """A select of the ids of cadres with an approved exemption overlapping [start, end]:
    for lists that leave exempted cadres out (``User.id.not_in(...)``) in the same query."""
    return (
        select(Exemption.user_id)
        .where(
            Exemption.status == ReviewStatus.APPROVED.value,
            Exemption.start_date <= end,
            Exemption.end_date >= start,
        )
        .distinct()
    )
