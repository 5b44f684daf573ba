"""Questions as spreadsheet rows and back: the file layout, reading a row into a question
and writing a question as a row (no Flask, no database). The column layout is documented in
the README (*Question banks*).
"""

import unicodedata
from dataclasses import dataclass, field

from lms.banks.question_rules import (
    ANSWER_SPLIT,
    CHOICE_KINDS,
    DEFAULT_DIFFICULTY,
    DEFAULT_POINTS,
    DIFFICULTY_EXPORT,
    DIFFICULTY_WORDS,
    FALSE_WORDS,
    KIND_EXPORT,
    LETTER_SPLIT,
    LETTERS,
    MAX_OPTIONS,
    NO_WORDS,
    OPTION_KEYS,
    TRUE_FALSE_LABELS,
    TRUE_WORDS,
    YES_WORDS,
    QuestionData,
    check_question,
    format_points,
    parse_kind,
    problem,
    split_tags,
    squash,
    word,
)
from lms.core.tabular import cell_text  # a pure function: how a spreadsheet cell reads as text

# --- the file layout ---------------------------------------------------------------------

# Column key -> Chinese header names (the first is written in Chinese files); English
# aliases beyond the key itself. Kept here so the pure tests can build files.
COLUMN_NAMES = {
    "type": (("题型", "类型", "题目类型"), ("kind",)),
    "question": (("题目", "题干", "试题", "题目内容"), ("text",)),
    "options": (("选项",), ()),
    **{
        key: ((f"选项{letter}", letter), (f"option {letter}",))
        for key, letter in zip(OPTION_KEYS, LETTERS, strict=True)
    },
    "correct": (("答案", "正确答案", "参考答案"), ("answer", "correct answer")),
    "points": (("分值", "分数"), ("score",)),
    "difficulty": (("难度",), ()),
    "tags": (("标签", "知识点"), ()),
    "explanation": (("解析", "答案解析", "试题解析"), ()),
    "partial_credit": (("部分得分", "部分给分"), ()),
}
REQUIRED_COLUMNS = ("type", "question", "correct")
EXPORT_COLUMNS = (
    "type",
    "question",
    *OPTION_KEYS,
    "correct",
    "points",
    "difficulty",
    "tags",
    "explanation",
    "partial_credit",
)


def header_row(locale: str) -> list[str]:
    """The header of an exported file or template: Chinese names, or the English keys."""
    if locale.startswith("zh"):
        return [COLUMN_NAMES[key][0][0] for key in EXPORT_COLUMNS]
    return list(EXPORT_COLUMNS)


# --- a row into a question ---------------------------------------------------------------


@dataclass
class ParsedRow:
    """A data row read: the question (None when it cannot even be built) and its problems."""

    question: QuestionData | None
    problems: list = field(default_factory=list)


def _text(values: dict, key: str) -> str:
    return cell_text(values.get(key))


def parse_row(values: dict, locale: str = "zh") -> ParsedRow:
    """Read one row (cells by column key) into a question and all its problems."""
    kind = parse_kind(_text(values, "type"))
    if kind is None:
        return ParsedRow(None, [problem("unknown_type", "kind", value=_text(values, "type"))])
    problems = []
    data = QuestionData(kind=kind, text=_text(values, "question"))
    data.explanation = _text(values, "explanation")
    data.tags = split_tags(_text(values, "tags"))
    data.points = read_points(values.get("points"), problems)
    data.difficulty = _read_difficulty(_text(values, "difficulty"), problems)
    options = _read_options(values, problems)
    correct = _text(values, "correct")
    if kind == "fill_blank":
        if options:
            problems.append(problem("fill_blank_options", "options"))
        data.accepted_answers = [a.strip() for a in ANSWER_SPLIT.split(correct) if a.strip()]
    else:
        if kind == "true_false" and not options:
            options = list(TRUE_FALSE_LABELS["zh" if locale.startswith("zh") else "en"])
        data.options = [(text, False) for text in options]
        _mark_correct(data, correct, problems)
    partial = word(_text(values, "partial_credit"))
    if partial in YES_WORDS:
        data.is_partial_credit = kind == "multiple"
    elif partial not in NO_WORDS:
        problems.append(problem("bad_partial", "is_partial_credit", value=partial))
    problems += [p for p in check_question(data) if p not in problems]
    return ParsedRow(data, problems)


def read_points(value, problems) -> float:
    """Points from a cell or a form; blank is the default; not a number adds a problem."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_POINTS
    if isinstance(value, bool):
        problems.append(problem("bad_points", "points", value=str(value)))
        return DEFAULT_POINTS
    try:
        points = float(unicodedata.normalize("NFKC", str(value)).strip())
    except ValueError:
        problems.append(problem("bad_points", "points", value=str(value).strip()))
        return DEFAULT_POINTS
    if points != points or points in (float("inf"), float("-inf")):  # NaN, infinities
        problems.append(problem("bad_points", "points", value=str(value).strip()))
        return DEFAULT_POINTS
    return points  # check_question refuses 0, negatives and too many


def _read_difficulty(text: str, problems) -> int:
    value = word(text)
    if not value:
        return DEFAULT_DIFFICULTY
    for level, names in DIFFICULTY_WORDS.items():
        if value in names:
            return level
    problems.append(problem("bad_difficulty", "difficulty", value=text))
    return DEFAULT_DIFFICULTY


def _read_options(values: dict, problems) -> list[str]:
    """Options from the A..F columns, else from the ``options`` column split by ``|``."""
    lettered = [_text(values, key) for key in OPTION_KEYS]
    while lettered and not lettered[-1]:
        lettered.pop()
    if lettered:
        if not all(lettered):
            gap = LETTERS[lettered.index("")]
            problems.append(problem("option_gap", "options", letter=gap))
            return [text for text in lettered if text]
        return lettered
    joined = _text(values, "options")
    return [part.strip() for part in ANSWER_SPLIT.split(joined)] if joined else []


def _mark_correct(data: QuestionData, correct: str, problems) -> None:
    """Set ``is_correct`` from letters (``A``, ``A,C``, ``AC``) or, for true/false, a word."""
    count = len(data.options)
    if not correct:
        return  # check_question reports "no correct option"
    indexes = None
    if data.kind == "true_false":
        indexes = _true_false_index(correct, data.options)
    if indexes is None:
        indexes = _letter_indexes(correct)
        if indexes is None:
            problems.append(problem("bad_correct", "correct", value=correct))
            return
    out_of_range = [chr(ord("A") + i) for i in sorted(indexes) if i >= count]
    if out_of_range:
        problems.append(
            problem(
                "correct_out_of_range",
                "correct",
                letters=", ".join(out_of_range),
                count=count,
                last=LETTERS[max(count, 1) - 1],
            )
        )
    data.options = [(text, i in indexes) for i, (text, _old) in enumerate(data.options)]


def _true_false_index(correct: str, options) -> set[int] | None:
    value = squash(correct)
    for index, (text, _correct) in enumerate(options):
        if value == squash(text):
            return {index}
    if word(correct) in TRUE_WORDS:
        return {0}
    if word(correct) in FALSE_WORDS:
        return {1}
    return None


def _letter_indexes(correct: str) -> set[int] | None:
    text = unicodedata.normalize("NFKC", correct).upper().strip()
    parts = [p for p in LETTER_SPLIT.split(text) if p]
    if len(parts) == 1 and len(parts[0]) > 1:
        if not set(parts[0]) <= set(LETTERS):
            return None  # a word, not letters run together
        parts = list(parts[0])  # "AC"
    if not parts or any(len(p) != 1 or not ("A" <= p <= "Z") for p in parts):
        return None
    return {ord(p) - ord("A") for p in parts}


# --- a question into a row ---------------------------------------------------------------


def question_row(data: QuestionData, locale: str = "zh") -> list:
    """The cells of one exported question, in ``EXPORT_COLUMNS`` order."""
    chinese = locale.startswith("zh")
    options = [text for text, _correct in data.options] if data.kind in CHOICE_KINDS else []
    letters = [LETTERS[i] for i, (_t, ok) in enumerate(data.options) if ok]
    if data.kind == "fill_blank":
        correct = "|".join(data.accepted_answers)
    elif data.kind == "true_false":
        correct = next((text for text, ok in data.options if ok), "")
    else:
        correct = ",".join(letters)
    partial = ""
    if data.kind == "multiple":
        partial = (
            ("是" if data.is_partial_credit else "否")
            if chinese
            else ("yes" if data.is_partial_credit else "no")
        )
    return [
        KIND_EXPORT["zh" if chinese else "en"][data.kind],
        data.text,
        *(options + [""] * (MAX_OPTIONS - len(options))),
        correct,
        format_points(data.points),
        DIFFICULTY_EXPORT.get(data.difficulty, str(data.difficulty)),
        ("、" if chinese else ", ").join(data.tags),
        data.explanation,
        partial,
    ]


EXAMPLES = {
    "zh": [
        QuestionData(
            "single",
            "党的最高理想和最终目标是什么？",
            [("实现共产主义", True), ("全面建成小康社会", False), ("实现现代化", False)],
            points=2,
            difficulty=1,
            tags=["党章", "理论"],
            explanation="党章总纲明确规定。",
        ),
        QuestionData(
            "multiple",
            "下列属于“四个意识”的有：",
            [("政治意识", True), ("大局意识", True), ("核心意识", True), ("服务意识", False)],
            points=3,
            tags=["理论"],
            is_partial_credit=True,
        ),
        QuestionData("true_false", "干部教育培训实行登记管理。", [("对", True), ("错", False)]),
        QuestionData(
            "fill_blank",
            "区管干部每年须完成网上学习____学时。",
            accepted_answers=["70", "七十"],
            difficulty=3,
        ),
    ],
    "en": [
        QuestionData(
            "single",
            "How many online study hours does a district-management cadre owe each year?",
            [("50", False), ("70", True), ("100", False)],
            points=2,
            difficulty=1,
            tags=["quota"],
            explanation="The annual plan sets 70 hours.",
        ),
        QuestionData(
            "multiple",
            "Which of these are the four priorities of training?",
            [("Reserve cadres", True), ("Young cadres", True), ("Retired cadres", False)],
            points=3,
            tags=["policy"],
            is_partial_credit=True,
        ),
        QuestionData(
            "true_false", "Offline training counts too.", [("True", True), ("False", False)]
        ),
        QuestionData(
            "fill_blank",
            "The training year follows the ____ year.",
            accepted_answers=["calendar"],
            difficulty=3,
        ),
    ],
}


def template_rows(locale: str) -> list[list]:
    """A template file's rows: the header and one example question of each type."""
    examples = EXAMPLES["zh" if locale.startswith("zh") else "en"]
    return [header_row(locale), *(question_row(example, locale) for example in examples)]
