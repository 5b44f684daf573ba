"""What the pure modules' problem codes, question types and difficulties are called on pages."""

from flask_babel import lazy_gettext as _l

from lms.banks.question_rules import Problem

MESSAGES = {
    "unknown_type": _l(
        "Unknown question type “%(value)s”: use single, multiple, true_false or fill_blank "
        "(单选题, 多选题, 判断题, 填空题)."
    ),
    "empty_text": _l("The question text is empty."),
    "text_too_long": _l("The question text can have at most %(count)d characters."),
    "true_false_options": _l("A true/false question has exactly two options."),
    "too_few_options": _l("A choice question needs at least two options."),
    "too_many_options": _l("A question can have at most %(count)d options."),
    "empty_option": _l("An option is empty."),
    "option_gap": _l("Option %(letter)s is empty while a later option is filled."),
    "duplicate_option": _l("Two options have the same text."),
    "option_too_long": _l("An option can have at most %(count)d characters."),
    "no_correct": _l("No correct option is marked."),
    "several_correct": _l("This type of question has exactly one correct option."),
    "bad_correct": _l(
        "The correct answer “%(value)s” cannot be read: write option letters such as A or A,C."
    ),
    "correct_out_of_range": _l(
        "The correct answer %(letters)s is not an option: there are %(count)d options "
        "(A to %(last)s)."
    ),
    "no_answers": _l("A fill-in-the-blank question needs at least one accepted answer."),
    "too_many_answers": _l("A question can have at most %(count)d accepted answers."),
    "answer_too_long": _l("An accepted answer can have at most %(count)d characters."),
    "answer_has_bar": _l("An accepted answer cannot contain “|”, which separates answers."),
    "fill_blank_options": _l(
        "A fill-in-the-blank question has no options: put its accepted answers in the "
        "correct answer column, separated by |."
    ),
    "bad_points": _l("Points must be a number above 0 and at most 1000 (not “%(value)s”)."),
    "bad_difficulty": _l("Difficulty must be 1, 2 or 3 (easy, medium, hard), not “%(value)s”."),
    "too_many_tags": _l("A question can have at most %(count)d tags."),
    "tag_too_long": _l("A tag can have at most %(count)d characters."),
    "explanation_too_long": _l("The explanation can have at most %(count)d characters."),
    "bad_partial": _l("Partial credit must be yes or no (是/否), not “%(value)s”."),
}

KIND_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "true_false": _l("True/false"),
    "fill_blank": _l("Fill in the blank"),
}
DIFFICULTY_LABELS = {1: _l("Easy"), 2: _l("Medium"), 3: _l("Hard")}


def problem_message(item: Problem) -> str:
    return str(MESSAGES[item.code]) % item.values
