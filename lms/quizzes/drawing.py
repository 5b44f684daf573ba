"""Drawing an attempt's questions: the fixed list, then each rule's random draw."""

import random

from lms.banks.editing import questions_for_draw
from lms.banks.models import Question, QuestionKind
from lms.quizzes.models import (
    Quiz,
)


def draw_candidates(bank_id: int, tag: str | None, difficulty: int | None) -> list[Question]:
    """Live questions of a bank matching the filters."""
    return questions_for_draw([bank_id], [tag] if tag else [], difficulty)


def draw_questions(quiz: Quiz, rng: random.Random) -> list[Question]:
    """The questions of a new attempt: the fixed list, then each rule's random draw."""
    chosen = [item.question for item in quiz.fixed_questions if not item.question.is_retired]
    taken = {q.id for q in chosen}
    for rule in quiz.draw_rules:
        candidates = draw_candidates(rule.bank_id, rule.tag, rule.difficulty)
        pool = [q for q in candidates if q.id not in taken]
        picked = rng.sample(pool, min(rule.count, len(pool)))
        chosen.extend(picked)
        taken.update(q.id for q in picked)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def option_order(question: Question, shuffle: bool, rng: random.Random) -> list[int]:
    ids = [option.id for option in question.options]
    # True/false keeps 对 before 错: shuffling two fixed words only confuses.
    if shuffle and question.kind != QuestionKind.TRUE_FALSE.value:
        rng.shuffle(ids)
    return ids
