"""Checks of what the platform needs beyond the web process, for /healthz and the admin home.

Each check answers a dict with a ``status`` of ``ok``, ``warn`` or ``down``; the features add
their own (the job queue in ``lms.core.queue``, the outbox in ``lms.notify.services``).
"""

import os
import shutil

from sqlalchemy import text

from lms.extensions import db

SEVERITY = {"ok": 0, "warn": 1, "down": 2}


def check_database() -> dict:
    """The database answers a query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same: no database
        db.session.rollback()
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok"}


def check_ffmpeg() -> dict:
    """ffmpeg and ffprobe are on this process's PATH (uploads are probed here)."""
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    return {"status": "down", "missing": missing} if missing else {"status": "ok"}


def check_disk(folder: str, reserve_bytes: int) -> dict:
    """Free space under ``folder``: down below ``reserve_bytes``, where uploads are refused."""
    path = os.path.abspath(folder)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)  # the media folder is made on the first upload
    usage = shutil.disk_usage(path)
    return {
        "status": "down" if usage.free < reserve_bytes else "ok",
        "free_bytes": usage.free,
        "total_bytes": usage.total,
    }


def overall(checks: dict[str, dict]) -> str:
    """The worst status of the checks."""
    return max((c["status"] for c in checks.values()), key=SEVERITY.__getitem__, default="ok")
