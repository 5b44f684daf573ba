"""Item analysis of a quiz's graded attempts: pure functions, no Flask or database.

For each question: its difficulty (the share of the available points takers earned) and
how well it separates strong from weak takers (the discrimination index: the mean score
of the top 27% of takers by total minus that of the bottom 27%, the classical
Kelley split, and the point-biserial correlation between the item and the rest of the
test). A question most takers miss, or one that weak takers answer better than strong
ones (negative discrimination by either index), is likely broken or ambiguous.
"""

import math
from dataclasses import dataclass

GROUP_SHARE = 0.27  # Kelley's upper and lower groups
FLAG_DISCRIMINATION = 0.2  # below this a question separates poorly
# A negative point-biserial flags a question from this many takers on; with fewer, its sign
# is mostly chance (its standard error is about 1/sqrt(n - 3): 0.7 for five takers).
MIN_TAKERS_FOR_CORRELATION = 10


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    takers: int
    difficulty: float  # mean share of the question's points earned, 0..1 (1 = easy)
    discrimination: float | None  # upper minus lower group mean share, -1..1
    point_biserial: float | None  # item share vs rest-of-test total
    is_flagged: bool


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3:
        return None
    mx, my = _mean(xs), _mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def item_analysis(attempts: list[dict[int, float]]) -> list[ItemStats]:
    """``attempts``: one dict per graded attempt, question id -> share of its points earned
    (0..1). Returns a row per question, in question id order."""
    totals = [sum(a.values()) for a in attempts]
    order = sorted(range(len(attempts)), key=lambda i: totals[i])
    group = max(1, round(len(attempts) * GROUP_SHARE)) if len(attempts) >= 2 else 0
    lower, upper = order[:group], order[len(order) - group :] if group else []
    question_ids = sorted({q for a in attempts for q in a})
    rows = []
    for qid in question_ids:
        takers = [i for i, a in enumerate(attempts) if qid in a]
        shares = [attempts[i][qid] for i in takers]
        discrimination = None
        if group and len(attempts) >= 4:
            up = [attempts[i].get(qid, 0.0) for i in upper]
            low = [attempts[i].get(qid, 0.0) for i in lower]
            discrimination = round(_mean(up) - _mean(low), 3)
        rest = [totals[i] - attempts[i][qid] for i in takers]
        r = _correlation(shares, rest)
        difficulty = round(_mean(shares), 3)
        rows.append(
            ItemStats(
                question_id=qid,
                takers=len(takers),
                difficulty=difficulty,
                discrimination=discrimination,
                point_biserial=round(r, 3) if r is not None else None,
                is_flagged=(discrimination is not None and discrimination < FLAG_DISCRIMINATION)
                or (r is not None and r < 0 and len(takers) >= MIN_TAKERS_FOR_CORRELATION)
                or (len(takers) >= 5 and difficulty < 0.2),
            )
        )
    return rows


def score_distribution(percents: list[float], bins: int = 10) -> list[int]:
    """How many scores fall in each of ``bins`` equal bands of 0–100 (100 in the last)."""
    counts = [0] * bins
    for value in percents:
        index = min(bins - 1, max(0, int(value * bins // 100)))
        counts[index] += 1
    return counts
