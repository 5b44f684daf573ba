"""The pure scoring core: each question type, partial credit, blank normalization, counting."""

import pytest

from lms.quizzes import grading
from lms.quizzes.grading import Key, counted_percent, normalize_blank, score_question


def single(correct=2, points=2.0):
    return Key(kind="single", points=points, correct_option_ids=frozenset({correct}))


def test_single_choice_scores_only_the_correct_option():
    assert score_question(single(), [2]) == 2.0
    assert score_question(single(), [1]) == 0.0
    assert score_question(single(), None) == 0.0
    assert score_question(single(), []) == 0.0
    # Two options chosen for a single-choice question earn nothing, even with the right one.
    assert score_question(single(), [1, 2]) == 0.0
    # Garbage in a stored answer is no answer.
    assert score_question(single(), {"text": "2"}) == 0.0
    assert score_question(single(), [True]) == 0.0


def test_true_false_scores_like_single_choice():
    key = Key(kind="true_false", points=1.0, correct_option_ids=frozenset({10}))
    assert score_question(key, [10]) == 1.0
    assert score_question(key, [11]) == 0.0


def multiple(partial, points=4.0):
    return Key(
        kind="multiple",
        points=points,
        correct_option_ids=frozenset({1, 2, 3}),
        is_partial_credit=partial,
    )


def test_multiple_choice_all_or_nothing():
    assert score_question(multiple(False), [1, 2, 3]) == 4.0
    assert score_question(multiple(False), [3, 1, 2]) == 4.0
    assert score_question(multiple(False), [1, 2]) == 0.0
    assert score_question(multiple(False), [1, 2, 3, 4]) == 0.0


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ([1, 2, 3], 4.0),  # all right
        ([1, 2], 4.0 * 2 / 3),  # two of three right
        ([1], 4.0 / 3),
        ([1, 2, 4], 4.0 * (2 - 1) / 3),  # a wrong tick cancels a right one
        ([1, 4], 0.0),
        ([1, 4, 5], 0.0),  # never below zero
        ([1, 2, 3, 4, 5], 4.0 * (3 - 2) / 3),
        ([], 0.0),
    ],
)
def test_multiple_choice_partial_credit(chosen, expected):
    assert score_question(multiple(True), chosen) == pytest.approx(expected, abs=1e-3)


def test_ticking_every_option_of_a_partial_question_is_not_rewarded():
    key = Key(
        kind="multiple", points=3.0, correct_option_ids=frozenset({1, 2}), is_partial_credit=True
    )
    assert score_question(key, [1, 2, 3, 4]) == 0.0


@pytest.mark.parametrize(
    ("given", "accepted"),
    [
        ("Marxism", "marxism"),
        ("ＭＡＲＸＩＳＭ", "Marxism"),  # full-width Latin
        ("２０３５", "2035"),  # full-width digits
        ("社会 主义", "社会主义"),  # spaces between Chinese characters
        (" 社会主义　核心价值观 ", "社会主义核心价值观"),  # ideographic space too
        ("为人民 服务。", "为人民服务"),  # punctuation at the end
        ("“实事求是”", "实事求是"),
        ("Seek  truth from\tfacts.", "seek truth from facts"),
        ("2035 年", "2035年"),  # space between a digit and a Chinese character
        ("两个 维护", "两个维护"),
    ],
)
def test_fill_blank_normalization_accepts(given, accepted):
    key = Key(kind="fill_blank", points=1.0, accepted_answers=(accepted,))
    assert score_question(key, {"text": given}) == 1.0


@pytest.mark.parametrize(
    ("given", "accepted"),
    [
        ("seektruth from facts", "seek truth from facts"),  # Latin word spaces matter
        ("社会主义", "共产主义"),
        ("", ""),  # an empty accepted answer never matches
        ("。", ""),
        ("for the people", "for people"),
    ],
)
def test_fill_blank_normalization_rejects(given, accepted):
    key = Key(kind="fill_blank", points=1.0, accepted_answers=(accepted,))
    assert score_question(key, {"text": given}) == 0.0


def test_fill_blank_with_several_accepted_answers():
    key = Key(kind="fill_blank", points=2.0, accepted_answers=("中国共产党", "中共", "CPC"))
    assert score_question(key, {"text": "中共"}) == 2.0
    assert score_question(key, {"text": "ｃｐｃ"}) == 2.0
    assert score_question(key, {"text": "共产党"}) == 0.0
    assert score_question(key, [1]) == 0.0
    assert score_question(key, None) == 0.0


def test_normalize_blank_keeps_inner_punctuation():
    assert normalize_blank("  A,B!  ") == "a,b"
    assert normalize_blank("《党章》") == "党章"


def test_a_question_without_a_correct_option_scores_nothing():
    key = Key(kind="single", points=1.0, correct_option_ids=frozenset())
    assert score_question(key, [1]) == 0.0


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("highest", 80.0), ("last", 60.0), ("average", 63.33)],
)
def test_counting_rules(rule, expected):
    assert counted_percent(rule, [50.0, 80.0, 60.0]) == expected


def test_counting_without_attempts_is_none():
    assert counted_percent("highest", []) is None


def test_pass_and_percent():
    assert grading.percent_of(3, 4) == 75.0
    assert grading.percent_of(0, 0) == 0.0
    assert grading.is_pass(60.0, 60.0)
    assert not grading.is_pass(59.99, 60.0)
    assert not grading.is_pass(None, 0.0)
