"""Question bank pages: list, edit, import and export (instructors their own, admins all)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import Role
from lms.banks import cli, parsing, services
from lms.banks.forms import NONE, BankFileForm, BankForm, QuestionForm
from lms.banks.models import Bank, Question
from lms.banks.services import BankError
from lms.core.access import role_required
from lms.core.exports import download
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.core.pagination import Page
from lms.core.tabular import EXTENSIONS
from lms.core.timeutil import utcnow
from lms.core.uploads import PendingUpload, UploadGone
from lms.courses.categories import content_categories
from lms.courses.models import ContentCategory, Course
from lms.extensions import db
from lms.quizzes import services as quizzes

bp = Blueprint("banks", __name__, url_prefix="/banks")

EDITORS = (Role.INSTRUCTOR, Role.ADMIN)
PENDING = PendingUpload("bank_uploads", "bank_upload")
# `flask banks import|export`: the blueprint's own command group, registered with it.
cli.register(bp.cli)


@bp.app_context_processor
def _inject_labels():
    return {
        "question_kind_label": lambda kind: services.KIND_LABELS.get(kind, kind),
        "difficulty_label": lambda level: services.DIFFICULTY_LABELS.get(level, level),
        "format_points": parsing.format_points,
    }


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _bank(bank_id: int) -> Bank:
    """The bank, if the caller manages it; 404 otherwise (as if it did not exist)."""
    bank = db.session.get(Bank, bank_id)
    if bank is None or not services.can_manage_bank(current_user, bank):
        abort(404)
    return bank


def _question(bank_id: int, question_id: int) -> tuple[Bank, Question]:
    bank = _bank(bank_id)
    question = db.session.get(Question, question_id)
    if question is None or question.bank_id != bank.id:
        abort(404)
    return bank, question


# --- banks -------------------------------------------------------------------------------


@bp.route("/")
@role_required(*EDITORS)
def index():
    """The banks the caller manages, searchable by title."""
    search = request.args.get("q", "").strip()[:100]
    page = Page.of_select(
        services.bank_list_query(current_user, search), _page(), current_app.config["PAGE_SIZE"]
    )
    return render_template("banks/index.html", page=page, search=search)


def _prepare_bank_form(form: BankForm, bank: Bank | None = None) -> None:
    locale = current_locale()
    courses = services.course_choices(current_user, bank.course if bank else None)
    form.course_id.choices = [(NONE, _("— No course (shared) —"))] + [
        (str(c.id), c.title) for c in courses
    ]
    categories = content_categories()
    if bank is not None and bank.content_category and bank.content_category not in categories:
        categories.append(bank.content_category)
    form.content_category_id.choices = [(NONE, _("— None —"))] + [
        (str(c.id), c.display_name(locale)) for c in categories
    ]


def _bank_fields(form: BankForm) -> dict:
    course_id, category_id = form.course_id.data or "", form.content_category_id.data or ""
    return {
        "title": form.title.data,
        "course": db.session.get(Course, parse_int(course_id) or 0),
        "content_category": db.session.get(ContentCategory, parse_int(category_id) or 0),
    }


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new():
    """Create a bank for a course, or shared by content category."""
    form = BankForm()
    _prepare_bank_form(form)
    if request.method == "GET" and request.args.get("course_id", "").isdigit():
        form.course_id.data = request.args["course_id"]
    if form.validate_on_submit():
        try:
            bank = services.create_bank(current_user, **_bank_fields(form))
        except BankError as exc:
            db.session.rollback()
            form.course_id.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The bank has been created. Now add or import its questions."), "success")
            return redirect(url_for("banks.detail", bank_id=bank.id))
    status = 400 if form.errors else 200
    return render_template("banks/form.html", form=form, bank=None), status


@bp.route("/<int:bank_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(bank_id: int):
    """Rename a bank or change its course or category."""
    bank = _bank(bank_id)
    form = BankForm(obj=bank)
    _prepare_bank_form(form, bank)
    if request.method == "GET":
        form.course_id.data = str(bank.course_id or NONE)
        form.content_category_id.data = str(bank.content_category_id or NONE)
    if form.validate_on_submit():
        try:
            services.update_bank(current_user, bank, **_bank_fields(form))
        except BankError as exc:
            db.session.rollback()
            form.course_id.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The bank has been saved."), "success")
            if not services.can_manage_bank(current_user, bank):
                return redirect(url_for("banks.index"))
            return redirect(url_for("banks.detail", bank_id=bank.id))
    status = 400 if form.errors else 200
    return render_template("banks/form.html", form=form, bank=bank), status


@bp.route("/<int:bank_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete(bank_id: int):
    """Ask, then delete a bank with all its questions."""
    bank = _bank(bank_id)
    error = None
    if request.method == "POST" and request.form.get("confirm") == "yes":
        title = bank.title
        try:
            services.delete_bank(bank)
        except BankError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The bank %(title)s has been deleted.", title=title), "success")
            return redirect(url_for("banks.index"))
    return render_template(
        "banks/delete.html",
        bank=bank,
        counts=services.question_counts(bank),
        usage=services.bank_usage(bank),
        error=error,
    ), (400 if error else 200)


def _filters() -> services.QuestionFilters:
    args = request.args
    difficulty = args.get("difficulty", "")
    state = args.get("state", "active")
    return services.QuestionFilters(
        kind=args.get("kind", "") if args.get("kind") in parsing.KINDS else "",
        difficulty=int(difficulty) if difficulty in ("1", "2", "3") else None,
        tag=args.get("tag", "").strip()[: parsing.MAX_TAG],
        state=state if state in ("active", "retired", "all") else "active",
        q=args.get("q", "").strip()[:100],
    )


@bp.route("/<int:bank_id>")
@role_required(*EDITORS)
def detail(bank_id: int):
    """A bank's questions, filtered by type, difficulty, tag, state and text."""
    bank = _bank(bank_id)
    filters = _filters()
    questions = services.bank_questions(bank, filters)
    return render_template(
        "banks/detail.html",
        bank=bank,
        filters=filters,
        filtered=any([filters.kind, filters.difficulty, filters.tag, filters.q])
        or filters.state != "active",
        page=Page.of(questions, _page()),
        counts=services.question_counts(bank),
        tags=services.bank_tags(bank),
        kinds=parsing.KINDS,
        pending=_pending_for(bank),
    )


# --- questions ---------------------------------------------------------------------------


def _fill_form(form: QuestionForm, data: parsing.QuestionData) -> None:
    form.text.data = data.text
    for index, entry in enumerate(form.options.entries):
        entry.data = data.options[index][0] if index < len(data.options) else ""
    form.correct.data = [str(i) for i, (_text, ok) in enumerate(data.options) if ok]
    if data.kind == "true_false":
        form.statement.data = "true" if data.options and data.options[0][1] else "false"
    form.accepted_answers.data = "\n".join(data.accepted_answers)
    form.is_partial_credit.data = data.is_partial_credit
    form.points.data = str(parsing.format_points(data.points))
    form.difficulty.data = str(data.difficulty)
    form.tags.data = (
        "、".join(data.tags) if current_locale().startswith("zh") else ", ".join(data.tags)
    )
    form.explanation.data = data.explanation


def _form_data(form: QuestionForm, kind: str, question: Question | None):
    """The question as typed, and the problems found reading it (points that are not a number)."""
    problems = []
    data = parsing.QuestionData(kind=kind, text=(form.text.data or "").strip())
    data.explanation = (form.explanation.data or "").strip()
    data.tags = parsing.split_tags(form.tags.data or "")
    data.difficulty = int(form.difficulty.data) if form.difficulty.data in ("1", "2", "3") else 0
    data.points = parsing.read_points(form.points.data, problems)
    data.is_partial_credit = kind == "multiple" and bool(form.is_partial_credit.data)
    if kind == "fill_blank":
        data.accepted_answers = parsing.split_lines(form.accepted_answers.data)
    elif kind == "true_false":
        labels = [o.text for o in question.options] if question and question.options else None
        labels = labels or list(parsing.TRUE_FALSE_LABELS["zh" if _zh() else "en"])
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
        message = services.problem_message(item)
        target = None if item.field in ("options", "correct") else getattr(form, item.field, None)
        errors = general if target is None else target.errors
        if message not in errors:
            errors.append(message)


def _edit_question(bank: Bank, kind: str, question: Question | None):
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        _fill_form(form, services.question_data(question))
    option_errors = []
    if form.validate_on_submit():
        data, problems = _form_data(form, kind, question)
        problems += parsing.check_question(data)
        if not problems:
            key_before = _key(question)
            try:
                saved = services.save_question(bank, data, question)
            except BankError as exc:
                db.session.rollback()
                form.text.errors.append(str(exc))
            else:
                db.session.commit()
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
    regrade = quizzes.regrade_status(question) if question is not None else None
    return render_template(
        "banks/question.html",
        bank=bank,
        question=question,
        kind=kind,
        form=form,
        option_errors=option_errors,
        letters=parsing.LETTERS,
        regrade=regrade,
        key_changed=request.args.get("key_changed") == "1",
    ), status


def _key(question: Question | None):
    """What grading reads of the question, bar its points (attempts keep their own)."""
    return None if question is None else quizzes.question_key(question, 0.0)


@bp.route("/<int:bank_id>/questions/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_question(bank_id: int):
    """Write a question of the type chosen (``?kind=single|multiple|true_false|fill_blank``)."""
    bank = _bank(bank_id)
    kind = request.args.get("kind", "single")
    if kind not in parsing.KINDS:
        kind = "single"
    return _edit_question(bank, kind, None)


@bp.route("/<int:bank_id>/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_question(bank_id: int, question_id: int):
    """Edit a question (its type stays)."""
    bank, question = _question(bank_id, question_id)
    return _edit_question(bank, question.kind, question)


def _question_action(bank_id: int, question_id: int, action, message: str):
    bank, question = _question(bank_id, question_id)
    try:
        action(question)
    except BankError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(_back(url_for("banks.detail", bank_id=bank.id)))


def _back(default: str) -> str:
    """The bank page to return to (keeping its filters and page), else ``default``."""
    target = request.form.get("back") or ""
    if target.startswith(default) and "\\" not in target:
        return target
    return default


@bp.route("/<int:bank_id>/questions/<int:question_id>/regrade", methods=["POST"])
@role_required(*EDITORS)
def regrade_question(bank_id: int, question_id: int):
    """Score the question again, by its current key, in every graded attempt that asked it."""
    bank, question = _question(bank_id, question_id)
    outcome = quizzes.regrade_question(question)
    db.session.commit()
    # The audit of a regrade: who and when, in the application log (quizzes keep no audit table).
    current_app.logger.info(
        "question %s regraded by user %s (%s) at %s: %s attempts, %s scores changed, "
        "%s results updated",
        question.id,
        current_user.id,
        current_user.username,
        utcnow().isoformat(),
        outcome.attempts,
        outcome.changed,
        outcome.results,
    )
    flash(
        _(
            "Regraded %(count)d attempts with the current key: %(changed)d scores changed and "
            "%(results)d cadres' results were updated.",
            count=outcome.attempts,
            changed=outcome.changed,
            results=outcome.results,
        ),
        "success",
    )
    return redirect(url_for("banks.edit_question", bank_id=bank.id, question_id=question.id))


@bp.route("/<int:bank_id>/questions/<int:question_id>/retire", methods=["POST"])
@role_required(*EDITORS)
def retire_question(bank_id: int, question_id: int):
    """Retire a question: quizzes no longer draw it; past attempts keep it."""
    return _question_action(
        bank_id,
        question_id,
        lambda q: services.set_question_retired(q, True),
        _("The question is retired: quizzes no longer draw it."),
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/restore", methods=["POST"])
@role_required(*EDITORS)
def restore_question(bank_id: int, question_id: int):
    """Put a retired question back in use."""
    return _question_action(
        bank_id,
        question_id,
        lambda q: services.set_question_retired(q, False),
        _("The question is in use again."),
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def delete_question(bank_id: int, question_id: int):
    """Delete a question for good (the page asks first)."""
    return _question_action(
        bank_id, question_id, services.delete_question, _("The question has been deleted.")
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/up", methods=["POST"])
@role_required(*EDITORS)
def move_question_up(bank_id: int, question_id: int):
    """Move a question one place up in the bank."""
    return _question_action(
        bank_id, question_id, lambda q: services.move_question(q, -1), _("The question moved up.")
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/down", methods=["POST"])
@role_required(*EDITORS)
def move_question_down(bank_id: int, question_id: int):
    """Move a question one place down in the bank."""
    return _question_action(
        bank_id,
        question_id,
        lambda q: services.move_question(q, 1),
        _("The question moved down."),
    )


# --- import and export -------------------------------------------------------------------


def _pending_for(bank: Bank) -> dict | None:
    info = PENDING.current()
    return info if info and info.get("bank_id") == bank.id else None


def _import_page(bank: Bank, form: BankFileForm, status: int = 200):
    return render_template(
        "banks/import.html",
        bank=bank,
        form=form,
        columns=services.LAYOUT.columns,
        pending=_pending_for(bank),
        max_rows=services.MAX_ROWS,
        max_mb=current_app.config["MAX_IMPORT_MB"],
    ), status


@bp.route("/<int:bank_id>/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_file(bank_id: int):
    """Upload a question file; a readable one is stored and previewed, a bad one explained."""
    bank = _bank(bank_id)
    form = BankFileForm()
    if form.validate_on_submit() and PENDING.accept(
        form.file, services.read_bank_file, bank_id=bank.id
    ):
        return redirect(url_for("banks.import_preview", bank_id=bank.id))
    return _import_page(bank, form, 400 if form.errors else 200)


def _load_stored_upload(bank: Bank, info: dict | None):
    """The table of this session's upload ``info`` into ``bank``, or a redirect."""
    try:
        table = PENDING.load(info, services.read_bank_file, _("Upload a question file first."))
    except UploadGone as gone:
        flash(gone.message, gone.category)
        return None, redirect(url_for("banks.import_file", bank_id=bank.id))
    return table, None


def _plan_stored_upload(bank: Bank):
    """(info, table, plans) for this session's upload into ``bank``, or a redirect."""
    info = _pending_for(bank)
    table, response = _load_stored_upload(bank, info)
    if response is not None:
        return None, response
    return (info, table, services.plan_import(bank, table, current_locale())), None


@bp.route("/<int:bank_id>/import/preview")
@role_required(*EDITORS)
def import_preview(bank_id: int):
    """Every row of the stored upload as new, duplicate or rejected; nothing written."""
    bank = _bank(bank_id)
    loaded, response = _plan_stored_upload(bank)
    if response is not None:
        return response
    info, table, plans = loaded
    status = request.args.get("status", "")
    if status not in services.STATUSES:
        status = ""
    order = {name: index for index, name in enumerate(services.STATUSES)}
    shown = sorted(
        (plan for plan in plans if not status or plan.status == status),
        key=lambda plan: (order[plan.status], plan.line),
    )
    return render_template(
        "banks/preview.html",
        bank=bank,
        info=info,
        table=table,
        counts=services.count_statuses(plans),
        total=len(plans),
        status=status,
        page=Page.of(shown, _page()),
        letters=parsing.LETTERS,
    )


@bp.route("/<int:bank_id>/import/confirm", methods=["POST"])
@role_required(*EDITORS)
def import_confirm(bank_id: int):
    """Check the stored upload again against the bank as it is now and import it at once."""
    bank = _bank(bank_id)
    info = _pending_for(bank)
    if info and info.get("token") == bank.last_import_token:
        return _already_imported(bank)  # a second click sent after the first one finished
    table, response = _load_stored_upload(bank, info)
    if response is not None:
        return response
    if not services.claim_import(bank, info["token"]):
        db.session.rollback()
        return _already_imported(bank)  # a second click that ran alongside the first one
    # Planned after the claim: the bank as it is now, with any import that won before.
    plans = services.plan_import(bank, table, current_locale())
    try:
        created = services.apply_import(bank, plans)
    except BankError:
        db.session.rollback()
        flash(
            _("Some rows are rejected, so nothing was imported. Fix the file and upload it again."),
            "error",
        )
        return redirect(url_for("banks.import_preview", bank_id=bank.id))
    db.session.commit()
    PENDING.forget()
    flash(
        _(
            "Questions imported: %(created)d added, %(skipped)d duplicates skipped.",
            created=created,
            skipped=services.count_statuses(plans)[services.DUPLICATE],
        ),
        "success",
    )
    return redirect(url_for("banks.detail", bank_id=bank.id))


def _already_imported(bank: Bank):
    PENDING.forget()
    flash(_("This import was already applied; nothing more was added."), "info")
    return redirect(url_for("banks.detail", bank_id=bank.id))


@bp.route("/<int:bank_id>/import/cancel", methods=["POST"])
@role_required(*EDITORS)
def import_cancel(bank_id: int):
    """Drop the stored upload without importing anything."""
    bank = _bank(bank_id)
    if _pending_for(bank):
        PENDING.forget()
    flash(_("The import was cancelled; nothing was changed."), "info")
    return redirect(url_for("banks.detail", bank_id=bank.id))


@bp.route("/<int:bank_id>/export.<ext>")
@role_required(*EDITORS)
def export(bank_id: int, ext: str):
    """The bank's questions in use, as a file that imports back."""
    bank = _bank(bank_id)
    if ext not in EXTENSIONS:
        abort(404)
    data = services.export_bank(bank, ext, current_locale())
    return download(data, ext, f"question-bank-{bank.id}.{ext}")


@bp.route("/template.<ext>")
@role_required(*EDITORS)
def template(ext: str):
    """A question file template with one example question of each type."""
    if ext not in EXTENSIONS:
        abort(404)
    return download(services.build_template(ext, current_locale()), ext, f"question-template.{ext}")
