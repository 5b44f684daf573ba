"""Question files: planning and applying an import, exporting a bank, the template."""

from dataclasses import dataclass, field
from string import ascii_uppercase

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from lms.banks import file_rows, question_rules
from lms.banks.editing import fill_question, next_position, question_data
from lms.banks.errors import BankError
from lms.banks.messages import problem_message
from lms.banks.models import Bank, Question
from lms.core.exports import ExportColumn, export_bytes
from lms.core.tabular import Column, Layout, cell_text
from lms.extensions import db

MAX_ROWS = 5_000


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
        key in file_rows.REQUIRED_COLUMNS,
    )
    for key, (chinese, english) in file_rows.COLUMN_NAMES.items()
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
    question: question_rules.QuestionData | None = None
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
        parsed = file_rows.parse_row(row.values, locale)
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
    position = next_position(bank)
    created = 0
    for plan in plans:
        if plan.status != NEW:
            continue
        question = Question(bank=bank, position=position)
        db.session.add(question)
        fill_question(question, plan.question)
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
    rows = [file_rows.header_row(locale)]
    rows += [
        file_rows.question_row(question_data(question), locale)
        for question in bank.questions
        if not question.is_retired
    ]
    return _write(rows, ext)


def build_template(ext: str, locale: str) -> bytes:
    """A template: the header and one example question of each type."""
    return _write(file_rows.template_rows(locale), ext)
