"""Bounds on what a request may carry: integers in paths and query strings, JSON bodies.

Every id column is a 32-bit ``integer`` on PostgreSQL while SQLite stores 64 bits, so the
same number could be "not found" on one database and an error on the other. One range,
checked before any query runs, gives both databases the same answer: an id out of range in
a path is a 404 (no such record), in a query string a 400, and a JSON body that is nested
too deeply or carries text that is not valid Unicode is a 400 with a JSON error.
"""

import builtins
import json
from collections.abc import Callable

from flask import abort
from flask import request as current_request
from flask.json.provider import DefaultJSONProvider
from flask.wrappers import Request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

from lms.core.errors import LmsError, render_error

# PostgreSQL's ``integer``: every id column and every other integer column the URLs reach.
INT_MAX = 2**31 - 1
# Deeper than any body the API documents (an answer is two levels), far below the
# interpreter's recursion limit, which json.loads would otherwise reach as a RecursionError.
MAX_JSON_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for the whole URL map: at most ``INT_MAX`` unless a rule says less, so
    an id no column can hold matches no rule (404) instead of failing in the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        bounded = INT_MAX if max is None else builtins.min(max, INT_MAX)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)


def parse_int(raw, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """``raw`` as an int within [minimum, maximum] if it is plain ASCII digits, else None.

    ``str.isdigit`` also accepts "²" (which ``int`` refuses) and digits of other scripts,
    and ``int`` has no upper bound: both reached the database as errors."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def query_int(name: str, default=None, minimum: int = 0, maximum: int = INT_MAX):
    """The query-string integer ``name`` (``default`` when absent or empty); 400 when it is
    present but not a whole number within [minimum, maximum]."""
    raw = current_request.args.get(name, "").strip()
    if not raw:
        return default
    value = parse_int(raw, minimum, maximum)
    if value is None:
        bad_request(
            _(
                "%(name)s must be a whole number between %(min)d and %(max)d.",
                name=name,
                min=minimum,
                max=maximum,
            )
        )
    return value


def requested_year(default: Callable[[], int]) -> int:
    """The ``?year=`` of a page about one statistics year (``default()`` when absent or
    empty); 404 when it is not a year from 2000 to 2100: there is no such page."""
    raw = current_request.args.get("year", "").strip()
    if not raw:
        return default()
    year = parse_int(raw, 2000, 2100)
    if year is None:
        abort(404)
    return year


def bad_request(message: str):
    """Abort with 400 and ``message`` shown as it is (page or JSON error)."""
    error = BadRequest(message)
    error.lms_message = True
    raise error


class JSONRefused(LmsError):
    """A JSON body the app will not take; its message says why (a 400, as every LmsError)."""


def loads_checked(data):
    """``json.loads`` refusing deep nesting and lone surrogates with ``JSONRefused``.

    Invalid UTF-8 already fails as a ``ValueError``; ``"\\ud800"`` decodes to a string no
    database or page can encode, and nesting deep enough raises RecursionError."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise JSONRefused(_("The JSON is nested too deeply.")) from None
    _check_structure(value)
    return value


def _check_structure(value) -> None:
    # Iterative, so checking a deep value cannot itself run out of stack.
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JSONRefused(_("The JSON is nested too deeply."))
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    pending.append((child, depth + 1))
            else:
                pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONRefused(_("The JSON contains text that is not valid Unicode.")) from None
    if "\x00" in text:
        # PostgreSQL's text cannot hold U+0000 (SQLite's can): one rule for both databases.
        raise JSONRefused(_("The text contains a NUL character, which no text may hold."))


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies through ``loads_checked``."""

    def loads(self, s, **kwargs):
        return loads_checked(s)


class RefusedInput(BadRequest):
    """400 for request input the app will not take, with its reason as the message: a JSON
    body ``loads_checked`` refused, or a query string or form carrying a NUL character."""

    lms_message = True


def bounded_int(raw) -> int:
    """``int`` limited to what a column holds: a larger number is as invalid as "abc"."""
    value = int(raw)
    if not -INT_MAX - 1 <= value <= INT_MAX:
        raise ValueError(raw)
    return value


class CheckedArgs(ImmutableMultiDict):
    """Query strings and forms where ``get(name, type=int)`` is bounded: a number no column
    holds falls back to the default, as any other non-number does."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        # A NUL character reaches no column of PostgreSQL's (a 500 there, stored on SQLite).
        # Only text: uploaded files come in this class too, and their bytes are not looked at.
        texts = (t for item in self.items(multi=True) for t in item if isinstance(t, str))
        if any("\x00" in text for text in texts):
            raise RefusedInput(_("The text contains a NUL character, which no text may hold."))

    def get(self, key, default=None, type=None):
        return super().get(key, default, bounded_int if type is int else type)


class CheckedRequest(Request):
    """Bounded integers in query strings and forms; a body refused by ``loads_checked`` is a
    400 with its reason even where a view reads JSON with ``silent=True`` (which would
    otherwise make it look like an empty body)."""

    parameter_storage_class = CheckedArgs

    def on_json_loading_failed(self, e):
        if isinstance(e, JSONRefused):
            raise RefusedInput(str(e))
        return super().on_json_loading_failed(e)

    def get_json(self, force=False, silent=False, cache=True):
        try:
            return super().get_json(force=force, silent=False, cache=cache)
        except RefusedInput:
            raise
        except HTTPException:
            if silent:
                return None
            raise


def init_app(app) -> None:
    """Bound ``<int:...>`` app-wide and read JSON bodies through ``loads_checked``."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = CheckedJSONProvider(app)
    app.request_class = CheckedRequest

    @app.errorhandler(RecursionError)
    def _too_deep(_error):
        # A view that parses a body itself (json.loads) meets the same limit.
        return render_error(400, _("The JSON is nested too deeply."))
