"""Run the assessment for a year over a subtree and store it as a snapshot; compare runs."""

from collections import defaultdict
from dataclasses import asdict, fields

from sqlalchemy import func, insert, select

from lms.accounts.models import User
from lms.assessment import rules
from lms.assessment.models import AssessmentFormula, AssessmentResult, AssessmentRun
from lms.core import statsyear
from lms.core.database import user_ids_filter
from lms.core.errors import LmsError
from lms.extensions import db
from lms.offline import figures as offline
from lms.org.models import Cadre, Unit
from lms.plans.hours import online_seconds_by_user, required_seconds_by_user
from lms.plans.quotas import quotas_for_cadres
from lms.plans.years import get_plan
from lms.quizzes.models import QuizResult

FORMULA_FIELDS = [f.name for f in fields(rules.Formula)]


class AssessmentError(LmsError):
    """A run or formula change that cannot be made; the message is for the user."""


# --- the formula -------------------------------------------------------------------------


def current_formula(store: bool = False) -> AssessmentFormula:
    """The newest formula version; before any is saved, the defaults as version 1 (stored
    only when ``store``, so reading pages never write)."""
    formula = db.session.scalar(
        select(AssessmentFormula).order_by(AssessmentFormula.version.desc()).limit(1)
    )
    if formula is None:
        formula = AssessmentFormula(version=1, **asdict(rules.Formula()))
        if store:
            db.session.add(formula)
            db.session.flush()
    return formula


def as_rules(formula: AssessmentFormula) -> rules.Formula:
    return rules.Formula(**{name: getattr(formula, name) for name in FORMULA_FIELDS})


def save_formula(actor, figures: rules.Formula) -> AssessmentFormula:
    """Store a changed formula as a new version (earlier runs keep the one they used)."""
    if not (figures.excellent_from >= figures.competent_from >= figures.basic_from >= 0):
        raise AssessmentError("thresholds")
    weights = (
        figures.online_weight,
        figures.required_weight,
        figures.offline_weight,
        figures.quiz_weight,
    )
    if min(weights) < 0 or sum(weights) <= 0:
        raise AssessmentError("weights")
    latest = current_formula(store=True)
    if as_rules(latest) == figures:
        return latest
    formula = AssessmentFormula(
        version=latest.version + 1, created_by_id=actor.id if actor else None, **asdict(figures)
    )
    db.session.add(formula)
    db.session.flush()
    return formula


# --- gathering the inputs (set-based: a fixed number of queries for any number of cadres) -


def _in_subtree(query, unit: Unit | None):
    """``query`` (over User joined with Cadre, outer-joined with Unit) limited to the active
    cadres of ``unit``'s subtree (everyone: None)."""
    query = query.where(User.is_active_account.is_(True))
    if unit is not None:
        query = query.where(Unit.tree_path.like(unit.tree_path + "%"))
    return query


def _cadre_rows(unit: Unit | None):
    """Active cadres of the subtree with their name, number and unit path as of now."""
    query = (
        select(User.id, User.display_name, Cadre.personnel_number, Unit.name_path)
        .join(Cadre, Cadre.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .order_by(Unit.name_path, User.display_name, User.id)
    )
    return db.session.execute(_in_subtree(query, unit)).all()


def _scope_user_ids(unit: Unit | None):
    """A select of the user ids of the cadres ``_cadre_rows`` lists: the inputs are read for
    them by subquery, never by a list of their ids (SQLite caps a statement's parameters)."""
    query = (
        select(User.id)
        .join(Cadre, Cadre.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
    )
    return _in_subtree(query, unit)


def quiz_scores_by_user(year: int, users) -> dict[int, list[float]]:
    """The year's quiz and exam percentages per cadre of ``users`` (a select of user ids, or
    a few ids); one query."""
    of_users = user_ids_filter(QuizResult.user_id, users)
    if of_users is None:
        return {}
    result: dict[int, list[float]] = defaultdict(list)
    for user_id, percent in db.session.execute(
        select(QuizResult.user_id, QuizResult.percent)
        .where(QuizResult.year == year, of_users)
        .order_by(QuizResult.user_id, QuizResult.quiz_id)
    ):
        result[user_id].append(float(percent))
    return result


def gather_inputs(year: int, unit: Unit | None) -> tuple[list, dict[int, rules.Inputs], tuple]:
    """The cadre rows of the subtree and each one's formula inputs for the year.

    A fixed number of queries for any number of cadres, none of them binding a list of the
    cadres' ids: each figure is read for the subtree (by unit, or by ``_scope_user_ids``).
    """
    plan = get_plan(year)
    if plan is None:
        raise AssessmentError("no_plan")
    if statsyear.has_just_begun(year):
        # Judging four days of a year would fail nearly everyone (README "The assessment").
        raise AssessmentError("just_begun")
    window = statsyear.window(year)
    cadres = _cadre_rows(unit)
    scope = _scope_user_ids(unit)
    quotas = quotas_for_cadres(plan, unit)
    online = online_seconds_by_user(year, unit)
    required = required_seconds_by_user(plan, scope, window)
    offline_totals = offline.approved_offline_totals(scope, *window)
    factors = offline.quota_factors(scope, *window)
    quiz = quiz_scores_by_user(year, scope)
    inputs = {}
    for user_id in (row[0] for row in cadres):
        quota = quotas.get(user_id)
        totals = offline_totals.get(user_id)
        factor = factors.get(user_id, 1.0)
        inputs[user_id] = rules.Inputs(
            online_hours=round(online.get(user_id, 0.0) / 3600, 2),
            required_hours_done=round(required.get(user_id, 0.0) / 3600, 2),
            offline_days=round(totals.days, 2) if totals else 0.0,
            quiz_scores=tuple(quiz.get(user_id, ())),
            quota_hours=quota.online_hours if quota else 0.0,
            required_quota_hours=quota.required_hours if quota else 0.0,
            offline_quota_days=quota.offline_days if quota else 0.0,
            quota_factor=factor,
            is_waived=factor == 0.0,
        )
    return cadres, inputs, window


# --- runs --------------------------------------------------------------------------------


def scope_key(unit: Unit | None) -> str:
    return "all" if unit is None else f"unit:{unit.id}"


def run_assessment(year: int, unit: Unit | None, actor=None) -> AssessmentRun:
    """Assess every active cadre of the subtree for ``year`` and store the run as a new version."""
    cadres, inputs, window = gather_inputs(year, unit)
    formula = current_formula(store=True)
    figures = as_rules(formula)
    key = scope_key(unit)
    version = (
        db.session.scalar(
            select(func.max(AssessmentRun.version)).where(
                AssessmentRun.year == year, AssessmentRun.scope_key == key
            )
        )
        or 0
    ) + 1
    run = AssessmentRun(
        year=year,
        unit_id=unit.id if unit else None,
        scope_key=key,
        version=version,
        scope_name=unit.name_path if unit else "",
        formula_id=formula.id,
        formula=asdict(figures),
        window_start=window[0],
        window_end=window[1],
        run_by_id=actor.id if actor else None,
        cadre_count=len(cadres),
    )
    db.session.add(run)
    db.session.flush()
    counts: dict[str, int] = defaultdict(int)
    rows = []
    for user_id, name, number, unit_path in cadres:
        result = rules.assess(inputs[user_id], figures)
        counts[result.band.value] += 1
        rows.append(
            {
                "run_id": run.id,
                "user_id": user_id,
                "display_name": name,
                "personnel_number": number,
                "unit_path": unit_path or "",
                "inputs": inputs[user_id].as_json(),
                "terms": result.terms,
                "total": result.total,
                "band": result.band.value,
                "lines": result.lines_as_json(),
            }
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(AssessmentResult), rows[start : start + 1000])
    run.band_counts = dict(counts)
    db.session.flush()
    return run


def runs_visible_to(user, year: int | None = None):
    """A select of the runs whose scope lies within what the user may see, newest first."""
    query = select(AssessmentRun).order_by(AssessmentRun.run_at.desc(), AssessmentRun.id.desc())
    if year is not None:
        query = query.where(AssessmentRun.year == year)
    if not user.has_role("admin"):
        unit = user.unit
        if unit is None:
            return query.where(False)
        query = query.join(Unit, Unit.id == AssessmentRun.unit_id).where(
            Unit.tree_path.like(unit.tree_path + "%")
        )
    return query


def compare_runs(old: AssessmentRun, new: AssessmentRun) -> list[tuple]:
    """Cadres whose band or total differs between two runs: (user id, name, old, new)."""

    def by_user(run):
        return {
            r.user_id: r
            for r in db.session.scalars(
                select(AssessmentResult).where(AssessmentResult.run_id == run.id)
            )
        }

    before, after = by_user(old), by_user(new)
    changed = []
    for user_id in sorted(set(before) | set(after), key=lambda u: (u is None, u)):
        a, b = before.get(user_id), after.get(user_id)
        if a is None or b is None or a.band != b.band or abs(a.total - b.total) > 1e-9:
            changed.append((user_id, (b or a).display_name, a, b))
    return changed
