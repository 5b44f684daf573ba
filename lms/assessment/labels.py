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


# The words of each kind of explanation line; the line's figures fill in the placeholders.
LINES = {
    "hours": _l(
        "Hours this year: %(online)s online, of which %(required)s in required courses; "
        "%(days)s days of offline training."
    ),
    "waived": _l("The year's quota is waived by an approved exemption, so there is no grade."),
    "exemption": _l(
        "An approved exemption covers %(percent)s%% of the year: the online quota falls "
        "from %(was)s to %(quota)s hours, and the other figures in proportion."
    ),
    "term_online": _l("Online hours: %(done)s of %(owed)s owed, %(points)s of %(weight)s points."),
    "term_required": _l(
        "Required courses: %(done)s of %(owed)s hours owed, %(points)s of %(weight)s points."
    ),
    "term_offline": _l(
        "Offline training: %(done)s of %(owed)s days owed, %(points)s of %(weight)s points."
    ),
    "term_quiz": _l(
        "Quizzes and exams: average %(average)s%% over %(count)s results, "
        "%(points)s of %(weight)s points."
    ),
    "term_quiz_none": _l("Quizzes and exams: no results this year, 0 of %(weight)s points."),
    "total": _l("Total %(total)s of %(max)s points, which by the thresholds is: %(band)s."),
    "quota_unmet": _l(
        "The online quota is not met (%(done)s of %(owed)s hours) and there is no "
        "exemption for it, so the rule makes the result: not competent."
    ),
    "band": _l("Result: %(band)s."),
}


def render_line(kind: str, p: dict) -> str:
    """One line of a result's explanation (a kind without words is shown as it is)."""
    if kind not in LINES:
        return kind
    figures = {**p, "days": p.get("offline_days")}
    if "band" in p:
        figures["band"] = band_label(p["band"])
    return str(LINES[kind]) % figures


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
