"""The assessment formula, by hand-computed cases."""

from lms.assessment.rules import Band, Formula, Inputs, assess

FORMULA = Formula()  # 60 online, 10 required, 10 offline, 20 quiz; 90 / 75 / 60


def inputs(**changes):
    values = {
        "online_hours": 70.0,
        "required_hours_done": 20.0,
        "offline_days": 0.0,
        "quiz_scores": (90.0, 80.0),
        "quota_hours": 70.0,
        "required_quota_hours": 20.0,
        "offline_quota_days": 0.0,
    }
    values.update(changes)
    return Inputs(**values)


def kinds(result):
    return [line.kind for line in result.lines]


def test_a_full_year_is_excellent():
    result = assess(inputs(), FORMULA)
    # 60 + 10 + 10 (nothing owed offline) + 20 × 85% = 97
    assert result.terms == {"online": 60.0, "required": 10.0, "offline": 10.0, "quiz": 17.0}
    assert result.total == 97.0 and result.band is Band.EXCELLENT
    assert kinds(result) == [
        "hours",
        "term_online",
        "term_required",
        "term_offline",
        "term_quiz",
        "total",
        "band",
    ]


def test_each_band_at_its_threshold():
    # No quiz results: at most 80 points. Online share decides the rest.
    assert assess(inputs(quiz_scores=()), FORMULA).band is Band.COMPETENT  # 80
    formula = Formula(quota_unmet_fails=False)
    # 60 × 35/70 = 30 + 10 + 10 + 20 × 100% = 70 -> basic; 20 × 50% -> 60 -> basic (edge).
    assert assess(inputs(online_hours=35, quiz_scores=(100,)), formula).band is Band.BASIC
    edge = assess(inputs(online_hours=35, quiz_scores=(50,)), formula)
    assert edge.total == 60.0 and edge.band is Band.BASIC
    below = assess(inputs(online_hours=35, quiz_scores=(49,)), formula)
    assert below.total == 59.8 and below.band is Band.NOT_COMPETENT
    top = assess(inputs(quiz_scores=(50,)), formula)  # 60 + 10 + 10 + 10 = 90
    assert top.total == 90.0 and top.band is Band.EXCELLENT


def test_an_unmet_quota_without_exemption_is_not_competent():
    # 69.9 of 70 hours: a high total, but the quota rule decides.
    result = assess(inputs(online_hours=69.9, quiz_scores=(100,)), FORMULA)
    assert result.total > 90
    assert result.band is Band.NOT_COMPETENT
    assert result.lines[-2].kind == "quota_unmet"
    assert result.lines[-2].params == {"done": 69.9, "owed": 70.0}


def test_an_exemption_reduces_every_quota_in_proportion():
    # A quarter of the year on leave: 52.5 hours owed, 15 from required courses.
    result = assess(inputs(online_hours=52.5, required_hours_done=15, quota_factor=0.75), FORMULA)
    assert result.band is Band.EXCELLENT
    exemption = next(line for line in result.lines if line.kind == "exemption")
    assert exemption.params == {"percent": 25.0, "quota": 52.5, "was": 70.0}
    online = next(line for line in result.lines if line.kind == "term_online")
    assert online.params["owed"] == 52.5 and online.params["points"] == 60.0


def test_a_waived_quota_is_exempt_not_graded():
    result = assess(inputs(online_hours=3, is_waived=True), FORMULA)
    assert result.band is Band.EXEMPT and result.terms == {}
    assert kinds(result) == ["hours", "waived"]


def test_shares_are_capped_and_offline_days_count():
    result = assess(inputs(online_hours=140, offline_days=30, offline_quota_days=60), FORMULA)
    assert result.terms["online"] == 60.0  # twice the quota earns no more
    assert result.terms["offline"] == 5.0  # half the days owed


def test_no_quiz_results_say_so():
    result = assess(inputs(quiz_scores=()), FORMULA)
    line = next(line for line in result.lines if line.kind.startswith("term_quiz"))
    assert line.kind == "term_quiz_none" and line.params["points"] == 0.0
