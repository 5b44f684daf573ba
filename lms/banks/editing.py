"""Editing banks and their questions: create, change, retire, order and delete them, and
what uses them."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from lms.banks import question_rules
from lms.banks.access import course_choices, escape_like
from lms.banks.errors import BankError
from lms.banks.messages import problem_message
from lms.banks.models import Bank, Option, Question
from lms.extensions import db

MAX_TITLE = 200


# --- banks -------------------------------------------------------------------------------


def _check_bank(user, title: str, course, bank: Bank | None = None) -> str:
    title = (title or "").strip()
    if not title:
        raise BankError(_("A bank needs a title."))
    if len(title) > MAX_TITLE:
        raise BankError(_("A title can have at most %(count)d characters.", count=MAX_TITLE))
    same_title = select(Bank.id).where(
        Bank.owner_id == (bank.owner_id if bank is not None else user.id),
        func.lower(Bank.title) == title.lower(),
    )
    if bank is not None:
        same_title = same_title.where(Bank.id != bank.id)
    if db.session.scalar(same_title.limit(1)) is not None:
        raise BankError(_("There is already a bank named %(title)s.", title=title))
    current = bank.course if bank is not None else None
    if course is not None and course not in course_choices(user, current):
        raise BankError(_("Choose a course you teach."))
    return title


def create_bank(owner, title: str, course=None, content_category=None) -> Bank:
    """A new bank owned by ``owner``, for a course or shared by content category."""
    title = _check_bank(owner, title, course)
    bank = Bank(title=title, course=course, content_category=content_category, owner=owner)
    db.session.add(bank)
    db.session.flush()
    return bank


def update_bank(user, bank: Bank, title: str, course=None, content_category=None) -> None:
    bank.title = _check_bank(user, title, course, bank)
    bank.course = course
    bank.content_category = content_category
    db.session.flush()


@dataclass
class Usage:
    """Where questions are used: the quizzes that list or draw them, and answered attempts."""

    quizzes: list = field(default_factory=list)  # titles
    attempts: int = 0

    def __bool__(self) -> bool:
        return bool(self.quizzes or self.attempts)


UsageSource = Callable[[Select, int | None], Usage]
_USAGE_SOURCE = "lms.bank_usage"


def register_usage_source(app: Flask, source: UsageSource) -> None:
    """Where the feature that uses questions says how (quizzes: the quizzes that list or draw
    them and the attempts that answered them). Banks sit a floor below quizzes and import
    nothing of them (docs/architecture.md); ``source(question_ids, bank_id)`` gets a select of
    the question ids and, for a whole bank, its id (rules that draw from it use it too)."""
    app.extensions[_USAGE_SOURCE] = source


def _usage(question_ids, bank_id=None) -> Usage:
    ids = (
        select(Question.id).where(Question.id.in_(question_ids))
        if bank_id is None
        else (select(Question.id).where(Question.bank_id == bank_id))
    )
    source = current_app.extensions.get(_USAGE_SOURCE)
    return source(ids, bank_id) if source else Usage()


def bank_usage(bank: Bank) -> Usage:
    """The quizzes that draw from or list questions of ``bank``, and answers to its questions."""
    return _usage(None, bank.id)


def question_usage(question: Question) -> Usage:
    return _usage([question.id])


def delete_bank(bank: Bank) -> None:
    """Delete a bank and its questions, unless a quiz uses it or cadres answered its questions
    (their attempts would lose them: retire questions instead)."""
    _refuse_if_used(bank_usage(bank))
    db.session.delete(bank)
    db.session.flush()


def _refuse_if_used(usage: Usage) -> None:
    if usage.quizzes:
        raise BankError(
            _(
                "Quizzes use it: %(titles)s. Remove it from them first, or retire questions "
                "instead.",
                titles="、".join(usage.quizzes),
            )
        )
    if usage.attempts:
        raise BankError(
            _("Cadres have answered it in quizzes: retire questions instead of deleting them.")
        )


def question_counts(bank: Bank) -> dict:
    """{"active": n, "retired": n} questions of a bank."""
    rows = db.session.execute(
        select(Question.is_retired, func.count())
        .where(Question.bank_id == bank.id)
        .group_by(Question.is_retired)
    )
    counts = {"active": 0, "retired": 0}
    for retired, count in rows:
        counts["retired" if retired else "active"] = count
    return counts


# --- questions ---------------------------------------------------------------------------


def answer_key(question: Question) -> dict:
    """What grading reads of a question, bar its points (attempts keep their own): a changed
    key means past attempts may be scored otherwise (a regrade is offered)."""
    return {
        "kind": question.kind,
        "correct_option_ids": frozenset(o.id for o in question.options if o.is_correct),
        "accepted_answers": tuple(question.accepted_answers or ()),
        "is_partial_credit": bool(question.is_partial_credit),
    }


def question_data(question: Question) -> question_rules.QuestionData:
    return question_rules.QuestionData(
        kind=question.kind,
        text=question.text,
        options=[(option.text, option.is_correct) for option in question.options],
        accepted_answers=list(question.accepted_answers or []),
        points=question.points,
        difficulty=question.difficulty,
        tags=list(question.tags or []),
        explanation=question.explanation or "",
        is_partial_credit=question.is_partial_credit,
    )


def next_position(bank: Bank) -> int:
    last = db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id))
    return (last or 0) + 1


def _duplicate_of(
    bank: Bank, data: question_rules.QuestionData, exclude_id=None
) -> Question | None:
    key = data.key()
    for question in bank.questions:
        if question.id != exclude_id and question_data(question).key() == key:
            return question
    return None


def save_question(bank: Bank, data: question_rules.QuestionData, question: Question | None = None):
    """Create (``question`` None) or update a question; raises BankError with the problems."""
    problems = question_rules.check_question(data)
    if problems:
        raise BankError(problem_message(problems[0]), problems)
    if _duplicate_of(bank, data, question.id if question else None) is not None:
        raise BankError(_("The bank already has this question."))
    if question is None:
        question = Question(bank=bank, position=next_position(bank))
        db.session.add(question)
    elif _removes_answered_options(question, data):
        raise BankError(
            _(
                "Cadres have answered this question, so its options cannot be removed or its "
                "type changed: retire it and write a new one."
            )
        )
    fill_question(question, data)
    db.session.flush()
    return question


def _removes_answered_options(question: Question, data: question_rules.QuestionData) -> bool:
    # Attempts keep the ids of the options they showed; those rows must stay.
    wanted = len(data.options) if data.kind in question_rules.CHOICE_KINDS else 0
    return (wanted < len(question.options) or data.kind != question.kind) and bool(
        question_usage(question).attempts
    )


def fill_question(question: Question, data: question_rules.QuestionData) -> None:
    question.kind = data.kind
    question.text = data.text.strip()
    question.points = float(data.points)
    question.difficulty = data.difficulty
    question.tags = list(data.tags)
    question.explanation = data.explanation.strip()
    question.is_partial_credit = data.kind == "multiple" and data.is_partial_credit
    is_choice = data.kind in question_rules.CHOICE_KINDS
    question.accepted_answers = [] if is_choice else list(data.accepted_answers)
    wanted = data.options if is_choice else []
    # Options keep their rows (and ids) by position: attempts may already point at them.
    existing = list(question.options)
    for position, (text, is_correct) in enumerate(wanted):
        if position < len(existing):
            option = existing[position]
        else:
            option = Option(position=position)
            question.options.append(option)
        option.text, option.is_correct, option.position = text.strip(), is_correct, position
    for option in existing[len(wanted) :]:
        question.options.remove(option)


def set_question_retired(question: Question, retired: bool) -> None:
    """Retire (never drawn again, kept for past attempts) or restore a question."""
    question.is_retired = retired
    db.session.flush()


def delete_question(question: Question) -> None:
    """Delete a question no quiz lists and nobody answered (otherwise retire it)."""
    _refuse_if_used(question_usage(question))
    db.session.delete(question)
    db.session.flush()


def move_question(question: Question, offset: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1) among the questions in the
    same state (in use or retired), as the bank's page lists them."""
    siblings = sorted(
        (q for q in question.bank.questions if q.is_retired == question.is_retired),
        key=lambda q: (q.position, q.id),
    )
    index = siblings.index(question)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    other = siblings[target]
    if other.position == question.position:
        # Equal positions cannot be swapped: number the whole bank first, keeping its order.
        ordered = sorted(question.bank.questions, key=lambda q: (q.position, q.id))
        for position, item in enumerate(ordered, start=1):
            item.position = position
    question.position, other.position = other.position, question.position
    db.session.flush()


@dataclass
class QuestionFilters:
    kind: str = ""
    difficulty: int | None = None
    tag: str = ""
    state: str = "active"  # active, retired or all
    q: str = ""


def bank_questions(bank: Bank, filters: QuestionFilters) -> list[Question]:
    """The bank's questions matching the filters, in bank order."""
    query = select(Question).where(Question.bank_id == bank.id)
    if filters.kind:
        query = query.where(Question.kind == filters.kind)
    if filters.difficulty:
        query = query.where(Question.difficulty == filters.difficulty)
    if filters.state != "all":
        query = query.where(Question.is_retired.is_(filters.state == "retired"))
    if filters.q:
        query = query.where(Question.text.ilike(f"%{escape_like(filters.q)}%", escape="\\"))
    questions = db.session.scalars(query.order_by(Question.position, Question.id)).all()
    if filters.tag:
        # Tags are a JSON list: matched here, portably across SQLite and PostgreSQL.
        wanted = filters.tag.casefold()
        questions = [q for q in questions if wanted in {t.casefold() for t in q.tags or []}]
    return list(questions)


def bank_tags(bank: Bank) -> list[str]:
    tags = set()
    for tags_list in db.session.scalars(select(Question.tags).where(Question.bank_id == bank.id)):
        tags.update(tags_list or [])
    return sorted(tags, key=str.casefold)


def questions_for_draw(bank_ids, tags=None, difficulty=None) -> list[Question]:
    """Questions a quiz may draw: not retired, in these banks, with any of ``tags`` (when
    given) and of ``difficulty`` (a level or a collection of levels, when given)."""
    ids = list(bank_ids)
    if not ids:
        return []
    query = select(Question).where(Question.bank_id.in_(ids), Question.is_retired.is_(False))
    if difficulty is not None:
        levels = [difficulty] if isinstance(difficulty, int) else list(difficulty)
        query = query.where(Question.difficulty.in_(levels))
    questions = db.session.scalars(query.order_by(Question.bank_id, Question.position)).all()
    if tags:
        wanted = {tag.casefold() for tag in tags}
        questions = [q for q in questions if wanted & {t.casefold() for t in q.tags or []}]
    return list(questions)
