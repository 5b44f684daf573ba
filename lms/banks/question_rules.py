"""A question as typed or read from a file, and its validation (no Flask, no database).

Problems are returned as codes with parameters; ``lms.banks.messages`` turns them into
translated messages.
"""

import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("single", "multiple", "true_false", "fill_blank")
CHOICE_KINDS = ("single", "multiple", "true_false")
LETTERS = "ABCDEF"
MAX_OPTIONS = len(LETTERS)
MAX_TEXT = 5000
MAX_OPTION = 1000  # Option.text is String(1000)
MAX_ANSWERS = 20
MAX_ANSWER = 200
MAX_TAGS = 20
MAX_TAG = 50
MAX_POINTS = 1000
DEFAULT_POINTS = 1.0
DEFAULT_DIFFICULTY = 2

# The names a type may go by in a file (normalized: width, case, spaces, _ and - ignored).
KIND_NAMES = {
    "single": ("single", "单选", "单选题", "单项选择", "单项选择题", "singlechoice"),
    "multiple": ("multiple", "多选", "多选题", "多项选择", "多项选择题", "multiplechoice"),
    "true_false": ("true_false", "判断", "判断题", "truefalse", "tf", "对错题"),
    "fill_blank": ("fill_blank", "填空", "填空题", "fillblank", "fill", "fillintheblank"),
}
# The type as written in an export, per language.
KIND_EXPORT = {
    "zh": {
        "single": "单选题",
        "multiple": "多选题",
        "true_false": "判断题",
        "fill_blank": "填空题",
    },
    "en": {k: k for k in KINDS},
}
# A true/false question's two options, true first.
TRUE_FALSE_LABELS = {"zh": ("对", "错"), "en": ("True", "False")}
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "t", "true", "yes", "y", "right"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "x", "f", "false", "no", "n", "wrong"}
YES_WORDS = {"是", "y", "yes", "true", "1", "对"}
NO_WORDS = {"否", "n", "no", "false", "0", "错", ""}
DIFFICULTY_WORDS = {
    1: {"1", "易", "简单", "容易", "easy"},
    2: {"2", "中", "中等", "一般", "medium"},
    3: {"3", "难", "困难", "较难", "hard"},
}
DIFFICULTY_EXPORT = {1: "1", 2: "2", 3: "3"}
TAG_SPLIT = re.compile(r"[,，、;；]")
ANSWER_SPLIT = re.compile(r"[|｜]")
LETTER_SPLIT = re.compile(r"[\s,，、;；/]+")
OPTION_KEYS = tuple(f"option_{letter.lower()}" for letter in LETTERS)


@dataclass(frozen=True)
class Problem:
    """Why a question is refused: a code, the form field it concerns, and message values."""

    code: str
    field: str
    params: tuple = ()  # (name, value) pairs, hashable

    @property
    def values(self) -> dict:
        return dict(self.params)


def problem(code: str, field_name: str, **params) -> Problem:
    return Problem(code, field_name, tuple(sorted(params.items())))


@dataclass
class QuestionData:
    """A question as typed or read, before it becomes a model (options: (text, is_correct))."""

    kind: str
    text: str
    options: list = field(default_factory=list)
    accepted_answers: list = field(default_factory=list)
    points: float = DEFAULT_POINTS
    difficulty: int = DEFAULT_DIFFICULTY
    tags: list = field(default_factory=list)
    explanation: str = ""
    is_partial_credit: bool = False

    def key(self) -> tuple:
        """What makes two questions the same: type, text and (for choices) the option texts."""
        options = tuple(squash(text) for text, _correct in self.options)
        return (self.kind, squash(self.text), options if self.kind in CHOICE_KINDS else ())


# --- small text helpers ------------------------------------------------------------------


def squash(text) -> str:
    """Width, case and runs of spaces do not matter: for comparing texts."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return re.sub(r"\s+", " ", text).strip().casefold()


def word(text) -> str:
    """A keyword cell (type, yes/no, difficulty): width, case, spaces, ``_ -`` ignored."""
    return re.sub(r"[\s_\-]+", "", squash(text))


def split_tags(text) -> list[str]:
    """``"党史, 理论、政策"`` -> ``["党史", "理论", "政策"]``: blank and repeated tags dropped."""
    tags = []
    for part in TAG_SPLIT.split(unicodedata.normalize("NFKC", text or "")):
        part = part.strip()
        if part and part.casefold() not in {t.casefold() for t in tags}:
            tags.append(part)
    return tags


def split_lines(text) -> list[str]:
    """Non-blank lines, trimmed, repeats dropped (accepted answers typed one per line)."""
    seen, lines = set(), []
    for line in (text or "").splitlines():
        line = line.strip()
        if line and squash(line) not in seen:
            seen.add(squash(line))
            lines.append(line)
    return lines


def parse_kind(text) -> str | None:
    value = word(text)
    for kind, names in KIND_NAMES.items():
        if value in {word(name) for name in names}:
            return kind
    return None


def format_points(points: float):
    return int(points) if float(points).is_integer() else points


# --- validation --------------------------------------------------------------------------


def check_question(data: QuestionData) -> list[Problem]:
    """Every problem of a question (empty when it can be saved); shared by editor and import."""
    problems = []
    if data.kind not in KINDS:
        return [problem("unknown_type", "kind", value=data.kind)]
    if not data.text.strip():
        problems.append(problem("empty_text", "text"))
    elif len(data.text) > MAX_TEXT:
        problems.append(problem("text_too_long", "text", count=MAX_TEXT))
    if data.kind in CHOICE_KINDS:
        problems += _check_options(data)
    else:
        problems += _check_answers(data)
    if not (0 < data.points <= MAX_POINTS):
        problems.append(problem("bad_points", "points", value=format_points(data.points)))
    if data.difficulty not in (1, 2, 3):
        problems.append(problem("bad_difficulty", "difficulty", value=data.difficulty))
    if len(data.tags) > MAX_TAGS:
        problems.append(problem("too_many_tags", "tags", count=MAX_TAGS))
    if any(len(tag) > MAX_TAG for tag in data.tags):
        problems.append(problem("tag_too_long", "tags", count=MAX_TAG))
    if len(data.explanation) > MAX_TEXT:
        problems.append(problem("explanation_too_long", "explanation", count=MAX_TEXT))
    return problems


def _check_options(data: QuestionData) -> list[Problem]:
    options = data.options
    if data.kind == "true_false" and len(options) != 2:
        return [problem("true_false_options", "options")]
    if len(options) < 2:
        return [problem("too_few_options", "options")]
    if len(options) > MAX_OPTIONS:
        return [problem("too_many_options", "options", count=MAX_OPTIONS)]
    problems = []
    texts = [squash(text) for text, _correct in options]
    if any(not text for text in texts):
        problems.append(problem("empty_option", "options"))
    elif len(set(texts)) < len(texts):
        problems.append(problem("duplicate_option", "options"))
    if any(len(text) > MAX_OPTION for text, _correct in options):
        problems.append(problem("option_too_long", "options", count=MAX_OPTION))
    correct = sum(1 for _text, is_correct in options if is_correct)
    if correct == 0:
        problems.append(problem("no_correct", "correct"))
    elif correct > 1 and data.kind != "multiple":
        problems.append(problem("several_correct", "correct"))
    return problems


def _check_answers(data: QuestionData) -> list[Problem]:
    answers = data.accepted_answers
    if not answers:
        return [problem("no_answers", "accepted_answers")]
    if len(answers) > MAX_ANSWERS:
        return [problem("too_many_answers", "accepted_answers", count=MAX_ANSWERS)]
    if any(len(answer) > MAX_ANSWER for answer in answers):
        return [problem("answer_too_long", "accepted_answers", count=MAX_ANSWER)]
    if any(ANSWER_SPLIT.search(answer) for answer in answers):
        # "|" separates accepted answers in files: an answer holding one could not round-trip.
        return [problem("answer_has_bar", "accepted_answers")]
    return []
