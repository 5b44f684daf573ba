"""Collecting a viewing session's evidence as it happens: the player's report with each beat,
the rhythm of the beats and presence answers, the night's credit, and several accounts on
one device or address. The rules that judge it are in ``lms.tracking.risk``."""

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from lms.core.timeutil import to_local
from lms.extensions import db
from lms.tracking import risk
from lms.tracking.models import LessonView


def thresholds() -> risk.Thresholds:
    return risk.Thresholds.from_config(current_app.config)


def judge(evidence: dict, played_seconds: float) -> risk.Assessment:
    return risk.assess(evidence, played_seconds, thresholds())


def beat_evidence(evidence: dict, state, beat, night: tuple | None) -> dict:
    """The session's evidence with one beat more: the interval since the view's previous
    beat (only within the heartbeat's rhythm: a pause is not a rhythm), the player's
    report and its presence answers, and the night's credit so far."""
    updated = dict(evidence)
    heartbeat = float(current_app.config["HEARTBEAT_SECONDS"])
    if state.view_last_beat_at is not None:
        interval = (state.now - state.view_last_beat_at).total_seconds()
        if 0 < interval <= 2 * heartbeat:
            updated["beats"] = risk.add_sample(updated.get("beats"), interval)
    report = beat.signals
    if report is not None:
        updated["player"] = risk.merge_player_report(updated.get("player"), report)
        for delay in report.get("presence", []):
            updated["presence"] = risk.add_sample(updated.get("presence"), float(delay))
    if night is not None:
        config = current_app.config
        updated["night"] = {
            "date": night[0].isoformat(),
            "seconds": round(night[1], 1),
            "start_hour": int(config["RISK_NIGHT_START_HOUR"]),
            "end_hour": int(config["RISK_NIGHT_END_HOUR"]),
        }
    return updated


def night_of(moment: datetime, start_hour: int, end_hour: int) -> date | None:
    """The night a UTC moment falls in (named by the date it began on), or None by day."""
    local = to_local(moment)
    if start_hour < end_hour:
        return local.date() if start_hour <= local.hour < end_hour else None
    if local.hour >= start_hour:
        return local.date()
    if local.hour < end_hour:
        return local.date() - timedelta(days=1)
    return None


def night_credit(
    night_date: date | None, night_seconds: float, now: datetime, by_date: dict
) -> tuple[date, float] | None:
    """The user's night and its credited seconds after a beat at ``now``, if it is night."""
    config = current_app.config
    night = night_of(now, int(config["RISK_NIGHT_START_HOUR"]), int(config["RISK_NIGHT_END_HOUR"]))
    if night is None:
        return None
    credited = sum(by_date.values())
    so_far = night_seconds if night_date == night else 0.0
    return night, so_far + credited


def shared_evidence(view: LessonView) -> dict:
    """Other accounts that opened views on the same device or from the same address within
    the last LMS_RISK_SHARED_MINUTES (one query each, on the indexes that serve them)."""
    config = current_app.config
    minutes = int(config["RISK_SHARED_MINUTES"])
    since = view.opened_at - timedelta(minutes=minutes)
    found = {}
    for code, column, value, limit in (
        ("shared_device", LessonView.device_id, view.device_id, "RISK_DEVICE_ACCOUNTS"),
        ("shared_address", LessonView.address, view.address, "RISK_ADDRESS_ACCOUNTS"),
    ):
        if not value:
            continue
        others = db.session.scalar(
            select(func.count(func.distinct(LessonView.user_id))).where(
                column == value,
                LessonView.opened_at >= since,
                LessonView.user_id != view.user_id,
            )
        )
        if others + 1 >= int(config[limit]):
            found[code] = {"accounts": others + 1, "minutes": minutes}
            if code == "shared_address":
                found[code]["address"] = value
    return found
