"""Quiz pages: settings for instructors, taking an attempt, and the taker's results."""

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Role
from lms.banks.models import Bank, Question
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.database import will_write
from lms.core.exports import ExportColumn, export_response
from lms.core.inputs import parse_int
from lms.core.pagination import Page
from lms.core.timeutil import local_zone, to_local, utcnow
from lms.courses import access as course_services
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes import results as quiz_results
from lms.quizzes import services
from lms.quizzes.forms import DrawRuleForm, QuizForm
from lms.quizzes.models import AttemptStatus, Quiz, QuizAttempt, QuizResult

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")


@bp.app_template_global()
def course_quiz_rows(course) -> list[dict]:
    """For the course page: the course's quizzes the user may take, with their state."""
    quizzes = services.course_quizzes(course.id, current_user)
    results = services.best_results(current_user.id, [q.id for q in quizzes])
    rows = []
    for quiz in quizzes:
        attempts = services.attempts_of(current_user.id, quiz.id)
        rows.append(
            {
                "quiz": quiz,
                "result": results.get(quiz.id),
                "open_attempt": next((a for a in attempts if a.is_open), None),
                "can_manage": services.can_manage_quiz(current_user, quiz),
            }
        )
    return rows


@bp.app_context_processor
def _labels():
    return {
        "quiz_counting_labels": services.COUNTING_LABELS,
        "quiz_reveal_labels": services.REVEAL_LABELS,
        "question_kind_labels": services.KIND_LABELS,
    }


def close_expired_on_read(attempts, now=None) -> bool:
    """Grade the open attempts past their deadline while a GET request reads them.

    A GET reads in a deferred SQLite transaction, which must not turn into a write: start
    over in a writing one (lms.core.database.will_write) and commit. True when any closed.
    """
    now = now or utcnow()
    ids = [a.id for a in attempts if a.is_open and services.is_past_deadline(a, now)]
    if not ids:
        return False
    db.session.rollback()
    will_write()
    for attempt_id in ids:
        services.close_if_expired(db.session.get(QuizAttempt, attempt_id), now)
    db.session.commit()
    return True


# --- loading with access checks ----------------------------------------------------------


def _managed_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if not services.can_manage_quiz(current_user, quiz):
        abort(404)
    return quiz


def _takeable_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if not services.can_take_quiz(current_user, quiz):
        abort(404)
    return quiz


def _own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


# --- lists -------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """The exams assigned to the caller, their results, and the quizzes they manage."""
    assigned_ids = services.assigned_quiz_ids(current_user)
    assigned = []
    if assigned_ids:
        assigned = db.session.scalars(
            select(Quiz)
            .where(Quiz.id.in_(assigned_ids), Quiz.is_published.is_(True))
            .order_by(Quiz.closes_at, Quiz.id)
        ).all()
    results = db.session.scalars(
        select(QuizResult)
        .where(QuizResult.user_id == current_user.id)
        .order_by(QuizResult.year.desc(), QuizResult.updated_at.desc())
        .limit(50)
    ).all()
    managed = None
    if current_user.has_role(Role.ADMIN, Role.INSTRUCTOR):
        managed = db.paginate(
            services.manageable_quizzes_query(current_user),
            page=request.args.get("page", 1, type=int) or 1,
            error_out=False,
        )
    return render_template(
        "quizzes/index.html",
        assigned=assigned,
        results=results,
        managed=managed,
        exams_assigned_known=_plans_available(),
    )


def _plans_available() -> bool:
    try:
        from lms.plans.services import assigned_quiz_ids  # noqa: F401
    except ImportError:
        return False
    return True


# --- settings ----------------------------------------------------------------------------


def _to_utc(value):
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def _to_form_local(value):
    return to_local(value).replace(tzinfo=None) if value else None


def _settings(form: QuizForm) -> services.QuizSettings:
    return services.QuizSettings(
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
            quiz = services.save_quiz(None, _settings(form), course, current_user)
        except services.QuizError as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The quiz was created. Now add its questions."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id))
    return render_template("quizzes/form.html", form=form, quiz=None, course=course, error=error)


@bp.route("/<int:quiz_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def edit(quiz_id: int):
    """A quiz's settings, its fixed questions and its random draw rules."""
    quiz = _managed_quiz(quiz_id)
    form = QuizForm(obj=quiz if request.method == "GET" else None)
    if request.method == "GET":
        form.opens_at.data = _to_form_local(quiz.opens_at)
        form.closes_at.data = _to_form_local(quiz.closes_at)
    error = None
    if form.validate_on_submit():
        try:
            services.save_quiz(quiz, _settings(form), quiz.course, current_user)
        except services.QuizError as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The quiz settings were saved."), "success")
            return redirect(url_for("quizzes.edit", quiz_id=quiz.id))
    return _render_edit(quiz, form, error=error)


def _draw_form(quiz: Quiz) -> DrawRuleForm:
    form = DrawRuleForm()
    form.bank_id.choices = [
        (bank.id, bank.title)
        for bank in db.session.scalars(services.usable_banks_query(current_user, quiz))
    ]
    return form


def _render_edit(quiz, form, draw_form=None, error=None, status=200):
    banks = db.session.scalars(services.usable_banks_query(current_user, quiz)).all()
    return render_template(
        "quizzes/form.html",
        form=form,
        quiz=quiz,
        course=quiz.course,
        draw_form=draw_form or _draw_form(quiz),
        banks=banks,
        question_count=services.question_count(quiz),
        error=error,
    ), status


@bp.route("/<int:quiz_id>/questions", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def questions(quiz_id: int):
    """Pick questions of a bank for the quiz's fixed list."""
    quiz = _managed_quiz(quiz_id)
    bank = db.session.get(Bank, request.values.get("bank_id", type=int) or 0)
    if not services.can_use_bank(current_user, quiz, bank):
        abort(404)
    if request.method == "POST":
        ids = {n for v in request.form.getlist("question_id") if (n := parse_int(v)) is not None}
        chosen = db.session.scalars(
            select(Question).where(Question.bank_id == bank.id, Question.id.in_(ids))
        ).all()
        if not chosen:
            flash(_("Choose at least one question."), "error")
            return redirect(url_for("quizzes.questions", quiz_id=quiz.id, bank_id=bank.id))
        added = services.add_fixed_questions(quiz, list(chosen))
        db.session.commit()
        flash(_("%(count)d questions added.", count=added), "success")
        return redirect(url_for("quizzes.edit", quiz_id=quiz.id) + "#questions")
    present = {item.question_id for item in quiz.fixed_questions}
    live = [q for q in bank.questions if not q.is_retired]
    return render_template(
        "quizzes/pick.html", quiz=quiz, bank=bank, questions=live, present=present
    )


def _remove_part(quiz_id: int, remove, part_id: int, message: str):
    quiz = _managed_quiz(quiz_id)
    try:
        remove(quiz, part_id)
    except services.QuizError:
        abort(404)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("quizzes.edit", quiz_id=quiz.id) + "#questions")


@bp.route("/<int:quiz_id>/questions/<int:item_id>/remove", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def remove_question(quiz_id: int, item_id: int):
    """Take a question off the fixed list (attempts already started keep it)."""
    return _remove_part(
        quiz_id,
        services.remove_fixed_question,
        item_id,
        _("The question was removed from the quiz."),
    )


@bp.route("/<int:quiz_id>/draws", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def add_draw(quiz_id: int):
    """Add a random draw rule."""
    quiz = _managed_quiz(quiz_id)
    draw_form = _draw_form(quiz)
    error = None
    if draw_form.validate_on_submit():
        bank = db.session.get(Bank, draw_form.bank_id.data)
        difficulty = int(draw_form.difficulty.data) if draw_form.difficulty.data else None
        try:
            services.add_draw_rule(quiz, bank, draw_form.count.data, draw_form.tag.data, difficulty)
        except services.QuizError as exc:
            error = str(exc)
        else:
            db.session.commit()
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
    return _remove_part(
        quiz_id, services.remove_draw_rule, rule_id, _("The draw rule was removed.")
    )


@bp.route("/<int:quiz_id>/delete", methods=["POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def delete(quiz_id: int):
    """Delete a quiz with its attempts and results."""
    quiz = _managed_quiz(quiz_id)
    course_id = quiz.course_id
    services.delete_quiz(quiz)
    db.session.commit()
    flash(_("The quiz was deleted."), "success")
    if course_id:
        return redirect(url_for("courses.detail", course_id=course_id))
    return redirect(url_for("quizzes.index"))


# --- taking ------------------------------------------------------------------------------


@bp.route("/<int:quiz_id>")
@login_required
def detail(quiz_id: int):
    """A quiz's rules, the caller's attempts and result, and the start or resume button."""
    quiz = _takeable_quiz(quiz_id)
    attempts = services.attempts_of(current_user.id, quiz.id)
    now = utcnow()
    if close_expired_on_read([a for a in attempts if a.is_open], now):
        attempts = services.attempts_of(current_user.id, quiz.id)
    open_attempt = next((a for a in attempts if a.is_open), None)
    blocker = None if open_attempt else services.start_blocker(current_user, quiz, attempts, now)
    return render_template(
        "quizzes/detail.html",
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        blocker=blocker,
        result=services.best_results(current_user.id, [quiz.id]).get(quiz.id),
        question_count=services.question_count(quiz),
        can_manage=services.can_manage_quiz(current_user, quiz),
    )


@bp.route("/<int:quiz_id>/start", methods=["POST"])
@login_required
def start(quiz_id: int):
    """Start a new attempt or resume the open one."""
    quiz = _takeable_quiz(quiz_id)
    try:
        attempt, _created = services.start_or_resume(current_user, quiz)
    except services.QuizError as exc:
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for("quizzes.detail", quiz_id=quiz.id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Take an open attempt (answers save as they change), or see a graded one."""
    found = _own_attempt(attempt_id)
    if close_expired_on_read([found]):
        found = _own_attempt(attempt_id)
        flash(_("Time is up: the attempt was closed and graded with the saved answers."), "error")
    view = services.attempt_view(found)
    template = "quizzes/take.html" if found.is_open else "quizzes/result.html"
    return render_template(template, attempt=found, view=view, quiz=found.quiz)


def _form_answer(item, form):
    key = f"q{item.question_id}"
    if item.question.kind == "fill_blank":
        return {"text": form.get(key, "")}
    if item.question.kind == "multiple":
        return [n for v in form.getlist(key) if (n := parse_int(v)) is not None]
    value = parse_int(form.get(key, ""))
    return [value] if value is not None else None


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def save(attempt_id: int):
    """Without JavaScript: save every answer of the form, and submit when asked."""
    found = _own_attempt(attempt_id)
    try:
        for item in list(found.items):
            services.save_answer(found, item.question_id, _form_answer(item, request.form))
        if request.form.get("action") == "submit":
            services.submit_attempt(found)
    except services.QuizError as exc:
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    db.session.commit()
    if found.status == AttemptStatus.GRADED.value:
        flash(_("Your answers were submitted."), "success")
    else:
        flash(_("Your answers were saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=found.id))


# --- results -----------------------------------------------------------------------------


def _percent_cell(value):
    return round(value, 2) if value is not None else None


def _result_year() -> int:
    """The ``year`` argument of the results pages: a statistics year, today's by default."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return statsyear.current_year()
    year = parse_int(raw)
    if year is None or not 2000 <= year <= 2100:
        abort(404)
    return year


def _year_choices(year: int, with_results) -> list[int]:
    return sorted(set(with_results) | {statsyear.current_year(), year}, reverse=True)


@bp.route("/<int:quiz_id>/results")
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def results(quiz_id: int):
    """A quiz's results in a statistics year for its managers: figures, score distribution
    and item analysis."""
    quiz = _managed_quiz(quiz_id)
    year = _result_year()
    figures = quiz_results.quiz_figures(quiz, year)
    return render_template(
        "quizzes/results.html",
        quiz=quiz,
        year=year,
        years=_year_choices(year, quiz_results.quiz_result_years(quiz)),
        window=quiz_results.year_window(year),
        figures=figures,
        bands=list(zip(quiz_results.band_labels(), figures.distribution, strict=True)),
        chart=_distribution_chart(figures) if figures.takers else None,
        takers=Page.of(figures.takers, request.args.get("page", 1, type=int)),
    )


def _distribution_chart(figures: quiz_results.QuizFigures) -> dict:
    """A Chart.js bar chart of counted scores in ten bands (for static/js/charts.js)."""
    return {
        "type": "bar",
        "data": {
            "labels": quiz_results.band_labels(),
            "datasets": [{"label": _("Takers"), "data": figures.distribution}],
        },
        "options": {
            "scales": {
                "x": {"title": {"display": True, "text": _("Score (%)")}},
                "y": {
                    "beginAtZero": True,
                    "ticks": {"precision": 0},
                    "title": {"display": True, "text": _("Takers")},
                },
            },
            "plugins": {"legend": {"display": False}},
        },
    }


def _people_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("Name"), width=18),
        ExportColumn(_("Personnel number"), width=16),
        ExportColumn(_("Unit"), width=36),
        ExportColumn(_("Attempts"), "int"),
        ExportColumn(_("Counted score (%)"), "decimal"),
        ExportColumn(_("Passed"), width=10),
        ExportColumn(pgettext("date", "Last attempt"), "datetime", width=18),
    ]


def _people_rows(people):
    for person in people:
        if person.is_passed is None:
            passed = _("Not taken")
        else:
            passed = _("Yes") if person.is_passed else _("No")
        last = (
            to_local(person.last_attempt_at).replace(tzinfo=None)
            if person.last_attempt_at
            else None
        )
        yield (
            person.name,
            person.personnel_number,
            person.unit_path,
            person.attempts,
            _percent_cell(person.percent),
            passed,
            last,
        )


@bp.route("/<int:quiz_id>/results.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def results_export(quiz_id: int, fmt: str):
    """Every taker's counted result in a statistics year, one row per cadre, as CSV or XLSX."""
    quiz = _managed_quiz(quiz_id)
    year = _result_year()
    figures = quiz_results.quiz_figures(quiz, year)
    return export_response(
        _people_columns(), _people_rows(figures.takers), fmt, f"quiz-{quiz.id}-results-{year}"
    )


@bp.route("/<int:quiz_id>/items.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def items_export(quiz_id: int, fmt: str):
    """The item analysis table of a statistics year (one row per question) as CSV or XLSX."""
    quiz = _managed_quiz(quiz_id)
    year = _result_year()
    figures = quiz_results.quiz_figures(quiz, year)
    columns = [
        ExportColumn(_("Question"), width=50),
        ExportColumn(_("Type"), width=14),
        ExportColumn(_("Takers"), "int"),
        ExportColumn(_("Share correct"), "percent"),
        ExportColumn(_("Discrimination"), "decimal"),
        ExportColumn(_("Point-biserial"), "decimal"),
        ExportColumn(_("Flag"), width=50),
    ]
    rows = (
        (
            row.text,
            str(services.KIND_LABELS.get(row.kind, row.kind)),
            row.stats.takers,
            row.stats.difficulty,
            row.stats.discrimination,
            row.stats.point_biserial,
            " ".join(row.reasons),
        )
        for row in figures.questions
    )
    return export_response(columns, rows, fmt, f"quiz-{quiz.id}-items-{year}")


# --- results of a supervisor's cadres ----------------------------------------------------


@bp.route("/my-cadres")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def cadre_overview():
    """For supervisors: the quizzes and exams their cadres took or were assigned in a year."""
    year = _result_year()
    return render_template(
        "quizzes/cadre_overview.html",
        year=year,
        years=_year_choices(year, quiz_results.result_years(current_user)),
        window=quiz_results.year_window(year),
        rows=quiz_results.scope_overview(current_user, year),
    )


def _scoped_quiz(quiz_id: int, year: int) -> Quiz:
    """A quiz some cadre of the caller's subtree has a result of, or is assigned in ``year``.

    Any other quiz is 404 for a supervisor: there is nothing of theirs to show, and its
    name is not theirs. Admins see every quiz (with an empty list when nobody took it).
    """
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is not None and services.is_admin(current_user):
        return quiz
    if quiz is None or not (
        quiz_results.has_results_in_scope(current_user, quiz.id)
        or quiz_results.is_assigned_in_scope(current_user, quiz.id, year)
    ):
        abort(404)
    return quiz


@bp.route("/<int:quiz_id>/my-cadres")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def cadre_results(quiz_id: int):
    """For supervisors: their cadres' counted results of one quiz in a year, and who has
    not taken an exam assigned to them."""
    year = _result_year()
    quiz = _scoped_quiz(quiz_id, year)
    people = quiz_results.scope_people(current_user, quiz, year)
    taken = [p for p in people if p.is_passed is not None]
    return render_template(
        "quizzes/cadre_results.html",
        quiz=quiz,
        year=year,
        years=_year_choices(year, quiz_results.result_years(current_user)),
        window=quiz_results.year_window(year),
        people=Page.of(people, request.args.get("page", 1, type=int)),
        total=len(people),
        taken=len(taken),
        passed=sum(1 for p in taken if p.is_passed),
    )


@bp.route("/<int:quiz_id>/my-cadres.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def cadre_results_export(quiz_id: int, fmt: str):
    """The caller's cadres' results of one quiz in a year as CSV or XLSX."""
    year = _result_year()
    quiz = _scoped_quiz(quiz_id, year)
    people = quiz_results.scope_people(current_user, quiz, year)
    return export_response(
        _people_columns(), _people_rows(people), fmt, f"quiz-{quiz.id}-cadres-{year}"
    )
