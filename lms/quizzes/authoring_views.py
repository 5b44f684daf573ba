"""Quiz settings pages for instructors: a quiz's settings, fixed questions and draw rules."""

from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Role
from lms.banks.access import bank_label
from lms.banks.models import Bank, Question
from lms.core.access import role_required
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.core.timeutil import local_zone, to_local
from lms.courses import access as course_services
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.access import can_use_bank, usable_banks_query
from lms.quizzes.authoring import (
    QuizSettings,
    add_draw_rule,
    add_fixed_questions,
    delete_quiz,
    question_count,
    remove_draw_rule,
    remove_fixed_question,
    save_quiz,
)
from lms.quizzes.errors import QuizError
from lms.quizzes.forms import DrawRuleForm, QuizForm
from lms.quizzes.models import Quiz
from lms.quizzes.views import bp, managed_quiz


def _to_utc(value):
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def _to_form_local(value):
    return to_local(value).replace(tzinfo=None) if value else None


def _settings(form: QuizForm) -> QuizSettings:
    return QuizSettings(
        title=form.title.data or "",
        description=form.description.data or "",
        is_published=form.is_published.data,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data,
        time_limit_minutes=form.time_limit_minutes.data,
        opens_at=_to_utc(form.opens_at.data),
        closes_at=_to_utc(form.closes_at.data),
        max_attempts=form.max_attempts.data,
        counting_rule=form.counting_rule.data,
        pass_percent=form.pass_percent.data,
        reveal=form.reveal.data,
        requires_lessons_completed=form.requires_lessons_completed.data,
        is_required_for_completion=form.is_required_for_completion.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def new():
    """Create a course test (``?course_id=``) or a standalone exam."""
    course = None
    course_id = request.args.get("course_id", type=int)
    if course_id is not None:
        course = db.session.get(Course, course_id)
        if course is None or not course_services.can_edit_course(current_user, course):
            abort(404)
    form = QuizForm()
    if request.method == "GET":
        form.shuffle_questions.data = form.shuffle_options.data = True
    error = None
    if form.validate_on_submit():
        try:
            quiz = save_quiz(None, _settings(form), course, current_user)
        except QuizError as exc:
            error = str(exc)
        else:
            flash(_("The quiz was created. Now add its questions."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id))
    return render_template("quizzes/form.html", form=form, quiz=None, course=course, error=error)


@bp.route("/<int:quiz_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def edit(quiz_id: int):
    """A quiz's settings, its fixed questions and its random draw rules."""
    quiz = managed_quiz(quiz_id)
    form = QuizForm(obj=quiz if request.method == "GET" else None)
    if request.method == "GET":
        form.opens_at.data = _to_form_local(quiz.opens_at)
        form.closes_at.data = _to_form_local(quiz.closes_at)
    error = None
    if form.validate_on_submit():
        try:
            save_quiz(quiz, _settings(form), quiz.course, current_user)
        except QuizError as exc:
            error = str(exc)
        else:
            flash(_("The quiz settings were saved."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id))
    return _render_edit(quiz, form, error=error)


def _draw_form(quiz: Quiz) -> DrawRuleForm:
    form = DrawRuleForm()
    form.bank_id.choices = [
        (bank.id, bank_label(bank, current_locale()))
        for bank in db.session.scalars(usable_banks_query(current_user, quiz))
    ]
    return form


def _render_edit(quiz, form, draw_form=None, error=None, status=200):
    banks = db.session.scalars(usable_banks_query(current_user, quiz)).all()
    return render_template(
        "quizzes/form.html",
        form=form,
        quiz=quiz,
        course=quiz.course,
        draw_form=draw_form or _draw_form(quiz),
        banks=banks,
        question_count=question_count(quiz),
        error=error,
    ), status


@bp.route("/<int:quiz_id>/questions", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def questions(quiz_id: int):
    """Pick questions of a bank for the quiz's fixed list."""
    quiz = managed_quiz(quiz_id)
    bank = db.session.get(Bank, request.values.get("bank_id", type=int) or 0)
    if not can_use_bank(current_user, quiz, bank):
        abort(404)
    if request.method == "POST":
        ids = {n for v in request.form.getlist("question_id") if (n := parse_int(v)) is not None}
        chosen = db.session.scalars(
            select(Question).where(Question.bank_id == bank.id, Question.id.in_(ids))
        ).all()
        if not chosen:
            flash(_("Choose at least one question."), "error")
            return redirect(url_for("quizzes.questions", quiz_id=quiz.id, bank_id=bank.id))
        added = add_fixed_questions(quiz, list(chosen))
        flash(_("%(count)d questions added.", count=added), "success")
        return redirect(url_for("quizzes.edit", quiz_id=quiz.id) + "#questions")
    present = {item.question_id for item in quiz.fixed_questions}
    live = [q for q in bank.questions if not q.is_retired]
    return render_template(
        "quizzes/pick.html", quiz=quiz, bank=bank, questions=live, present=present
    )


def _remove_part(quiz_id: int, remove, part_id: int, message: str):
    quiz = managed_quiz(quiz_id)
    try:
        remove(quiz, part_id)
    except QuizError:
        abort(404)
    flash(message, "success")
    return redirect(url_for("quizzes.edit", quiz_id=quiz.id) + "#questions")


@bp.route("/<int:quiz_id>/questions/<int:item_id>/remove", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def remove_question(quiz_id: int, item_id: int):
    """Take a question off the fixed list (attempts already started keep it)."""
    return _remove_part(
        quiz_id,
        remove_fixed_question,
        item_id,
        _("The question was removed from the quiz."),
    )


@bp.route("/<int:quiz_id>/draws", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def add_draw(quiz_id: int):
    """Add a random draw rule."""
    quiz = managed_quiz(quiz_id)
    draw_form = _draw_form(quiz)
    error = None
    if draw_form.validate_on_submit():
        bank = db.session.get(Bank, draw_form.bank_id.data)
        difficulty = int(draw_form.difficulty.data) if draw_form.difficulty.data else None
        try:
            add_draw_rule(quiz, bank, draw_form.count.data, draw_form.tag.data, difficulty)
        except QuizError as exc:
            error = str(exc)
        else:
            flash(_("The draw rule was added."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id) + "#questions")
    else:
        error = _("Check the draw rule.")
    form = QuizForm(obj=quiz)
    return _render_edit(quiz, form, draw_form=draw_form, error=error, status=400)


@bp.route("/<int:quiz_id>/draws/<int:rule_id>/remove", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def remove_draw(quiz_id: int, rule_id: int):
    """Remove a random draw rule."""
    return _remove_part(quiz_id, remove_draw_rule, rule_id, _("The draw rule was removed."))


@bp.route("/<int:quiz_id>/delete", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def delete(quiz_id: int):
    """Delete a quiz with its attempts and results."""
    quiz = managed_quiz(quiz_id)
    course_id = quiz.course_id
    delete_quiz(quiz)
    flash(_("The quiz was deleted."), "success")
    if course_id:
        return redirect(url_for("courses.detail", course_id=course_id))
    return redirect(url_for("quizzes.index"))
