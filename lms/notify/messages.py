"""The texts of in-app notifications, rendered in the reader's language when shown."""

from collections.abc import Callable

from flask_babel import gettext as _

from lms.core import statsyear

# kind -> a function of the notification's params giving its text. Features add their kinds
# with ``register``; an unknown kind (a feature removed) still shows something sensible.
_KINDS: dict[str, Callable[[dict], str]] = {}


def register(kind: str, render: Callable[[dict], str]) -> None:
    _KINDS[kind] = render


def render_text(kind: str, params: dict) -> str:
    render = _KINDS.get(kind)
    if render is None:
        return _("You have a new notification.")
    try:
        return render(params)
    except (KeyError, TypeError, ValueError):
        return _("You have a new notification.")


register(
    "quota_at_risk",
    lambda p: _(
        "You have %(hours)s of your %(quota)s study hours for the %(year)s. About %(weekend)s "
        "hours each weekend until the cut-off would meet the quota.",
        hours=p["hours"],
        quota=p["quota"],
        year=statsyear.label(int(p["year"])),
        weekend=p["weekend"],
    ),
)


def _digest(p: dict) -> str:
    """The supervisor digest, in the dashboard's outlook words (behind, at risk)."""
    if "at_risk" not in p:  # a digest stored before the two outlooks were told apart
        return _(
            "%(behind)s of %(total)s cadres in %(unit)s are behind their study-hour quota.",
            behind=p["behind"],
            total=p["total"],
            unit=p["unit"],
        )
    return _(
        "%(unit)s: %(total)s cadres owe study hours; behind: %(behind)s, at risk: "
        "%(at_risk)s (the dashboard's forecast).",
        behind=p["behind"],
        at_risk=p["at_risk"],
        total=p["total"],
        unit=p["unit"],
    )


register("supervisor_digest", _digest)
