"""An uploaded file kept between its preview and its confirmation (imports)."""

import re
import secrets
import time
from pathlib import Path

from flask import current_app, session
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.tabular import EXTENSIONS, TabularError, file_extension

MAX_UPLOAD_AGE_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"[0-9a-f]{32}")


class UploadGone(Exception):
    """The session's upload cannot be used; ``message`` says why, ``category`` how to flash it."""

    def __init__(self, message: str, category: str):
        super().__init__(message)
        self.message, self.category = message, category


class PendingUpload:
    """One upload per session waiting in ``instance/<folder>``, named by a random token kept in
    the (signed) session with the uploader's id; files older than a day are removed."""

    def __init__(self, folder: str, session_key: str):
        self.folder_name = folder
        self.session_key = session_key

    def folder(self) -> Path:
        folder = Path(current_app.instance_path) / self.folder_name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def path(self, info) -> Path | None:
        # The session is signed, but the token still becomes a file name: accept only our shape.
        if not isinstance(info, dict):
            return None
        token, ext = info.get("token", ""), info.get("ext", "")
        if not TOKEN_RE.fullmatch(str(token)) or ext not in EXTENSIONS:
            return None
        return self.folder() / f"{token}.{ext}"

    def current(self) -> dict | None:
        """The upload waiting in this session, if it belongs to the logged-in user."""
        info = session.get(self.session_key)
        if not isinstance(info, dict) or info.get("user_id") != current_user.id:
            return None
        return info

    def forget(self) -> None:
        """Drop the session's upload and its file."""
        path = self.path(session.pop(self.session_key, None))
        if path is not None:
            path.unlink(missing_ok=True)

    def discard_session(self) -> None:
        """Drop the session's reference only (its file is already gone)."""
        session.pop(self.session_key, None)

    def _remove_old(self) -> None:
        cutoff = time.time() - MAX_UPLOAD_AGE_SECONDS
        for path in self.folder().iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                pass  # another request removed it first

    def store(self, data: bytes, filename: str, ext: str, **extra) -> None:
        """Keep ``data`` for this session's user, replacing any earlier upload."""
        self.forget()
        self._remove_old()
        token = secrets.token_hex(16)
        (self.folder() / f"{token}.{ext}").write_bytes(data)
        session[self.session_key] = {
            "token": token,
            "filename": filename,
            "ext": ext,
            "user_id": current_user.id,
            **extra,
        }

    def accept(self, field, parse, **extra) -> bool:
        """Keep the file of a form's ``field`` when ``parse(data, filename)`` reads it; else
        put the reason on the field and return False."""
        storage = field.data
        filename = (storage.filename or "").strip()
        data = storage.read()
        try:
            parse(data, filename)
        except TabularError as exc:
            field.errors.append(str(exc))
            return False
        self.store(data, filename, file_extension(filename), **extra)
        return True

    def load(self, info, parse, missing_message: str):
        """``parse(data, filename)`` of the upload ``info`` names; raises UploadGone (and
        forgets the upload) when there is none, it expired or it cannot be read any more."""
        path = self.path(info) if info else None
        if path is None:
            raise UploadGone(missing_message, "info")
        if not path.is_file():
            self.discard_session()
            raise UploadGone(_("The uploaded file has expired. Please upload it again."), "error")
        try:
            return parse(path.read_bytes(), info["filename"] or path.name)
        except TabularError as exc:
            self.forget()
            raise UploadGone(str(exc), "error") from exc
