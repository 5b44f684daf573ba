"""The assessment formula as a pure function: inputs in, credit terms, band and reasons out.

No Flask or database. A result explains itself as a list of lines, each a ``kind`` with
numeric ``params``; the pages render them in the reader's language, so a stored snapshot
never depends on the language of whoever ran it.

The formula (docs/domain.md: "participation, study hours, quiz results and offline training are
combined into an annual result with grade bands"):

- each term is a share of what was owed, capped at 1, times the term's weight in points:
  online hours against the quota, required-course hours against the required part, offline
  training days against the days owed, and the average quiz and exam score;
- a term with nothing owed (quota 0) earns its full weight; no quiz results earn nothing;
- the total (out of the sum of weights, normally 100) falls into a band by thresholds;
- "quota not met without exemption means not competent": when that rule is on, a cadre
  below the (exemption-reduced) online quota is not competent whatever the total;
- a cadre whose quota is waived by an exemption is marked exempt, not graded.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Band(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    COMPETENT = "competent"  # 合格
    BASIC = "basic"  # 基本合格
    NOT_COMPETENT = "not_competent"  # 不合格
    EXEMPT = "exempt"  # quota waived by an exemption: not graded


@dataclass(frozen=True)
class Formula:
    """Weights in points and band thresholds on the total; a stored row holds the same."""

    online_weight: float = 60.0
    required_weight: float = 10.0
    offline_weight: float = 10.0
    quiz_weight: float = 20.0
    excellent_from: float = 90.0
    competent_from: float = 75.0
    basic_from: float = 60.0
    quota_unmet_fails: bool = True

    @property
    def max_points(self) -> float:
        return self.online_weight + self.required_weight + self.offline_weight + self.quiz_weight


@dataclass(frozen=True)
class Inputs:
    """Everything the formula reads for one cadre and year, as stored in the snapshot."""

    online_hours: float
    required_hours_done: float
    offline_days: float
    quiz_scores: tuple[float, ...]  # counted results of the year, in percent 0–100
    quota_hours: float  # before exemptions
    required_quota_hours: float
    offline_quota_days: float
    quota_factor: float = 1.0  # 1 − exempted share of the year; 0 when waived
    is_waived: bool = False

    def as_json(self) -> dict:
        """The inputs as the snapshot stores them (``dataclasses.asdict`` without its deep
        copies, which a province's run would make for every cadre)."""
        return {**vars(self), "quiz_scores": list(self.quiz_scores)}


@dataclass(frozen=True)
class Line:
    kind: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    total: float
    band: Band
    terms: dict  # term name -> points
    lines: tuple[Line, ...]

    def lines_as_json(self) -> list[dict]:
        # Params are flat (numbers and words): a shallow copy is their JSON, where
        # ``dataclasses.asdict`` deep-copies every value (a third of a province's run).
        return [{"kind": line.kind, "params": dict(line.params)} for line in self.lines]


def _share(done: float, owed: float) -> float:
    return 1.0 if owed <= 0 else min(1.0, max(0.0, done) / owed)


def _band_for(total: float, formula: Formula) -> Band:
    if total >= formula.excellent_from:
        return Band.EXCELLENT
    if total >= formula.competent_from:
        return Band.COMPETENT
    if total >= formula.basic_from:
        return Band.BASIC
    return Band.NOT_COMPETENT


def assess(inputs: Inputs, formula: Formula) -> Result:
    """Grade one cadre's year, with a line for every figure that went into the result."""
    factor = 0.0 if inputs.is_waived else max(0.0, min(1.0, inputs.quota_factor))
    quota = round(inputs.quota_hours * factor, 2)
    required_quota = round(inputs.required_quota_hours * factor, 2)
    offline_quota = round(inputs.offline_quota_days * factor, 2)
    lines = [
        Line(
            "hours",
            {
                "online": round(inputs.online_hours, 1),
                "required": round(inputs.required_hours_done, 1),
                "offline_days": round(inputs.offline_days, 1),
            },
        )
    ]
    if inputs.is_waived:
        lines.append(Line("waived"))
        return Result(total=0.0, band=Band.EXEMPT, terms={}, lines=tuple(lines))
    if factor < 1.0:
        lines.append(
            Line(
                "exemption",
                {
                    "percent": round((1 - factor) * 100, 1),
                    "quota": quota,
                    "was": inputs.quota_hours,
                },
            )
        )
    quiz_average = sum(inputs.quiz_scores) / len(inputs.quiz_scores) if inputs.quiz_scores else 0.0
    terms = {
        "online": round(formula.online_weight * _share(inputs.online_hours, quota), 2),
        "required": round(
            formula.required_weight * _share(inputs.required_hours_done, required_quota), 2
        ),
        "offline": round(formula.offline_weight * _share(inputs.offline_days, offline_quota), 2),
        "quiz": round(formula.quiz_weight * min(100.0, quiz_average) / 100, 2),
    }
    lines += [
        Line(
            "term_online",
            {
                "done": round(inputs.online_hours, 1),
                "owed": quota,
                "points": terms["online"],
                "weight": formula.online_weight,
            },
        ),
        Line(
            "term_required",
            {
                "done": round(inputs.required_hours_done, 1),
                "owed": required_quota,
                "points": terms["required"],
                "weight": formula.required_weight,
            },
        ),
        Line(
            "term_offline",
            {
                "done": round(inputs.offline_days, 1),
                "owed": offline_quota,
                "points": terms["offline"],
                "weight": formula.offline_weight,
            },
        ),
        Line(
            "term_quiz" if inputs.quiz_scores else "term_quiz_none",
            {
                "count": len(inputs.quiz_scores),
                "average": round(quiz_average, 1),
                "points": terms["quiz"],
                "weight": formula.quiz_weight,
            },
        ),
    ]
    total = round(sum(terms.values()), 2)
    band = _band_for(total, formula)
    lines.append(Line("total", {"total": total, "max": formula.max_points, "band": band.value}))
    if formula.quota_unmet_fails and quota > 0 and inputs.online_hours < quota:
        band = Band.NOT_COMPETENT
        lines.append(Line("quota_unmet", {"done": round(inputs.online_hours, 1), "owed": quota}))
    lines.append(Line("band", {"band": band.value}))
    return Result(total=total, band=band, terms=terms, lines=tuple(lines))
