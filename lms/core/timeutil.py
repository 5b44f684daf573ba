"""UTC storage and local-time helpers (the database holds naive UTC datetimes)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the database stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC datetime in the configured local time zone."""
    return value.replace(tzinfo=UTC).astimezone(local_zone())


def local_today() -> date:
    return datetime.now(local_zone()).date()
