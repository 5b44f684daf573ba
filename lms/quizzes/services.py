"""Quiz rules: who may manage or take a quiz, starting, answering, grading and results."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Role, User
from lms.banks.models import Bank, Question, QuestionKind
from lms.core import statsyear
from lms.core.timeutil import to_local, utcnow
from lms.courses import access as course_services
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.quizzes import grading
from lms.quizzes.models import (
    AttemptQuestion,
    AttemptStatus,
    CountingRule,
    DrawRule,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    QuizResult,
    RevealRule,
)

MAX_BLANK_LENGTH = 500
MAX_DRAW = 200

COUNTING_LABELS = {
    CountingRule.HIGHEST.value: _l("Highest attempt"),
    CountingRule.LAST.value: lazy_pgettext("counting rule", "Last attempt"),
    CountingRule.AVERAGE.value: _l("Average of attempts"),
}
REVEAL_LABELS = {
    RevealRule.NEVER.value: lazy_pgettext("reveal answers", "Never"),
    RevealRule.AFTER_ATTEMPT.value: _l("After each attempt"),
    RevealRule.AFTER_CLOSE.value: _l("After the quiz closes"),
}
KIND_LABELS = {
    QuestionKind.SINGLE.value: _l("Single choice"),
    QuestionKind.MULTIPLE.value: _l("Multiple choice"),
    QuestionKind.TRUE_FALSE.value: _l("True or false"),
    QuestionKind.FILL_BLANK.value: _l("Fill in the blank"),
}


class QuizError(ValueError):
    """A quiz rule was broken; the message is shown to the user, ``status`` is the HTTP one."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


# --- who may do what ---------------------------------------------------------------------


def is_admin(user) -> bool:
    return user.has_role(Role.ADMIN)


def can_create_exam(user) -> bool:
    return user.has_role(Role.ADMIN, Role.INSTRUCTOR)


def can_manage_quiz(user, quiz: Quiz | None) -> bool:
    """Admins manage every quiz; instructors course tests of courses they teach and their exams."""
    if quiz is None:
        return False
    if is_admin(user):
        return True
    if not user.has_role(Role.INSTRUCTOR):
        return False
    if quiz.course is not None:
        return course_services.teaches(user, quiz.course)
    return quiz.created_by_id == user.id


def assigned_quiz_ids(user) -> set[int]:
    """Standalone exams assigned to ``user`` by the annual plan.

    The plan feature owns audiences; without it yet, exams are assigned to nobody.
    """
    try:
        from lms.plans.services import assigned_quiz_ids as plan_assigned
    except ImportError:
        return set()
    return set(plan_assigned(user))


def can_take_quiz(user, quiz: Quiz | None) -> bool:
    """Published course tests of visible courses; published exams assigned to the user.

    Their managers may always take (preview) them.
    """
    if quiz is None:
        return False
    if can_manage_quiz(user, quiz):
        return True
    if not quiz.is_published:
        return False
    if quiz.course is not None:
        return course_services.can_see_course(user, quiz.course)
    return quiz.id in assigned_quiz_ids(user)


def manageable_quizzes_query(user):
    """A select of the quizzes ``user`` manages, newest first."""
    query = select(Quiz).order_by(Quiz.id.desc())
    if is_admin(user):
        return query
    taught = select(Course.id).where(course_services._taught_by(user.id))
    return query.where(
        or_(
            Quiz.course_id.in_(taught),
            (Quiz.course_id.is_(None)) & (Quiz.created_by_id == user.id),
        )
    )


def usable_banks_query(user, quiz: Quiz):
    """Banks whose questions ``quiz`` may use: only banks the user may open (their own and
    those of the courses they teach; admins all). A bank the user gets 404 for would
    otherwise hand its answer key over through the picker and the quiz's preview."""
    from lms.banks.services import banks_visible_to

    # The same for every quiz its manager edits: a course's banks are the banks of a course
    # they teach (can_manage_quiz), which banks_visible_to already holds.
    return banks_visible_to(user)


def can_use_bank(user, quiz: Quiz, bank: Bank | None) -> bool:
    if bank is None:
        return False
    usable = usable_banks_query(user, quiz).with_only_columns(Bank.id)
    return bank.id in set(db.session.scalars(usable))


# --- settings ----------------------------------------------------------------------------


@dataclass
class QuizSettings:
    title: str
    description: str = ""
    is_published: bool = False
    shuffle_questions: bool = True
    shuffle_options: bool = True
    time_limit_minutes: int | None = None
    opens_at: datetime | None = None  # UTC
    closes_at: datetime | None = None  # UTC
    max_attempts: int | None = None
    counting_rule: str = CountingRule.HIGHEST.value
    pass_percent: float = 60.0
    reveal: str = RevealRule.AFTER_ATTEMPT.value
    requires_lessons_completed: bool = False
    is_required_for_completion: bool = False


def _check_settings(settings: QuizSettings, course: Course | None) -> None:
    if not (settings.title or "").strip():
        raise QuizError(_("A quiz needs a title."), 400)
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise QuizError(_("The closing time must be after the opening time."), 400)
    if settings.counting_rule not in COUNTING_LABELS or settings.reveal not in REVEAL_LABELS:
        raise QuizError(_("Choose a counting rule and when answers are revealed."), 400)
    if not 0 <= settings.pass_percent <= 100:
        raise QuizError(_("The pass mark is a percentage between 0 and 100."), 400)
    needs_course = settings.requires_lessons_completed or settings.is_required_for_completion
    if course is None and needs_course:
        raise QuizError(_("Only a course test can depend on or complete a course."), 400)


def save_quiz(quiz: Quiz | None, settings: QuizSettings, course: Course | None, user) -> Quiz:
    """Create (``quiz`` None) or change a quiz's settings."""
    _check_settings(settings, course if quiz is None else quiz.course)
    if quiz is None:
        quiz = Quiz(course=course, is_exam=course is None, created_by_id=user.id)
        db.session.add(quiz)
    for name, value in vars(settings).items():
        setattr(quiz, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    return quiz


def delete_quiz(quiz: Quiz) -> None:
    """Delete a quiz with its attempts and results."""
    db.session.delete(quiz)
    db.session.flush()


def add_fixed_questions(quiz: Quiz, questions: list[Question]) -> int:
    """Append questions to the fixed list (those already there are skipped); returns how many."""
    present = {item.question_id for item in quiz.fixed_questions}
    position = max((item.position for item in quiz.fixed_questions), default=-1)
    added = 0
    for question in questions:
        if question.id in present or question.is_retired:
            continue
        position += 1
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
        present.add(question.id)
        added += 1
    db.session.flush()
    return added


def remove_fixed_question(quiz: Quiz, item_id: int) -> None:
    """Take a question off the fixed list (attempts already started keep it)."""
    _remove_from(quiz.fixed_questions, item_id, _("That question is not in the quiz."))


def _remove_from(parts: list, part_id: int, missing: str) -> None:
    for part in parts:
        if part.id == part_id:
            parts.remove(part)
            db.session.flush()
            return
    raise QuizError(missing, 404)


def add_draw_rule(quiz: Quiz, bank: Bank, count: int, tag: str | None, difficulty: int | None):
    """Draw ``count`` questions from ``bank`` per attempt, optionally of a tag and difficulty."""
    if not 1 <= count <= MAX_DRAW:
        raise QuizError(_("Draw between 1 and %(max)d questions.", max=MAX_DRAW), 400)
    if difficulty is not None and difficulty not in (1, 2, 3):
        raise QuizError(_("The difficulty is 1, 2 or 3."), 400)
    tag = (tag or "").strip()[:50] or None
    available = len(_draw_candidates(bank.id, tag, difficulty))
    if available < count:
        raise QuizError(
            _(
                "The bank has only %(available)d matching questions; %(count)d were asked for.",
                available=available,
                count=count,
            ),
            400,
        )
    position = max((rule.position for rule in quiz.draw_rules), default=-1) + 1
    rule = DrawRule(bank_id=bank.id, count=count, tag=tag, difficulty=difficulty, position=position)
    quiz.draw_rules.append(rule)
    db.session.flush()
    return rule


def remove_draw_rule(quiz: Quiz, rule_id: int) -> None:
    """Remove a random draw rule."""
    _remove_from(quiz.draw_rules, rule_id, _("That draw rule is not in the quiz."))


def question_count(quiz: Quiz) -> int:
    """How many questions each attempt gets."""
    fixed = sum(1 for item in quiz.fixed_questions if not item.question.is_retired)
    return fixed + sum(rule.count for rule in quiz.draw_rules)


# --- drawing questions -------------------------------------------------------------------


def _draw_candidates(bank_id: int, tag: str | None, difficulty: int | None) -> list[Question]:
    """Live questions of a bank matching the filters (the banks feature may provide this)."""
    try:
        from lms.banks.services import questions_for_draw
    except ImportError:
        questions_for_draw = None
    if questions_for_draw is not None:
        return list(questions_for_draw([bank_id], [tag] if tag else [], difficulty))
    query = select(Question).where(Question.bank_id == bank_id, Question.is_retired.is_(False))
    if difficulty is not None:
        query = query.where(Question.difficulty == difficulty)
    questions = db.session.scalars(query.order_by(Question.id)).all()
    # Tags are a JSON list: filtered here, the same way on SQLite and PostgreSQL.
    return [q for q in questions if not tag or tag in (q.tags or [])]


def draw_questions(quiz: Quiz, rng: random.Random) -> list[Question]:
    """The questions of a new attempt: the fixed list, then each rule's random draw."""
    chosen = [item.question for item in quiz.fixed_questions if not item.question.is_retired]
    taken = {q.id for q in chosen}
    for rule in quiz.draw_rules:
        candidates = _draw_candidates(rule.bank_id, rule.tag, rule.difficulty)
        pool = [q for q in candidates if q.id not in taken]
        picked = rng.sample(pool, min(rule.count, len(pool)))
        chosen.extend(picked)
        taken.update(q.id for q in picked)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def _option_order(question: Question, shuffle: bool, rng: random.Random) -> list[int]:
    ids = [option.id for option in question.options]
    # True/false keeps 对 before 错: shuffling two fixed words only confuses.
    if shuffle and question.kind != QuestionKind.TRUE_FALSE.value:
        rng.shuffle(ids)
    return ids


# --- attempts ----------------------------------------------------------------------------


def grace() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("QUIZ_GRACE_SECONDS", 10.0)))


def is_past_deadline(attempt: QuizAttempt, now: datetime) -> bool:
    """Past the deadline plus the grace for network latency."""
    return attempt.deadline_at is not None and now > attempt.deadline_at + grace()


def _lock_user(user_id: int) -> None:
    # Serializes one user's starts and answers (PostgreSQL; SQLite writers queue anyway).
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def attempts_of(user_id: int, quiz_id: int) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
            .order_by(QuizAttempt.number)
        )
    )


def lessons_completed(user_id: int, course_id: int) -> bool:
    from lms.tracking.models import LessonProgress

    total = db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course_id))
    done = db.session.scalar(
        select(func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            Lesson.course_id == course_id,
            LessonProgress.user_id == user_id,
            LessonProgress.completed_at.is_not(None),
        )
    )
    return done >= total


def start_blocker(user, quiz: Quiz, attempts: list[QuizAttempt], now: datetime) -> str | None:
    """Why ``user`` may not start a new attempt now, or None."""
    if quiz.opens_at and now < quiz.opens_at:
        return _("The quiz is not open yet.")
    if quiz.closes_at and now >= quiz.closes_at:
        return _("The quiz is closed.")
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        return _("You have used all the attempts allowed (%(count)d).", count=quiz.max_attempts)
    if (
        quiz.requires_lessons_completed
        and quiz.course_id is not None
        and not lessons_completed(user.id, quiz.course_id)
    ):
        return _("Complete every lesson of the course before taking its test.")
    if question_count(quiz) == 0:
        return _("The quiz has no questions yet.")
    return None


def start_or_resume(user, quiz: Quiz, now: datetime | None = None) -> tuple[QuizAttempt, bool]:
    """The user's open attempt of ``quiz``, or a new one; returns (attempt, created)."""
    now = now or utcnow()
    _lock_user(user.id)
    attempts = attempts_of(user.id, quiz.id)
    for attempt in attempts:
        if attempt.is_open:
            if not is_past_deadline(attempt, now):
                return attempt, False
            grade_attempt(attempt, now, expired=True)
    blocker = start_blocker(user, quiz, attempts, now)
    if blocker:
        raise QuizError(blocker, 409)
    rng = random.SystemRandom()
    questions = draw_questions(quiz, rng)
    if not questions:
        raise QuizError(_("The quiz has no questions yet."), 409)
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at:
        deadline = min(deadline, quiz.closes_at) if deadline else quiz.closes_at
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=len(attempts) + 1,
        started_at=now,
        deadline_at=deadline,
        max_score=grading.total_points(q.points for q in questions),
    )
    for position, question in enumerate(questions):
        attempt.items.append(
            AttemptQuestion(
                question_id=question.id,
                position=position,
                option_order=_option_order(question, quiz.shuffle_options, rng),
                points=question.points,
            )
        )
    db.session.add(attempt)
    db.session.flush()
    return attempt, True


def close_if_expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Grade an open attempt whose deadline (plus grace) has passed; True when it did."""
    now = now or utcnow()
    if attempt.is_open and is_past_deadline(attempt, now):
        grade_attempt(attempt, now, expired=True)
        return True
    return False


def _item(attempt: QuizAttempt, question_id: int) -> AttemptQuestion:
    for item in attempt.items:
        if item.question_id == question_id:
            return item
    raise QuizError(_("That question is not part of this attempt."), 404)


def clean_answer(item: AttemptQuestion, raw):
    """The answer to store for ``item`` from what the client sent (None clears it)."""
    kind = item.question.kind
    if raw is None or raw == [] or raw == "":
        return None
    if kind == QuestionKind.FILL_BLANK.value:
        text = raw.get("text") if isinstance(raw, dict) else raw
        if not isinstance(text, str):
            raise QuizError(_("A fill-in answer is text."), 400)
        if len(text) > MAX_BLANK_LENGTH:
            raise QuizError(
                _("An answer can have at most %(count)d characters.", count=MAX_BLANK_LENGTH), 400
            )
        return {"text": text} if text.strip() else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in raw
    ):
        raise QuizError(_("A choice answer is a list of option ids."), 400)
    chosen = sorted(set(raw))
    if not set(chosen) <= set(item.option_order):
        raise QuizError(_("That option does not belong to the question."), 400)
    if kind != QuestionKind.MULTIPLE.value and len(chosen) > 1:
        raise QuizError(_("Choose one option only."), 400)
    return chosen


def save_answer(attempt: QuizAttempt, question_id: int, raw, now: datetime | None = None):
    """Save one answer of an open attempt; refused after the deadline (the attempt is closed)."""
    now = now or utcnow()
    _lock_user(attempt.user_id)
    db.session.refresh(attempt)
    item = _item(attempt, question_id)
    if close_if_expired(attempt, now):
        raise QuizError(_("Time is up: the attempt was closed and graded with the saved answers."))
    if not attempt.is_open:
        raise QuizError(_("The attempt is already closed."))
    item.answer = clean_answer(item, raw)
    item.answered_at = now
    db.session.flush()
    return item


def submit_attempt(attempt: QuizAttempt, now: datetime | None = None) -> QuizAttempt:
    """Close and grade an open attempt; a closed one is refused and keeps its grade."""
    now = now or utcnow()
    _lock_user(attempt.user_id)
    db.session.refresh(attempt)
    if close_if_expired(attempt, now):
        raise QuizError(_("Time is up: the attempt was closed and graded with the saved answers."))
    if not attempt.is_open:
        raise QuizError(_("The attempt is already closed."))
    grade_attempt(attempt, now, expired=False)
    return attempt


def question_key(question: Question, points: float) -> grading.Key:
    return grading.Key(
        kind=question.kind,
        points=points,
        correct_option_ids=frozenset(o.id for o in question.options if o.is_correct),
        accepted_answers=tuple(question.accepted_answers or ()),
        is_partial_credit=bool(question.is_partial_credit),
    )


def grade_attempt(attempt: QuizAttempt, now: datetime, expired: bool) -> None:
    """Score every answer, close the attempt and update the user's result for the year."""
    total = 0.0
    for item in attempt.items:
        item.awarded_points = grading.score_question(
            question_key(item.question, item.points), item.answer
        )
        total += item.awarded_points
    attempt.score = round(total, 4)
    attempt.percent = grading.percent_of(attempt.score, attempt.max_score)
    attempt.is_passed = grading.is_pass(attempt.percent, attempt.quiz.pass_percent)
    attempt.status = AttemptStatus.GRADED.value
    attempt.is_expired = expired
    # An expired attempt closes at its deadline, not when someone noticed.
    attempt.submitted_at = min(now, attempt.deadline_at) if expired and attempt.deadline_at else now
    db.session.flush()
    update_result(attempt.user_id, attempt.quiz, result_year(attempt.submitted_at))


def close_expired_attempts(now: datetime | None = None) -> int:
    """Job: grade every open attempt past its deadline with its saved answers (safe to rerun)."""
    now = now or utcnow()
    cutoff = now - grace()
    ids = db.session.scalars(
        select(QuizAttempt.id).where(
            QuizAttempt.status == AttemptStatus.OPEN.value, QuizAttempt.deadline_at < cutoff
        )
    ).all()
    closed = 0
    for attempt_id in ids:
        attempt = db.session.get(QuizAttempt, attempt_id)
        _lock_user(attempt.user_id)
        db.session.refresh(attempt)
        if close_if_expired(attempt, now):
            closed += 1
        db.session.commit()
    return closed


# --- regrading after a key was corrected -------------------------------------------------


def _graded_attempts_with(question_id: int):
    """A select of the graded attempts that asked the question."""
    asked = select(AttemptQuestion.attempt_id).where(AttemptQuestion.question_id == question_id)
    return select(QuizAttempt).where(
        QuizAttempt.status == AttemptStatus.GRADED.value, QuizAttempt.id.in_(asked)
    )


def _rescored(item: AttemptQuestion, question: Question) -> float:
    # The points stay those the attempt showed (its snapshot); only the key is the current one.
    return grading.score_question(question_key(question, item.points), item.answer)


def _graded_items_of(question: Question):
    return db.session.execute(
        select(AttemptQuestion.points, AttemptQuestion.answer, AttemptQuestion.awarded_points)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .where(
            AttemptQuestion.question_id == question.id,
            QuizAttempt.status == AttemptStatus.GRADED.value,
        )
    )


@dataclass
class RegradeStatus:
    """Graded attempts that asked a question, and how many of them the current key would
    score differently than they were scored."""

    attempts: int = 0
    outdated: int = 0


def regrade_status(question: Question) -> RegradeStatus:
    """How many graded attempts asked ``question``, and how many are scored by another key."""
    status = RegradeStatus()
    for item in _graded_items_of(question):
        status.attempts += 1
        status.outdated += abs(_rescored(item, question) - (item.awarded_points or 0.0)) > 1e-9
    return status


@dataclass
class RegradeOutcome:
    attempts: int = 0  # graded attempts that asked the question
    changed: int = 0  # of them, those whose score changed
    results: int = 0  # cadres' results added, changed or removed


def regrade_question(question: Question) -> RegradeOutcome:
    """Score the question again in every graded attempt that asked it, by its current key
    (after an editor corrected a wrong key), and recompute those attempts' scores and the
    cadres' results; running it again changes nothing.

    Results feed the annual assessment (docs/domain.md), so a wrong key must not keep counting.
    """
    outcome = RegradeOutcome()
    attempts = db.session.scalars(
        _graded_attempts_with(question.id).options(
            selectinload(QuizAttempt.items), selectinload(QuizAttempt.quiz)
        )
    ).all()
    for attempt in attempts:
        outcome.attempts += 1
        for item in attempt.items:
            if item.question_id == question.id:
                item.awarded_points = _rescored(item, question)
        score = grading.total_points(item.awarded_points or 0.0 for item in attempt.items)
        if score == attempt.score:
            continue
        attempt.score = score
        attempt.percent = grading.percent_of(score, attempt.max_score)
        attempt.is_passed = grading.is_pass(attempt.percent, attempt.quiz.pass_percent)
        outcome.changed += 1
    db.session.flush()
    if outcome.changed:
        pairs = _graded_attempts_with(question.id).with_only_columns(
            QuizAttempt.user_id, QuizAttempt.quiz_id
        )
        outcome.results = refile_results_of(pairs)
    return outcome


def questions_in_use(question_ids) -> set[int]:
    """Of ``question_ids``, those some attempt has asked: deleting them would drop answers
    from attempts (retire them instead)."""
    ids = list(question_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AttemptQuestion.question_id)
            .where(AttemptQuestion.question_id.in_(ids))
            .distinct()
        )
    )


# --- results -----------------------------------------------------------------------------


def result_year(submitted_at: datetime) -> int:
    """The year a result of an attempt submitted at ``submitted_at`` (UTC) is filed under.

    The statistics year of its local date, as for hours (docs/domain.md: the training year has a
    statistics cut-off before the annual appraisal): an exam passed after the cut-off counts
    toward next year's assessment, like the hours studied that day.
    """
    return statsyear.year_of_moment(submitted_at)


def _set_result(
    result: QuizResult | None, user_id: int, quiz: Quiz, year: int, percents: list[float]
) -> QuizResult | None:
    """Give a result the figures of the year's graded attempts (percentages, oldest first)
    by the quiz's counting rule, creating it when missing; None without attempts."""
    percent = grading.counted_percent(quiz.counting_rule, percents)
    if percent is None:
        return result
    if result is None:
        result = QuizResult(user_id=user_id, quiz_id=quiz.id, year=year)
        db.session.add(result)
    result.percent = percent
    result.is_passed = grading.is_pass(percent, quiz.pass_percent)
    result.attempt_count = len(percents)
    return result


def update_result(user_id: int, quiz: Quiz, year: int) -> QuizResult | None:
    """Recompute the user's result of ``quiz`` in ``year`` by the quiz's counting rule."""
    # The year's window holds exactly the times ``result_year`` files under it: two plan
    # lookups per submission instead of one per attempt.
    start, end = statsyear.utc_bounds(statsyear.window(year))
    graded = [
        a
        for a in attempts_of(user_id, quiz.id)
        if a.status == AttemptStatus.GRADED.value and start <= a.submitted_at < end
    ]
    graded.sort(key=lambda a: (a.submitted_at, a.number))
    result = db.session.scalar(
        select(QuizResult).where(
            QuizResult.user_id == user_id, QuizResult.quiz_id == quiz.id, QuizResult.year == year
        )
    )
    result = _set_result(result, user_id, quiz, year, [a.percent or 0.0 for a in graded])
    db.session.flush()
    return result


def refile_results(start: datetime | None = None, end: datetime | None = None) -> int:
    """Re-file the results of everyone with a graded attempt submitted in [start, end) (UTC;
    every attempt when None) under the years ``result_year`` gives now, after a cut-off
    changed; returns how many results were added, changed or removed.

    Each (cadre, quiz) is recomputed from all its graded attempts, which stay untouched; a
    result whose year no attempt falls in any more is removed. A fixed number of queries.
    """
    in_range = [QuizAttempt.status == AttemptStatus.GRADED.value]
    if start is not None:
        in_range.append(QuizAttempt.submitted_at >= start)
    if end is not None:
        in_range.append(QuizAttempt.submitted_at < end)
    return refile_results_of(select(QuizAttempt.user_id, QuizAttempt.quiz_id).where(*in_range))


def refile_results_of(pairs_query) -> int:
    """Recompute the results of the (user_id, quiz_id) pairs ``pairs_query`` selects from all
    their graded attempts, filed under the years ``result_year`` gives now; returns how many
    results were added, changed or removed (see ``refile_results``)."""
    graded = QuizAttempt.status == AttemptStatus.GRADED.value
    pairs = pairs_query.distinct().subquery()

    def of_pairs(model):
        return and_(pairs.c.user_id == model.user_id, pairs.c.quiz_id == model.quiz_id)

    years: dict[date, int] = {}  # one plan lookup per local date, not per attempt
    wanted: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    for user_id, quiz_id, submitted_at, percent in db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.submitted_at)
        .add_columns(QuizAttempt.percent)
        .join(pairs, of_pairs(QuizAttempt))
        .where(graded)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.number)
    ):
        day = to_local(submitted_at).date()
        if day not in years:
            years[day] = statsyear.year_of(day)
        wanted[user_id, quiz_id, years[day]].append(percent or 0.0)
    existing = {
        (r.user_id, r.quiz_id, r.year): r
        for r in db.session.scalars(select(QuizResult).join(pairs, of_pairs(QuizResult)))
    }
    quizzes = {
        quiz.id: quiz
        for quiz in db.session.scalars(select(Quiz).where(Quiz.id.in_(select(pairs.c.quiz_id))))
    }
    changed = 0
    for key, result in existing.items():
        if key not in wanted:
            db.session.delete(result)
            changed += 1
    for (user_id, quiz_id, year), percents in wanted.items():
        result = existing.get((user_id, quiz_id, year))
        before = (result.percent, result.is_passed, result.attempt_count) if result else None
        result = _set_result(result, user_id, quizzes[quiz_id], year, percents)
        changed += before != (result.percent, result.is_passed, result.attempt_count)
    db.session.flush()
    return changed


def refile_after_cutoff_change(year: int, cutoff_before: tuple[int, int]) -> int:
    """Re-file the results of attempts submitted in local calendar ``year`` when that year's
    cut-off is no longer ``cutoff_before`` (a plan was saved or copied); returns how many
    results changed. Results are stored per year, hours are summed by window on reading:
    only results need this."""
    if statsyear.cutoff_for(year) == cutoff_before:
        return 0
    start, end = statsyear.utc_bounds((date(year, 1, 1), date(year, 12, 31)))
    return refile_results(start, end)


def best_results(user_id: int, quiz_ids) -> dict[int, QuizResult]:
    """The user's latest-year result of each quiz."""
    rows = db.session.scalars(
        select(QuizResult)
        .where(QuizResult.user_id == user_id, QuizResult.quiz_id.in_(list(quiz_ids)))
        .order_by(QuizResult.year)
    )
    return {row.quiz_id: row for row in rows}


def courses_awaiting_test(user_id: int, course_ids) -> set[int]:
    """Of ``course_ids``, those with a published required test the user has not passed.

    Such a course is not complete even when every lesson is (a passed test completes it).
    """
    course_ids = list(course_ids)
    if not course_ids:
        return set()
    required = db.session.execute(
        select(Quiz.id, Quiz.course_id).where(
            Quiz.course_id.in_(course_ids),
            Quiz.is_required_for_completion.is_(True),
            Quiz.is_published.is_(True),
        )
    ).all()
    if not required:
        return set()
    passed = set(
        db.session.scalars(
            select(QuizResult.quiz_id).where(
                QuizResult.user_id == user_id,
                QuizResult.quiz_id.in_([quiz_id for quiz_id, _c in required]),
                QuizResult.is_passed.is_(True),
            )
        )
    )
    return {course_id for quiz_id, course_id in required if quiz_id not in passed}


def may_review(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Whether the correct answers and explanations of a graded attempt may be shown."""
    if attempt.is_open:
        return False
    reveal = attempt.quiz.reveal
    if reveal == RevealRule.AFTER_ATTEMPT.value:
        return True
    if reveal == RevealRule.AFTER_CLOSE.value:
        closes_at = attempt.quiz.closes_at
        return closes_at is not None and (now or utcnow()) >= closes_at
    return False


def course_quizzes(course_id: int, user) -> list[Quiz]:
    """The course's quizzes ``user`` may take (published ones, all for its managers)."""
    quizzes = db.session.scalars(
        select(Quiz).where(Quiz.course_id == course_id).order_by(Quiz.id)
    ).all()
    return [quiz for quiz in quizzes if can_take_quiz(user, quiz)]


# --- what the taker sees ------------------------------------------------------------------


def attempt_view(attempt: QuizAttempt, now: datetime | None = None) -> dict:
    """The attempt as its taker may see it: no correctness data until it is graded and the
    quiz reveals answers."""
    now = now or utcnow()
    review = may_review(attempt, now)
    questions = []
    for item in attempt.items:
        question = item.question
        options = {option.id: option for option in question.options}
        entry = {
            "id": question.id,
            "position": item.position + 1,
            "kind": question.kind,
            "text": question.text,
            "points": item.points,
            "options": [
                {"id": oid, "text": options[oid].text}
                for oid in item.option_order
                if oid in options
            ],
            "answer": item.answer,
        }
        if review:
            key = question_key(question, item.points)
            correct = key.correct_option_ids
            entry.update(
                awarded_points=item.awarded_points,
                correct_option_ids=[oid for oid in item.option_order if oid in correct],
                accepted_answers=list(key.accepted_answers),
                explanation=question.explanation,
            )
        questions.append(entry)
    body = {
        "id": attempt.id,
        "quiz": {"id": attempt.quiz.id, "title": attempt.quiz.title},
        "number": attempt.number,
        "status": attempt.status,
        "started_at": iso_utc(attempt.started_at),
        "deadline_at": iso_utc(attempt.deadline_at),
        "remaining_seconds": (
            max(0, int((attempt.deadline_at - now).total_seconds()))
            if attempt.deadline_at and attempt.is_open
            else None
        ),
        "max_score": attempt.max_score,
        "questions": questions,
        "review": review,
    }
    if not attempt.is_open:
        body.update(
            submitted_at=iso_utc(attempt.submitted_at),
            is_expired=attempt.is_expired,
            score=attempt.score,
            percent=attempt.percent,
            passed=attempt.is_passed,
        )
    return body


def iso_utc(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None
