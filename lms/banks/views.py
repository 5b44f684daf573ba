"""Question bank pages (instructors their own, admins all): the blueprint, the loading of a
bank or question with its access check, and the banks' own pages (list, create, edit,
delete, a bank's questions). ``question_views`` and ``file_views`` register the question
and file pages on this blueprint; ``lms.quizzes.regrade_views`` the regrade."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import Role
from lms.banks import access, cli, editing, messages, question_rules
from lms.banks.errors import BankError
from lms.banks.forms import NONE, BankForm
from lms.banks.models import Bank, Question
from lms.core.access import role_required
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.core.pagination import Page
from lms.core.templating import render_form
from lms.core.uploads import PendingUpload
from lms.courses.categories import content_categories
from lms.courses.models import ContentCategory, Course
from lms.extensions import db

bp = Blueprint("banks", __name__, url_prefix="/banks")

EDITORS = (Role.INSTRUCTOR, Role.ADMIN)
PENDING = PendingUpload("bank_uploads", "bank_upload")
# `flask banks import|export`: the blueprint's own command group, registered with it.
cli.register(bp.cli)


@bp.app_context_processor
def _inject_labels():
    return {
        "question_kind_label": lambda kind: messages.KIND_LABELS.get(kind, kind),
        "difficulty_label": lambda level: messages.DIFFICULTY_LABELS.get(level, level),
        "format_points": question_rules.format_points,
    }


def page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


def bank_or_404(bank_id: int) -> Bank:
    """The bank, if the caller manages it; 404 otherwise (as if it did not exist)."""
    bank = db.session.get(Bank, bank_id)
    if bank is None or not access.can_manage_bank(current_user, bank):
        abort(404)
    return bank


def question_or_404(bank_id: int, question_id: int) -> tuple[Bank, Question]:
    bank = bank_or_404(bank_id)
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
        access.bank_list_query(current_user, search), page_number(), current_app.config["PAGE_SIZE"]
    )
    return render_template("banks/index.html", page=page, search=search)


def _prepare_bank_form(form: BankForm, bank: Bank | None = None) -> None:
    locale = current_locale()
    courses = access.course_choices(current_user, bank.course if bank else None)
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
            bank = editing.create_bank(current_user, **_bank_fields(form))
        except BankError as exc:
            form.course_id.errors.append(exc.message)
        else:
            flash(_("The bank has been created. Now add or import its questions."), "success")
            return redirect(url_for("banks.detail", bank_id=bank.id))
    return render_form("banks/form.html", form, bank=None)


@bp.route("/<int:bank_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(bank_id: int):
    """Rename a bank or change its course or category."""
    bank = bank_or_404(bank_id)
    form = BankForm(obj=bank)
    _prepare_bank_form(form, bank)
    if request.method == "GET":
        form.course_id.data = str(bank.course_id or NONE)
        form.content_category_id.data = str(bank.content_category_id or NONE)
    if form.validate_on_submit():
        try:
            editing.update_bank(current_user, bank, **_bank_fields(form))
        except BankError as exc:
            form.course_id.errors.append(exc.message)
        else:
            flash(_("The bank has been saved."), "success")
            if not access.can_manage_bank(current_user, bank):
                return redirect(url_for("banks.index"))
            return redirect(url_for("banks.detail", bank_id=bank.id))
    return render_form("banks/form.html", form, bank=bank)


@bp.route("/<int:bank_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete(bank_id: int):
    """Ask, then delete a bank with all its questions."""
    bank = bank_or_404(bank_id)
    error = None
    if request.method == "POST" and request.form.get("confirm") == "yes":
        title = bank.title
        try:
            editing.delete_bank(bank)
        except BankError as exc:
            error = exc.message
        else:
            flash(_("The bank %(title)s has been deleted.", title=title), "success")
            return redirect(url_for("banks.index"))
    return render_template(
        "banks/delete.html",
        bank=bank,
        counts=editing.question_counts(bank),
        usage=editing.bank_usage(bank),
        error=error,
    ), (400 if error else 200)


def _filters() -> editing.QuestionFilters:
    args = request.args
    difficulty = args.get("difficulty", "")
    state = args.get("state", "active")
    return editing.QuestionFilters(
        kind=args.get("kind", "") if args.get("kind") in question_rules.KINDS else "",
        difficulty=int(difficulty) if difficulty in ("1", "2", "3") else None,
        tag=args.get("tag", "").strip()[: question_rules.MAX_TAG],
        state=state if state in ("active", "retired", "all") else "active",
        q=args.get("q", "").strip()[:100],
    )


@bp.route("/<int:bank_id>")
@role_required(*EDITORS)
def detail(bank_id: int):
    """A bank's questions, filtered by type, difficulty, tag, state and text."""
    bank = bank_or_404(bank_id)
    filters = _filters()
    questions = editing.bank_questions(bank, filters)
    return render_template(
        "banks/detail.html",
        bank=bank,
        filters=filters,
        filtered=any([filters.kind, filters.difficulty, filters.tag, filters.q])
        or filters.state != "active",
        page=Page.of(questions, page_number()),
        counts=editing.question_counts(bank),
        tags=editing.bank_tags(bank),
        kinds=question_rules.KINDS,
        pending=pending_for(bank),
    )


def pending_for(bank: Bank) -> dict | None:
    info = PENDING.current()
    return info if info and info.get("bank_id") == bank.id else None
