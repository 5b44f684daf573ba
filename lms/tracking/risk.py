"""The risk of a viewing session as pure functions: what the player and the server observed
(the view's evidence), the signals it shows and the level they add up to (docs/domain.md,
"Signals and risk")."""

import math
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LOW, MEDIUM, HIGH = "low", "medium", "high"
LEVELS = (LOW, MEDIUM, HIGH)
LEVEL_LABELS = {LOW: _l("Low"), MEDIUM: _l("Medium"), HIGH: _l("High")}

# How much each signal weighs. A browser that says it is automated is nearly proof alone; a
# muted lecture or no input is common among honest cadres (audio courses heard while doing
# something else) and only counts together with others; one address is shared by a whole
# office behind its intranet's gateway, one device far less often.
WEIGHTS = {
    "automation": 3,
    "no_player_report": 2,
    "regular_beats": 2,
    "regular_presence": 2,
    "shared_device": 2,
    "night": 2,
    "muted": 1,
    "unattended": 1,
    "no_input": 1,
    "shared_address": 1,
}
MAX_MARKERS = 5
MAX_PRESENCE_ANSWERS = 20
MAX_INPUTS = 10**9


@dataclass(frozen=True)
class Thresholds:
    """The LMS_RISK_* settings (config.py holds their defaults)."""

    medium_score: int
    high_score: int
    session_seconds: float  # "for the whole session" means at least this long
    beat_jitter_seconds: float
    regular_beats: int
    presence_jitter_seconds: float
    regular_answers: int
    night_hours: float

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        return cls(
            medium_score=int(config["RISK_MEDIUM_SCORE"]),
            high_score=int(config["RISK_HIGH_SCORE"]),
            session_seconds=float(config["RISK_SESSION_SECONDS"]),
            beat_jitter_seconds=float(config["RISK_BEAT_JITTER_SECONDS"]),
            regular_beats=int(config["RISK_REGULAR_BEATS"]),
            presence_jitter_seconds=float(config["RISK_PRESENCE_JITTER_SECONDS"]),
            regular_answers=int(config["RISK_REGULAR_ANSWERS"]),
            night_hours=float(config["RISK_NIGHT_HOURS"]),
        )


# --- running statistics: a series summed as it goes (Welford), never stored value by value


def add_sample(stats: dict | None, value: float) -> dict:
    """``stats`` ({n, mean, m2}) with one more value."""
    n, mean, m2 = (
        (stats or {}).get("n", 0),
        (stats or {}).get("mean", 0.0),
        (stats or {}).get("m2", 0.0),
    )
    n += 1
    delta = value - mean
    mean += delta / n
    m2 += delta * (value - mean)
    return {"n": n, "mean": round(mean, 6), "m2": round(m2, 9)}


def deviation(stats: dict | None) -> float | None:
    """The sample standard deviation of the values in ``stats`` (None below two)."""
    if not stats or stats.get("n", 0) < 2:
        return None
    return math.sqrt(max(0.0, stats["m2"]) / (stats["n"] - 1))


def merge_player_report(player: dict | None, report: dict) -> dict:
    """The player's observations so far with one more report: each flag true once it was
    ever true, the input count the largest reported (the player sends its running count)."""
    merged = dict(player or {})
    merged["reports"] = merged.get("reports", 0) + 1
    for flag in ("webdriver", "audible", "visible", "focused"):
        merged[flag] = bool(merged.get(flag)) or bool(report.get(flag))
    markers = [*merged.get("headless", []), *report.get("headless", [])]
    merged["headless"] = sorted(set(markers))[:MAX_MARKERS]
    merged["inputs"] = max(int(merged.get("inputs", 0)), int(report.get("inputs", 0)))
    return merged


# --- judging ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    level: str
    signals: list[dict]  # [{"code", "evidence"}], heaviest first


def assess(evidence: dict, played_seconds: float, limits: Thresholds) -> Assessment:
    """The signals a session's evidence shows and the level their weights add up to."""
    signals = [
        {"code": code, "evidence": found}
        for code, found in _signals(evidence, played_seconds, limits)
    ]
    signals.sort(key=lambda signal: -WEIGHTS[signal["code"]])
    score = sum(WEIGHTS[signal["code"]] for signal in signals)
    if score >= limits.high_score:
        level = HIGH
    elif score >= limits.medium_score:
        level = MEDIUM
    else:
        level = LOW
    return Assessment(level=level, signals=signals)


def _signals(evidence: dict, played_seconds: float, limits: Thresholds):
    player = evidence.get("player")
    whole_session = played_seconds >= limits.session_seconds
    if player and (player.get("webdriver") or player.get("headless")):
        yield "automation", {"webdriver": bool(player.get("webdriver")),
                             "markers": player.get("headless", [])}  # fmt: skip
    if whole_session and not player:
        yield "no_player_report", {"played_seconds": round(played_seconds)}
    if whole_session and player:
        if not player.get("audible"):
            yield "muted", {"played_seconds": round(played_seconds)}
        if not player.get("visible") and not player.get("focused"):
            yield "unattended", {"played_seconds": round(played_seconds)}
        if not player.get("inputs"):
            yield "no_input", {"played_seconds": round(played_seconds)}
    beats = evidence.get("beats")
    jitter = deviation(beats)
    if _regular(beats, jitter, limits.regular_beats, limits.beat_jitter_seconds):
        yield "regular_beats", _regularity(beats, jitter)
    answers = evidence.get("presence")
    jitter = deviation(answers)
    if _regular(answers, jitter, limits.regular_answers, limits.presence_jitter_seconds):
        yield "regular_presence", _regularity(answers, jitter)
    night = evidence.get("night")
    if night and night.get("seconds", 0) >= limits.night_hours * 3600:
        yield "night", night
    for code in ("shared_device", "shared_address"):
        if evidence.get(code):
            yield code, evidence[code]


def _regular(stats, jitter, enough: int, limit: float) -> bool:
    """Enough intervals (or answers) to judge, varying by less than a person's would."""
    return jitter is not None and stats["n"] >= enough and jitter < limit


def _regularity(stats: dict, jitter: float) -> dict:
    return {"count": stats["n"], "mean_seconds": round(stats["mean"], 3),
            "jitter_seconds": round(jitter, 3)}  # fmt: skip


def describe(signal: dict) -> str:
    """A signal in plain words, in the reader's language."""
    code, found = signal["code"], signal.get("evidence") or {}
    minutes = round(found.get("played_seconds", 0) / 60)
    if code == "automation":
        markers = ", ".join(found.get("markers") or [])
        if found.get("webdriver"):
            markers = ", ".join(filter(None, ["navigator.webdriver", markers]))
        return _("The browser said it was driven by automation software (%(markers)s).",
                 markers=markers)  # fmt: skip
    if code == "no_player_report":
        return _(
            "%(minutes)d min were played without any report from the player: the beats "
            "came from something other than the lesson page.",
            minutes=minutes,
        )
    if code == "muted":
        return _("The sound was off or muted for the whole session (%(minutes)d min).",
                 minutes=minutes)  # fmt: skip
    if code == "unattended":
        return _("The page was never visible or in front for the whole session (%(minutes)d min).",
                 minutes=minutes)  # fmt: skip
    if code == "no_input":
        return _(
            "Nobody touched the mouse, keyboard or screen for the whole session (%(minutes)d min).",
            minutes=minutes,
        )
    if code == "regular_beats":
        return _(
            "The player's reports came at machine-like intervals: %(count)d intervals of "
            "%(mean)s s varied by only %(jitter)s s.",
            count=found["count"],
            mean=found["mean_seconds"],
            jitter=found["jitter_seconds"],
        )
    if code == "regular_presence":
        return _(
            "The “are you still studying?” checks were answered with machine-like regularity: "
            "%(count)d answers after %(mean)s s varied by only %(jitter)s s.",
            count=found["count"],
            mean=found["mean_seconds"],
            jitter=found["jitter_seconds"],
        )
    if code == "night":
        return _(
            "Studied through the night: %(hours)s hours between %(start)02d:00 and %(end)02d:00 "
            "in the night of %(date)s.",
            hours=round(found["seconds"] / 3600, 1),
            start=found["start_hour"],
            end=found["end_hour"],
            date=found["date"],
        )
    if code == "shared_device":
        return _(
            "%(count)d accounts studied on this device within %(minutes)d minutes.",
            count=found["accounts"],
            minutes=found["minutes"],
        )
    if code == "shared_address":
        return _(
            "%(count)d accounts studied from the address %(address)s within %(minutes)d minutes.",
            count=found["accounts"],
            address=found["address"],
            minutes=found["minutes"],
        )
    return code
