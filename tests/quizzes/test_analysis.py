"""Item analysis by hand-computed cases."""

from lms.quizzes.analysis import item_analysis, score_distribution
from lms.quizzes.figures import flag_reasons


def test_a_good_question_separates_strong_from_weak_takers():
    # Ten takers, stronger as i grows (questions 5-8 follow strength); question 1 is answered
    # by the five strongest, question 2 by the three weakest only (inverted, likely broken),
    # question 3 by everyone.
    attempts = []
    for i in range(10):
        answers = {1: float(i >= 5), 2: float(i <= 2), 3: 1.0}
        answers.update({q: float(i >= q - 3) for q in (5, 6, 7, 8)})
        attempts.append(answers)
    rows = {row.question_id: row for row in item_analysis(attempts)}
    # Groups of round(10 × 0.27) = 3: the top three all answered 1, the bottom three none.
    assert rows[1].difficulty == 0.5 and rows[1].discrimination == 1.0
    assert rows[1].is_flagged is False
    assert rows[2].discrimination == -1.0 and rows[2].is_flagged is True
    assert rows[2].point_biserial < 0 < rows[1].point_biserial
    # Everyone right: no discrimination, no correlation to speak of.
    assert rows[3].difficulty == 1.0 and rows[3].discrimination == 0.0
    assert rows[3].point_biserial is None
    assert rows[3].is_flagged is True


def test_a_negative_point_biserial_is_flagged_even_when_the_groups_look_fine():
    """Issue 14: a question with a negative point-biserial read "no problem found" because
    the Kelley groups (the top and bottom three of ten) happened to favour the strong."""
    rows = [(0, 1, 1, 1), (0, 1, 0, 0), (1, 1, 0, 0), (0, 1, 1, 1), (0, 1, 1, 1)]
    rows += [(1, 1, 0, 1), (1, 0, 0, 0), (1, 0, 0, 1), (0, 0, 0, 0), (1, 1, 1, 1)]
    attempts = [{q: float(v) for q, v in zip((1, 2, 3, 4), row, strict=True)} for row in rows]
    item = {row.question_id: row for row in item_analysis(attempts)}[1]
    assert item.discrimination > 0.2 and item.point_biserial < -0.2
    assert item.is_flagged is True
    assert "Weak takers do better" in flag_reasons(item)[0]
    # With fewer takers than MIN_TAKERS_FOR_CORRELATION the sign is chance: not flagged.
    few = {row.question_id: row for row in item_analysis(attempts[:9])}[1]
    assert (few.takers, few.discrimination) == (9, 0.5) and few.point_biserial < -0.4
    assert few.is_flagged is False and flag_reasons(few) == []


def test_partial_credit_shares_and_missing_questions():
    attempts = [{1: 0.5, 2: 1.0}, {1: 1.0}, {1: 0.0, 2: 0.0}]
    rows = {row.question_id: row for row in item_analysis(attempts)}
    assert rows[1].takers == 3 and rows[1].difficulty == 0.5
    assert rows[2].takers == 2 and rows[2].difficulty == 0.5
    assert rows[1].discrimination is None  # too few takers to split into groups


def test_score_distribution():
    assert score_distribution([0, 9.9, 10, 55, 99.9, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert score_distribution([]) == [0] * 10
