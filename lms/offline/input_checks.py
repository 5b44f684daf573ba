"""What the forms send, checked: a record's or an exemption's fields, and the cadres chosen."""

import re
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms.accounts.models import User
from lms.core.personnel import personnel_key
from lms.extensions import db
from lms.offline import rules
from lms.offline.errors import OfflineError
from lms.offline.labels import EXEMPTION_EFFECT_LABELS, EXEMPTION_KIND_LABELS, TRAINING_TYPE_LABELS
from lms.offline.models import ExemptionKind
from lms.org.models import Cadre, Unit
from lms.org.visibility import unit_scope_clause

MAX_TITLE = 200
MAX_PROVIDER = 200
MAX_REASON = 500
MAX_CADRES_AT_ONCE = 500

# --- the fields --------------------------------------------------------------------------


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


def check_text(value: str | None, limit: int, field: str, required_message=None) -> str:
    """``value`` trimmed; refused when longer than ``limit`` or, given ``required_message``,
    empty."""
    value = (value or "").strip()
    if required_message and not value:
        raise OfflineError(required_message, field)
    if len(value) > limit:
        raise OfflineError(_("At most %(count)d characters.", count=limit), field)
    return value


def check_training_fields(fields: dict) -> dict:
    if fields.get("training_type") not in TRAINING_TYPE_LABELS:
        raise OfflineError(_("Choose the type of training."), "training_type")
    title = check_text(fields.get("title"), MAX_TITLE, "title", _("Give the title."))
    provider = check_text(fields.get("provider"), MAX_PROVIDER, "provider")
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
    reason = check_text(fields.get("reason"), MAX_REASON, "reason", needs_reason)
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
        # Compared in the normal form (lms.core.personnel): case, width and spaces ignored.
        lowered = {personnel_key(n): n for n in numbers}
        lowered.pop("", None)
        rows = db.session.execute(
            _scoped_cadres(actor).where(Cadre.personnel_key.in_(list(lowered)))
        ).all()
        for user_id, key in rows:
            wanted_ids.add(user_id)
            found_numbers.add(key)
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
        select(Cadre.user_id, Cadre.personnel_key)
        .join(User, Cadre.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(unit_scope_clause(actor))
    )
