"""Evidence files: checked by their content, stored under generated names in the instance
folder, downloaded under a safe name, and kept or removed with the transaction that wrote or
dropped them."""

import io
import re
import secrets
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lms.extensions import db
from lms.offline.errors import OfflineError
from lms.offline.models import Evidence, OfflineTraining

EVIDENCE_FOLDER = "offline_evidence"
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

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


def drop_if_unused(evidence_id: int | None) -> None:
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
