"""Words for the evaluation pages: kinds, aspects and the health score's reasons."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.evaluation.health import Reason
from lms.tracking.audience import format_clock

KIND_LABELS = {"rating": _l("Rating 1–5"), "text": _l("Free text")}
ASPECT_LABELS = {
    "relevance": _l("relevance to my work"),
    "clarity": _l("clarity"),
    "teacher": _l("the teacher"),
    "other": _l("other"),
}
PART_LABELS = {
    "retention": _l("Viewers stay"),
    "completion": _l("Completion"),
    "tests": _l("Test results"),
    "ratings": _l("Ratings"),
}


def reason_text(reason: Reason) -> str:
    """A reason of the health score in words."""
    values = reason.values
    if reason.code == "viewers_stop":
        return _(
            "Most viewers stop at %(clock)s in %(lesson)s.",
            clock=format_clock(values["seconds"]),
            lesson=values["lesson"],
        )
    if reason.code == "low_completion":
        return _(
            "Only %(percent)d %% of the %(starters)d cadres who started it completed it.",
            percent=values["percent"],
            starters=values["starters"],
        )
    if reason.code == "tests_failed":
        return _(
            "%(percent)d %% of %(results)d test results are fails.",
            percent=values["percent"],
            results=values["results"],
        )
    if reason.code == "rated_low":
        return _(
            "Rated low for %(aspect)s by %(percent)d %% of %(respondents)d respondents.",
            aspect=ASPECT_LABELS.get(values["aspect"], values["aspect"]),
            percent=values["percent"],
            respondents=values["respondents"],
        )
    if reason.code == "few_respondents":
        return _(
            "Ratings count from %(threshold)d respondents on; there are fewer so far.",
            threshold=values["threshold"],
        )
    return reason.code
