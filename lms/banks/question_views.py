"""Question pages of a bank: write, edit, retire, restore, delete and order questions."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.banks import editing, file_rows, messages, question_rules
from lms.banks.errors import BankError
from lms.banks.forms import QuestionForm
from lms.banks.models import Bank, Question
from lms.banks.views import EDITORS, bank_or_404, bp, question_or_404
from lms.core.access import role_required
from lms.core.i18n import current_locale
from lms.extensions import db


def _fill_form(form: QuestionForm, data: question_rules.QuestionData) -> None:
    form.text.data = data.text
    for index, entry in enumerate(form.options.entries):
        entry.data = data.options[index][0] if index < len(data.options) else ""
    form.correct.data = [str(i) for i, (_text, ok) in enumerate(data.options) if ok]
    if data.kind == "true_false":
        form.statement.data = "true" if data.options and data.options[0][1] else "false"
    form.accepted_answers.data = "\n".join(data.accepted_answers)
    form.is_partial_credit.data = data.is_partial_credit
    form.points.data = str(question_rules.format_points(data.points))
    form.difficulty.data = str(data.difficulty)
    form.tags.data = (
        "、".join(data.tags) if current_locale().startswith("zh") else ", ".join(data.tags)
    )
    form.explanation.data = data.explanation


def _form_data(form: QuestionForm, kind: str, question: Question | None):
    """The question as typed, and the problems found reading it (points that are not a number)."""
    problems = []
    data = question_rules.QuestionData(kind=kind, text=(form.text.data or "").strip())
    data.explanation = (form.explanation.data or "").strip()
    data.tags = question_rules.split_tags(form.tags.data or "")
    data.difficulty = int(form.difficulty.data) if form.difficulty.data in ("1", "2", "3") else 0
    data.points = file_rows.read_points(form.points.data, problems)
    data.is_partial_credit = kind == "multiple" and bool(form.is_partial_credit.data)
    if kind == "fill_blank":
        data.accepted_answers = question_rules.split_lines(form.accepted_answers.data)
    elif kind == "true_false":
        labels = [o.text for o in question.options] if question and question.options else None
        labels = labels or list(question_rules.TRUE_FALSE_LABELS["zh" if _zh() else "en"])
        if form.statement.data in ("true", "false"):
            truth = form.statement.data == "true"
            data.options = [(labels[0], truth), (labels[1], not truth)]
        else:
            data.options = [(labels[0], False), (labels[1], False)]
    else:
        texts = [(entry.data or "").strip() for entry in form.options.entries]
        while texts and not texts[-1]:
            texts.pop()
        chosen = set(form.correct.data or [])
        data.options = [(text, str(i) in chosen) for i, text in enumerate(texts)]
    return data, problems


def _zh() -> bool:
    return current_locale().startswith("zh")


def _show_problems(form: QuestionForm, problems, general: list) -> None:
    """Each problem beside its field; those about options and the correct one above them."""
    for item in problems:
        message = messages.problem_message(item)
        target = None if item.field in ("options", "correct") else getattr(form, item.field, None)
        errors = general if target is None else target.errors
        if message not in errors:
            errors.append(message)


def _edit_question(bank: Bank, kind: str, question: Question | None):
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        _fill_form(form, editing.question_data(question))
    option_errors = []
    if form.validate_on_submit():
        data, problems = _form_data(form, kind, question)
        problems += question_rules.check_question(data)
        if not problems:
            key_before = _key(question)
            try:
                saved = editing.save_question(bank, data, question)
            except BankError as exc:
                form.text.errors.append(exc.message)
            else:
                flash(_("The question has been saved."), "success")
                if request.form.get("next") == "another":
                    return redirect(url_for("banks.new_question", bank_id=bank.id, kind=kind))
                if key_before not in (None, _key(saved)):
                    # A corrected key: stay on the page that offers regrading past attempts.
                    url = url_for(
                        "banks.edit_question", bank_id=bank.id, question_id=saved.id, key_changed=1
                    )
                    return redirect(url + "#regrade")
                return redirect(url_for("banks.detail", bank_id=bank.id) + f"#q{saved.id}")
        _show_problems(form, problems, option_errors)
    status = 400 if form.errors or option_errors else 200
    return render_template(
        "banks/question.html",
        bank=bank,
        question=question,
        kind=kind,
        form=form,
        option_errors=option_errors,
        letters=question_rules.LETTERS,
        key_changed=request.args.get("key_changed") == "1",
    ), status


def _key(question: Question | None):
    """What grading reads of the question, bar its points (attempts keep their own)."""
    return None if question is None else editing.answer_key(question)


@bp.route("/<int:bank_id>/questions/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_question(bank_id: int):
    """Write a question of the type chosen (``?kind=single|multiple|true_false|fill_blank``)."""
    bank = bank_or_404(bank_id)
    kind = request.args.get("kind", "single")
    if kind not in question_rules.KINDS:
        kind = "single"
    return _edit_question(bank, kind, None)


@bp.route("/<int:bank_id>/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_question(bank_id: int, question_id: int):
    """Edit a question (its type stays)."""
    bank, question = question_or_404(bank_id, question_id)
    return _edit_question(bank, question.kind, question)


def _question_action(bank_id: int, question_id: int, action, message: str):
    bank, question = question_or_404(bank_id, question_id)
    try:
        action(question)
    except BankError as exc:
        db.session.rollback()  # the redirect below is kept: nothing of the refused action
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(_back(url_for("banks.detail", bank_id=bank.id)))


def _back(default: str) -> str:
    """The bank page to return to (keeping its filters and page), else ``default``."""
    target = request.form.get("back") or ""
    if target.startswith(default) and "\\" not in target:
        return target
    return default


@bp.route("/<int:bank_id>/questions/<int:question_id>/retire", methods=["POST"])
@role_required(*EDITORS)
def retire_question(bank_id: int, question_id: int):
    """Retire a question: quizzes no longer draw it; past attempts keep it."""
    return _question_action(
        bank_id,
        question_id,
        lambda q: editing.set_question_retired(q, True),
        _("The question is retired: quizzes no longer draw it."),
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/restore", methods=["POST"])
@role_required(*EDITORS)
def restore_question(bank_id: int, question_id: int):
    """Put a retired question back in use."""
    return _question_action(
        bank_id,
        question_id,
        lambda q: editing.set_question_retired(q, False),
        _("The question is in use again."),
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def delete_question(bank_id: int, question_id: int):
    """Delete a question for good (the page asks first)."""
    return _question_action(
        bank_id, question_id, editing.delete_question, _("The question has been deleted.")
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/up", methods=["POST"])
@role_required(*EDITORS)
def move_question_up(bank_id: int, question_id: int):
    """Move a question one place up in the bank."""
    return _question_action(
        bank_id, question_id, lambda q: editing.move_question(q, -1), _("The question moved up.")
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/down", methods=["POST"])
@role_required(*EDITORS)
def move_question_down(bank_id: int, question_id: int):
    """Move a question one place down in the bank."""
    return _question_action(
        bank_id,
        question_id,
        lambda q: editing.move_question(q, 1),
        _("The question moved down."),
    )
