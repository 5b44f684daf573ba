"""Words for bands and for each kind of explanation line, in the reader's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.assessment.rules import Band

BAND_LABELS = {
    Band.EXCELLENT.value: _l("Excellent"),
    Band.COMPETENT.value: _l("Competent"),
    Band.BASIC.value: _l("Basically competent"),
    Band.NOT_COMPETENT.value: _l("Not competent"),
    Band.EXEMPT.value: _l("Exempt"),
}
BAND_ORDER = [b.value for b in Band]


def band_label(value: str) -> str:
    return str(BAND_LABELS.get(value, value))


def render_line(kind: str, p: dict) -> str:
    """One line of a result's explanation."""
    if kind == "hours":
        return _(
            "Hours this year: %(online)s online, of which %(required)s in required courses; "
            "%(days)s days of offline training.",
            online=p["online"],
            required=p["required"],
            days=p["offline_days"],
        )
    if kind == "waived":
        return _("The year's quota is waived by an approved exemption, so there is no grade.")
    if kind == "exemption":
        return _(
            "An approved exemption covers %(percent)s%% of the year: the online quota falls "
            "from %(was)s to %(quota)s hours, and the other figures in proportion.",
            percent=p["percent"],
            was=p["was"],
            quota=p["quota"],
        )
    if kind == "term_online":
        return _(
            "Online hours: %(done)s of %(owed)s owed, %(points)s of %(weight)s points.",
            **_figures(p),
        )
    if kind == "term_required":
        return _(
            "Required courses: %(done)s of %(owed)s hours owed, %(points)s of %(weight)s points.",
            **_figures(p),
        )
    if kind == "term_offline":
        return _(
            "Offline training: %(done)s of %(owed)s days owed, %(points)s of %(weight)s points.",
            **_figures(p),
        )
    if kind == "term_quiz":
        return _(
            "Quizzes and exams: average %(average)s%% over %(count)s results, "
            "%(points)s of %(weight)s points.",
            average=p["average"],
            count=p["count"],
            points=p["points"],
            weight=p["weight"],
        )
    if kind == "term_quiz_none":
        return _(
            "Quizzes and exams: no results this year, 0 of %(weight)s points.", weight=p["weight"]
        )
    if kind == "total":
        return _(
            "Total %(total)s of %(max)s points, which by the thresholds is: %(band)s.",
            total=p["total"],
            max=p["max"],
            band=band_label(p["band"]),
        )
    if kind == "quota_unmet":
        return _(
            "The online quota is not met (%(done)s of %(owed)s hours) and there is no "
            "exemption for it, so the rule makes the result: not competent.",
            done=p["done"],
            owed=p["owed"],
        )
    if kind == "band":
        return _("Result: %(band)s.", band=band_label(p["band"]))
    return kind


def _figures(p: dict) -> dict:
    return {k: p[k] for k in ("done", "owed", "points", "weight")}


def describe_formula(f) -> list[str]:
    """The formula in plain words, a sentence per rule, for everyone to read."""
    lines = [
        _(
            "Online hours against the year's quota earn up to %(points)s points, in proportion.",
            points=f.online_weight,
        ),
        _(
            "Hours in required courses against the part of the quota they must cover earn up "
            "to %(points)s points.",
            points=f.required_weight,
        ),
        _(
            "Offline training days against the days owed earn up to %(points)s points.",
            points=f.offline_weight,
        ),
        _(
            "The average score of the year's quizzes and exams earns up to %(points)s points.",
            points=f.quiz_weight,
        ),
        _("Nothing owed for a part earns its full points; more than owed earns no more."),
        _(
            "Excellent from %(excellent)s points, competent from %(competent)s, basically "
            "competent from %(basic)s, below that not competent.",
            excellent=f.excellent_from,
            competent=f.competent_from,
            basic=f.basic_from,
        ),
        _(
            "An approved exemption reduces every figure owed in proportion to the part of the "
            "year it covers; a waived year is not graded."
        ),
    ]
    if f.quota_unmet_fails:
        lines.append(
            _(
                "A cadre below the online quota without an exemption is not competent, "
                "whatever the total."
            )
        )
    return lines
