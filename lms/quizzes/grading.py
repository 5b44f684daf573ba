"""Quiz scoring, a pure core: one question's points from its key and the answer given.

Rules:

- single choice and true/false: full points when the one chosen option is the correct one.
- multiple choice, all-or-nothing: full points when the chosen set equals the correct set.
- multiple choice, partial credit: ``points × max(0, (right chosen − wrong chosen) / right
  total)``, so ticking every option earns nothing and a wrong tick cancels a right one.
- fill in the blank: full points when the normalized answer equals any normalized accepted
  answer (see ``normalize_blank``).
- counting attempts: highest, last or average of the attempts' percentages.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
FILL_BLANK = "fill_blank"


@dataclass(frozen=True)
class Key:
    """What grading needs to know about a question."""

    kind: str
    points: float
    correct_option_ids: frozenset[int] = frozenset()
    accepted_answers: tuple[str, ...] = ()
    is_partial_credit: bool = False


_CJK = (
    r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


def _is_edge_junk(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("P") or category.startswith("Z") or char.isspace()


def normalize_blank(text: str) -> str:
    """The form in which two fill-in answers are compared.

    NFKC folds full-width Latin letters, digits and spaces to their half-width forms;
    casefold ignores case; whitespace next to Chinese characters is dropped (Chinese has no
    word spaces, so "社会 主义" is "社会主义"), other runs of whitespace become one space;
    punctuation at either end ("。", ".", "“…”") is stripped.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _SPACE_NEXT_TO_CJK.sub("", text)
    text = _SPACES.sub(" ", text)
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def chosen_ids(answer) -> set[int]:
    """The option ids in a saved choice answer (a list of ids); anything else is none."""
    if not isinstance(answer, list):
        return set()
    return {value for value in answer if isinstance(value, int) and not isinstance(value, bool)}


def blank_text(answer) -> str:
    if isinstance(answer, dict) and isinstance(answer.get("text"), str):
        return answer["text"]
    return ""


def score_question(key: Key, answer) -> float:
    """Points earned for ``answer`` (a list of option ids, or {"text": ...}; None: unanswered)."""
    if answer is None:
        return 0.0
    if key.kind == FILL_BLANK:
        given = normalize_blank(blank_text(answer))
        accepted = {normalize_blank(a) for a in key.accepted_answers} - {""}
        return key.points if given and given in accepted else 0.0
    chosen = chosen_ids(answer)
    correct = key.correct_option_ids
    if not correct:
        return 0.0
    if key.kind in (SINGLE, TRUE_FALSE):
        return key.points if len(chosen) == 1 and chosen <= correct else 0.0
    if key.kind == MULTIPLE:
        if not key.is_partial_credit:
            return key.points if chosen == correct else 0.0
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        return round(key.points * max(0.0, (right - wrong) / len(correct)), 4)
    return 0.0


def is_correct(key: Key, answer) -> bool:
    return score_question(key, answer) >= key.points > 0


def percent_of(score: float, max_score: float) -> float:
    if max_score <= 0:
        return 0.0
    return round(100.0 * score / max_score, 2)


def counted_percent(rule: str, percents_in_order: Sequence[float]) -> float | None:
    """The percentage that counts under ``rule``, from graded attempts oldest first."""
    if not percents_in_order:
        return None
    if rule == "last":
        return percents_in_order[-1]
    if rule == "average":
        return round(sum(percents_in_order) / len(percents_in_order), 2)
    return max(percents_in_order)


def is_pass(percent: float | None, pass_percent: float) -> bool:
    return percent is not None and percent + 1e-9 >= pass_percent


def total_points(points: Iterable[float]) -> float:
    return round(sum(points), 4)
