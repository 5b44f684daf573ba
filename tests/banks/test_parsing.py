"""The pure core of question files: a row into a question with its problems, and back."""

import pytest

from lms.banks.file_rows import EXAMPLES, EXPORT_COLUMNS, parse_row, question_row, template_rows
from lms.banks.question_rules import QuestionData, check_question, split_lines, split_tags


def codes(parsed) -> list[str]:
    return [p.code for p in parsed.problems]


def test_single_choice_with_letter_columns():
    parsed = parse_row(
        {
            "type": "单选题",
            "question": "党的最高理想是什么？",
            "option_a": "实现共产主义",
            "option_b": "小康社会",
            "correct": "A",
            "points": 2.0,
            "difficulty": "易",
            "tags": "党章、理论",
            "explanation": "党章总纲。",
        }
    )
    assert parsed.problems == []
    q = parsed.question
    assert q.kind == "single"
    assert q.options == [("实现共产主义", True), ("小康社会", False)]
    assert (q.points, q.difficulty, q.tags, q.explanation) == (
        2.0,
        1,
        ["党章", "理论"],
        "党章总纲。",
    )


@pytest.mark.parametrize("correct", ["A,C", "AC", "a、c", "A C", "Ａ，Ｃ"])
def test_multiple_choice_letters_in_any_writing(correct):
    parsed = parse_row(
        {"type": "multiple", "question": "Q", "options": "x|y|z", "correct": correct}
    )
    assert parsed.problems == []
    assert [ok for _text, ok in parsed.question.options] == [True, False, True]


def test_multiple_choice_partial_credit_flag():
    row = {"type": "多选", "question": "Q", "options": "x|y", "correct": "A,B"}
    assert parse_row({**row, "partial_credit": "是"}).question.is_partial_credit is True
    assert parse_row({**row, "partial_credit": "no"}).question.is_partial_credit is False
    assert parse_row(row).question.is_partial_credit is False
    assert codes(parse_row({**row, "partial_credit": "maybe"})) == ["bad_partial"]


@pytest.mark.parametrize(
    ("correct", "first_true"),
    [("对", True), ("错", False), ("T", True), ("false", False), ("B", False), ("√", True)],
)
def test_true_false_without_options_gets_localized_ones(correct, first_true):
    parsed = parse_row({"type": "判断题", "question": "Q", "correct": correct}, "zh")
    assert parsed.problems == []
    assert parsed.question.options == [("对", first_true), ("错", not first_true)]
    english = parse_row({"type": "true_false", "question": "Q", "correct": correct}, "en")
    assert [text for text, _ok in english.question.options] == ["True", "False"]


def test_true_false_correct_may_name_its_own_option_text():
    parsed = parse_row(
        {"type": "tf", "question": "Q", "option_a": "正确", "option_b": "错误", "correct": "错误"}
    )
    assert parsed.question.options == [("正确", False), ("错误", True)]


def test_fill_blank_accepted_answers_split_by_bar():
    parsed = parse_row(
        {"type": "填空题", "question": "每年____学时", "correct": "70 | 七十｜seventy"}
    )
    assert parsed.problems == []
    assert parsed.question.accepted_answers == ["70", "七十", "seventy"]
    assert parsed.question.options == []


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"type": "essay", "question": "Q", "correct": "A"}, "unknown_type"),
        ({"type": "", "question": "Q", "correct": "A"}, "unknown_type"),
        ({"type": "single", "question": "  ", "options": "x|y", "correct": "A"}, "empty_text"),
        ({"type": "single", "question": "Q", "options": "x|y", "correct": ""}, "no_correct"),
        (
            {"type": "single", "question": "Q", "options": "x|y", "correct": "A,B"},
            "several_correct",
        ),
        (
            {"type": "single", "question": "Q", "options": "x|y", "correct": "C"},
            "correct_out_of_range",
        ),
        ({"type": "single", "question": "Q", "options": "x|y", "correct": "1"}, "bad_correct"),
        ({"type": "single", "question": "Q", "options": "x", "correct": "A"}, "too_few_options"),
        (
            {"type": "single", "question": "Q", "options": "a|b|c|d|e|f|g", "correct": "A"},
            "too_many_options",
        ),
        ({"type": "single", "question": "Q", "options": "x|x", "correct": "A"}, "duplicate_option"),
        (
            {"type": "single", "question": "Q", "option_a": "x", "option_c": "z", "correct": "A"},
            "option_gap",
        ),
        (
            {"type": "single", "question": "Q", "options": "x|y", "correct": "A", "points": "0"},
            "bad_points",
        ),
        (
            {"type": "single", "question": "Q", "options": "x|y", "correct": "A", "points": "-1"},
            "bad_points",
        ),
        (
            {"type": "single", "question": "Q", "options": "x|y", "correct": "A", "points": "two"},
            "bad_points",
        ),
        (
            {
                "type": "single",
                "question": "Q",
                "options": "x|y",
                "correct": "A",
                "difficulty": "9",
            },
            "bad_difficulty",
        ),
        ({"type": "true_false", "question": "Q", "correct": "maybe"}, "bad_correct"),
        (
            {"type": "true_false", "question": "Q", "options": "a|b|c", "correct": "A"},
            "true_false_options",
        ),
        ({"type": "fill_blank", "question": "Q", "correct": ""}, "no_answers"),
        (
            {"type": "fill_blank", "question": "Q", "options": "x|y", "correct": "x"},
            "fill_blank_options",
        ),
    ],
)
def test_each_rejection_reason(row, code):
    parsed = parse_row(row)
    assert code in codes(parsed), codes(parsed)


def test_out_of_range_names_the_letters_and_the_count():
    parsed = parse_row({"type": "multiple", "question": "Q", "options": "x|y", "correct": "A,D"})
    (item,) = parsed.problems
    assert item.values == {"letters": "D", "count": 2, "last": "B"}


def test_points_and_difficulty_defaults_and_words():
    row = {"type": "single", "question": "Q", "options": "x|y", "correct": "A"}
    assert (parse_row(row).question.points, parse_row(row).question.difficulty) == (1.0, 2)
    assert parse_row({**row, "points": "2.5", "difficulty": "hard"}).question.points == 2.5
    assert parse_row({**row, "difficulty": "困难"}).question.difficulty == 3
    assert parse_row({**row, "points": 3}).question.points == 3.0


def test_split_tags_and_lines():
    assert split_tags("党史, 理论、政策；党史,,") == ["党史", "理论", "政策"]
    assert split_lines(" 70 \n\n七十\n70\n") == ["70", "七十"]


def test_check_question_is_the_editor_rule_too():
    good = QuestionData("single", "Q", [("x", True), ("y", False)])
    assert check_question(good) == []
    assert [
        p.code for p in check_question(QuestionData("single", "Q", [("x", True), ("", False)]))
    ] == ["empty_option"]
    bar = QuestionData("fill_blank", "Q", accepted_answers=["a|b"])
    assert [p.code for p in check_question(bar)] == ["answer_has_bar"]


def test_key_ignores_width_case_and_spacing_but_not_options():
    a = QuestionData("single", "以下说法正确的是", [("甲", True), ("乙", False)])
    b = QuestionData("single", " 以下说法正确的是 ", [("甲", False), ("乙", True)])
    c = QuestionData("single", "以下说法正确的是", [("丙", True), ("乙", False)])
    assert a.key() == b.key()
    assert a.key() != c.key()
    assert QuestionData("fill_blank", "ABC  d").key() == QuestionData("fill_blank", "abc d").key()


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_export_rows_parse_back_to_the_same_questions(locale):
    _header, *rows = template_rows(locale)
    assert len(rows) == 4  # one example per type
    for example, cells in zip(EXAMPLES[locale], rows, strict=True):
        parsed = parse_row(dict(zip(EXPORT_COLUMNS, cells, strict=True)), locale)
        assert parsed.problems == []
        assert parsed.question == example


def test_export_row_layout():
    cells = question_row(
        QuestionData(
            "multiple",
            "Q",
            [("x", True), ("y", False), ("z", True)],
            points=2.5,
            tags=["a", "b"],
            is_partial_credit=True,
        ),
        "en",
    )
    assert cells == ["multiple", "Q", "x", "y", "z", "", "", "", "A,C", 2.5, "2", "a, b", "", "yes"]
