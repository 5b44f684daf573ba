"""Question bank rules: who manages which bank, editing questions, import, export, drawing."""

from dataclasses import dataclass, field
from string import ascii_uppercase

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, true, update

from lms.accounts.models import Role
from lms.banks import parsing
from lms.banks.models import Bank, Option, Question
from lms.core.exports import ExportColumn, export_bytes
from lms.core.tabular import Column, Layout, cell_text
from lms.courses.models import Course, course_instructor
from lms.extensions import db
from lms.quizzes.models import AttemptQuestion, DrawRule, Quiz, QuizQuestion

MAX_ROWS = 5_000
MAX_TITLE = 200


class BankError(ValueError):
    """A change refused; ``problems`` (when any) say which fields are wrong."""

    def __init__(self, message: str = "", problems=()):
        super().__init__(message)
        self.problems = list(problems)


# --- messages for the pure module's problem codes ---------------------------------------

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


def problem_message(item: parsing.Problem) -> str:
    return str(MESSAGES[item.code]) % item.values


# --- who may do what ---------------------------------------------------------------------


def _teaches_course(user_id: int):
    return (
        select(course_instructor.c.course_id)
        .where(course_instructor.c.user_id == user_id)
        .scalar_subquery()
    )


def visible_bank_clause(user):
    """A SQL condition: the banks ``user`` manages (admins all; instructors their own and
    those of the courses they teach; everyone else none)."""
    if user.has_role(Role.ADMIN):
        return true()
    if not user.has_role(Role.INSTRUCTOR):
        return Bank.id.is_(None)
    return or_(Bank.owner_id == user.id, Bank.course_id.in_(_teaches_course(user.id)))


def banks_visible_to(user):
    """A select of the banks ``user`` may manage and draw questions from, by title."""
    return select(Bank).where(visible_bank_clause(user)).order_by(Bank.title, Bank.id)


def can_manage_bank(user, bank: Bank) -> bool:
    return (
        db.session.scalar(select(func.count()).where(Bank.id == bank.id, visible_bank_clause(user)))
        == 1
    )


def bank_list_query(user, search: str = ""):
    """(Bank, question count) rows the user manages, optionally searched by title."""
    count = (
        select(func.count(Question.id))
        .where(Question.bank_id == Bank.id, Question.is_retired.is_(False))
        .correlate(Bank)
        .scalar_subquery()
    )
    query = select(Bank, count.label("question_count")).where(visible_bank_clause(user))
    if search:
        query = query.where(Bank.title.ilike(f"%{_escape_like(search)}%", escape="\\"))
    return query.order_by(Bank.title, Bank.id)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def course_choices(user, current: Course | None = None) -> list[Course]:
    """Courses a bank may belong to: those the user teaches (admins: all), plus its current."""
    query = select(Course).order_by(Course.title, Course.id)
    if not user.has_role(Role.ADMIN):
        query = query.where(Course.id.in_(_teaches_course(user.id)))
    courses = list(db.session.scalars(query))
    if current is not None and current not in courses:
        courses.append(current)
    return courses


# --- banks -------------------------------------------------------------------------------


def _check_bank(user, title: str, course, bank: Bank | None = None) -> str:
    title = (title or "").strip()
    if not title:
        raise BankError(_("A bank needs a title."))
    if len(title) > MAX_TITLE:
        raise BankError(_("A title can have at most %(count)d characters.", count=MAX_TITLE))
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


def _usage(question_ids, bank_id=None) -> Usage:
    ids = (
        select(Question.id).where(Question.id.in_(question_ids))
        if bank_id is None
        else (select(Question.id).where(Question.bank_id == bank_id))
    )
    uses = select(QuizQuestion.quiz_id).where(QuizQuestion.question_id.in_(ids))
    if bank_id is not None:
        uses = uses.union(select(DrawRule.quiz_id).where(DrawRule.bank_id == bank_id))
    titles = db.session.scalars(
        select(Quiz.title).where(Quiz.id.in_(uses.scalar_subquery())).order_by(Quiz.title)
    ).all()
    attempts = db.session.scalar(
        select(func.count(AttemptQuestion.id)).where(AttemptQuestion.question_id.in_(ids))
    )
    return Usage(list(titles), attempts or 0)


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


def question_data(question: Question) -> parsing.QuestionData:
    return parsing.QuestionData(
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


def _next_position(bank: Bank) -> int:
    last = db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id))
    return (last or 0) + 1


def _duplicate_of(bank: Bank, data: parsing.QuestionData, exclude_id=None) -> Question | None:
    key = data.key()
    for question in bank.questions:
        if question.id != exclude_id and question_data(question).key() == key:
            return question
    return None


def save_question(bank: Bank, data: parsing.QuestionData, question: Question | None = None):
    """Create (``question`` None) or update a question; raises BankError with the problems."""
    problems = parsing.check_question(data)
    if problems:
        raise BankError(problem_message(problems[0]), problems)
    if _duplicate_of(bank, data, question.id if question else None) is not None:
        raise BankError(_("The bank already has this question."))
    if question is None:
        question = Question(bank=bank, position=_next_position(bank))
        db.session.add(question)
    elif _removes_answered_options(question, data):
        raise BankError(
            _(
                "Cadres have answered this question, so its options cannot be removed or its "
                "type changed: retire it and write a new one."
            )
        )
    _fill_question(question, data)
    db.session.flush()
    return question


def _removes_answered_options(question: Question, data: parsing.QuestionData) -> bool:
    # Attempts keep the ids of the options they showed; those rows must stay.
    wanted = len(data.options) if data.kind in parsing.CHOICE_KINDS else 0
    return (wanted < len(question.options) or data.kind != question.kind) and bool(
        question_usage(question).attempts
    )


def _fill_question(question: Question, data: parsing.QuestionData) -> None:
    question.kind = data.kind
    question.text = data.text.strip()
    question.points = float(data.points)
    question.difficulty = data.difficulty
    question.tags = list(data.tags)
    question.explanation = data.explanation.strip()
    question.is_partial_credit = data.kind == "multiple" and data.is_partial_credit
    is_choice = data.kind in parsing.CHOICE_KINDS
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
        query = query.where(Question.text.ilike(f"%{_escape_like(filters.q)}%", escape="\\"))
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


# --- import ------------------------------------------------------------------------------

COLUMN_LABELS = {
    "type": _l("Type"),
    "question": _l("Question"),
    "options": _l("Options (separated by |)"),
    "option_a": _l("Option A"),
    "option_b": _l("Option B"),
    "option_c": _l("Option C"),
    "option_d": _l("Option D"),
    "option_e": _l("Option E"),
    "option_f": _l("Option F"),
    "correct": _l("Correct answer"),
    "points": _l("Points"),
    "difficulty": _l("Difficulty"),
    "tags": _l("Tags"),
    "explanation": _l("Explanation"),
    "partial_credit": _l("Partial credit"),
}
LAYOUT = Layout(
    Column(
        key,
        COLUMN_LABELS[key],
        (*chinese, *english),
        key in parsing.REQUIRED_COLUMNS,
    )
    for key, (chinese, english) in parsing.COLUMN_NAMES.items()
)

NEW, DUPLICATE, REJECTED = "new", "duplicate", "rejected"
STATUSES = (REJECTED, NEW, DUPLICATE)


@dataclass
class RowPlan:
    """What importing one row would do: add a question, skip a duplicate, or refuse it."""

    line: int
    status: str
    kind: str
    text: str
    question: parsing.QuestionData | None = None
    reasons: list[str] = field(default_factory=list)


def read_bank_file(data: bytes, filename: str):
    """The rows of a question file; raises TabularError when the file as a whole is bad."""
    return LAYOUT.read(
        data, filename, MAX_ROWS, _("The file has a header row but no questions below it.")
    )


def plan_import(bank: Bank, table, locale: str) -> list[RowPlan]:
    """Every row as new, duplicate (of the bank or an earlier row) or rejected; read only."""
    existing = {}
    for question in bank.questions:
        existing.setdefault(question_data(question).key(), question)
    seen = {}
    plans = []
    for row in table.rows:
        parsed = parsing.parse_row(row.values, locale)
        data = parsed.question
        plan = RowPlan(
            line=row.line,
            status=NEW,
            kind=data.kind if data else "",
            text=data.text if data else cell_text(row.values.get("question")),
            question=data,
            reasons=[problem_message(item) for item in parsed.problems],
        )
        if plan.reasons:
            plan.status = REJECTED
        elif data.key() in existing:
            plan.status = DUPLICATE
            plan.reasons = [_("The bank already has this question.")]
        elif data.key() in seen:
            plan.status = DUPLICATE
            plan.reasons = [_("The same question is in row %(line)d.", line=seen[data.key()])]
        else:
            seen[data.key()] = row.line
        plans.append(plan)
    return plans


def count_statuses(plans) -> dict:
    counts = dict.fromkeys(STATUSES, 0)
    for plan in plans:
        counts[plan.status] += 1
    return counts


def claim_import(bank: Bank, token: str) -> bool:
    """Mark the preview ``token`` applied to ``bank``; False when it already was.

    One conditional UPDATE in the importing transaction: a concurrent confirm of the same
    preview waits for this row's lock and then matches no row (PostgreSQL re-checks the
    condition after the wait; SQLite's writers run one at a time), so only one adds questions.
    """
    claimed = db.session.execute(
        update(Bank)
        .where(
            Bank.id == bank.id,
            or_(Bank.last_import_token.is_(None), Bank.last_import_token != token),
        )
        .values(last_import_token=token)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def apply_import(bank: Bank, plans) -> int:
    """Add every new question at the end of the bank (all or nothing); returns how many."""
    if any(plan.status == REJECTED for plan in plans):
        raise BankError(_("Some rows are rejected, so nothing was imported."))
    position = _next_position(bank)
    created = 0
    for plan in plans:
        if plan.status != NEW:
            continue
        question = Question(bank=bank, position=position)
        db.session.add(question)
        _fill_question(question, plan.question)
        position += 1
        created += 1
    db.session.flush()
    return created


# --- export and template -----------------------------------------------------------------

WIDTHS = {"A": 10, "B": 48, **dict.fromkeys("CDEFGH", 18), "I": 14, "M": 40}


def _write(rows, ext: str) -> bytes:
    """The header row and questions through the one export writer (no cell is a formula)."""
    header, *questions = rows
    columns = [
        ExportColumn(title, width=WIDTHS.get(letter), wrap=True)
        for letter, title in zip(ascii_uppercase, header, strict=False)
    ]
    return export_bytes(columns, questions, ext, "Questions")


def export_bank(bank: Bank, ext: str, locale: str) -> bytes:
    """The bank's questions in use (not retired) as a CSV or XLSX file that imports back."""
    rows = [parsing.header_row(locale)]
    rows += [
        parsing.question_row(question_data(question), locale)
        for question in bank.questions
        if not question.is_retired
    ]
    return _write(rows, ext)


def build_template(ext: str, locale: str) -> bytes:
    """A template: the header and one example question of each type."""
    return _write(parsing.template_rows(locale), ext)
