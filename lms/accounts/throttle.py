"""Login throttling shared by the login form and the API's token endpoint.

Every attempt is counted before its password is checked, by one atomic increment in the
rate limiter's storage (Flask-Limiter's, so memory or Redis), and only an attempt that the
increment admits is evaluated: forty parallel guesses cannot all slip under a limit of five.
Accounts are limited strictly and addresses generously, so one person behind an office's
shared address locks their own account, not the office.

When the shared storage (Redis) cannot be reached, attempts are counted in this process's
memory instead, and logins go on: an outage of the counter must not lock everybody out, and
each process still holds every account to its limits.
"""

import logging
import math
import time
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from lms.extensions import limiter

log = logging.getLogger(__name__)

# Where attempts are counted while the shared storage is unreachable (one per process).
_fallback_storage = MemoryStorage()


class Throttled(Exception):
    """Too many attempts: ``retry_after`` seconds until the next one is evaluated."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return ngettext(
            "Too many attempts. Try again in %(num)d second.",
            "Too many attempts. Try again in %(num)d seconds.",
            self.retry_after,
        )


@dataclass
class Attempt:
    """The hits one admitted attempt made; ``succeeded()`` takes them back."""

    hits: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)
    storage: Storage | None = None

    def succeeded(self) -> None:
        # Only failed attempts count: a cadre who logs in and out all weekend is never locked.
        if self.storage is not None:
            try:
                _refund(self.storage, self.hits)
            except self.storage.base_exceptions:
                log.warning("Login throttling: could not take back a successful attempt")
        self.hits = []


def claim_attempt(username: str) -> Attempt:
    """Count one login attempt for ``username`` from this address, or raise ``Throttled``."""
    if not limiter.enabled:
        return Attempt()
    storage = limiter.storage
    try:
        return _claim(storage, username)
    except storage.base_exceptions:
        log.warning("Login throttling: shared storage unreachable, counting in this process")
        return _claim(_fallback_storage, username)


def _claim(storage: Storage, username: str) -> Attempt:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    account = (prefix, "login-account", str(username or "").strip().lower()[:64])
    address = (prefix, "login-address", get_remote_address())
    # The account first: an attempt its account refuses is not evaluated, so it does not use
    # up the address's allowance for everybody else there.
    hits = _hit_all(storage, current_app.config["LOGIN_LIMIT_ACCOUNT"], account)
    try:
        hits += _hit_all(storage, current_app.config["LOGIN_LIMIT_ADDRESS"], address)
    except Throttled:
        _refund(storage, hits)
        raise
    return Attempt(hits, storage)


def _strategy(storage: Storage) -> FixedWindowRateLimiter:
    # A fixed window on the limiter's own storage: its hit is one atomic INCR (a Lua script
    # on Redis, a per-key lock in memory), and a hit can be taken back with a negative cost.
    return FixedWindowRateLimiter(storage)


def _hit_all(storage: Storage, limits_text: str, identifiers: tuple[str, ...]):
    strategy = _strategy(storage)
    hits = []
    for item in parse_many(limits_text):
        if not strategy.hit(item, *identifiers):
            # Refused attempts are taken back too: the counters hold evaluated attempts only,
            # and the wait shown is the time until one more will be evaluated.
            _refund(storage, [*hits, (item, identifiers)])
            reset_at = strategy.get_window_stats(item, *identifiers).reset_time
            raise Throttled(max(1, math.ceil(reset_at - time.time())))
        hits.append((item, identifiers))
    return hits


def _refund(storage: Storage, hits) -> None:
    strategy = _strategy(storage)
    for item, identifiers in hits:
        strategy.hit(item, *identifiers, cost=-1)
