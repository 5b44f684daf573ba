"""Evaluation pages: a cadre's evaluation of a course, its results and health for its
instructors, supervisors and administrators, and the questionnaire for administrators."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.exports import ExportColumn, export_response
from lms.courses.access import can_see_course, visible_course_clause
from lms.courses.models import Course
from lms.evaluation import answering, labels
from lms.evaluation.access import can_see_results
from lms.evaluation.errors import EvaluationError
from lms.evaluation.health_signals import health_of
from lms.evaluation.models import Aspect, QuestionKind
from lms.evaluation.questionnaires import (
    MAX_QUESTIONS,
    QuestionDraft,
    current_questionnaire,
    drafts_of,
    save_questionnaire,
    versions,
)
from lms.evaluation.results import course_results, response_rate
from lms.extensions import db

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

READERS = (Role.ADMIN, Role.SUPERVISOR, Role.INSTRUCTOR)
BLANK_ROWS = 2


@bp.app_context_processor
def _inject_helpers():
    return {
        "evaluation_offer": _offer,
        "may_see_evaluation": lambda course: (
            current_user.is_authenticated and can_see_results(current_user, course)
        ),
        "aspect_label": lambda value: labels.ASPECT_LABELS.get(value, value),
    }


def _offer(course) -> str:
    """For the course page (a floor below): where the caller stands with its evaluation."""
    return answering.offer_for(current_user, course).value


def _course(course_id: int, allowed) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not allowed(current_user, course):
        abort(404)
    return course


# --- a cadre's evaluation ----------------------------------------------------------------


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@role_required(Role.CADRE)
def evaluate(course_id: int):
    """The course's questionnaire, for a cadre who completed the course and has not answered."""
    course = _course(course_id, can_see_course)
    offer = answering.offer_for(current_user, course)
    if offer is answering.Offer.DONE:
        flash(_("You have already evaluated this course. Thank you."), "info")
        return redirect(url_for("courses.detail", course_id=course.id))
    if offer is not answering.Offer.OPEN:
        return render_template("evaluation/not_yet.html", course=course), 409
    questionnaire = current_questionnaire()
    values, errors, message = {}, {}, None
    if request.method == "POST":
        raw = {key[2:]: request.form.get(key, "") for key in request.form if key.startswith("q-")}
        values = raw
        try:
            if request.form.get("version") != str(questionnaire.version):
                raise EvaluationError(
                    _("The questionnaire has changed since you opened it. Please answer it again."),
                    status=409,
                )
            answers, errors = answering.read_answers(
                questionnaire, {k: v for k, v in raw.items() if v != ""}
            )
            if not errors:
                answering.submit_evaluation(current_user, course, questionnaire, answers)
                flash(_("Thank you. Your evaluation is kept without your name."), "success")
                return redirect(url_for("courses.detail", course_id=course.id))
        except EvaluationError as exc:
            message = exc.message
    status = 400 if (errors or message) else 200
    return render_template(
        "evaluation/evaluate.html",
        course=course,
        questionnaire=questionnaire,
        values=values,
        errors=errors,
        message=message,
    ), status


# --- results and health ------------------------------------------------------------------


@bp.route("/courses")
@role_required(*READERS)
def courses():
    """Published courses with their health score; instructors see the courses they teach."""
    query = select(Course).where(visible_course_clause(current_user))
    if not (current_user.is_admin or current_user.has_role(Role.SUPERVISOR)):
        query = query.where(Course.instructors.any(id=current_user.id))
    query = query.order_by(Course.title, Course.id)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    rows = []
    for course in page.items:
        found = health_of(course)
        first = labels.reason_text(found.reasons[0]) if found.reasons else ""
        rows.append((course, found, first))
    return render_template("evaluation/courses.html", page=page, rows=rows)


@bp.route("/courses/<int:course_id>/results")
@role_required(*READERS)
def results(course_id: int):
    """A course's evaluation results (from the threshold on) and its response rate."""
    course = _course(course_id, can_see_results)
    return render_template(
        "evaluation/results.html",
        course=course,
        results=course_results(course),
        rate=response_rate(course, current_user),
        is_scoped=not current_user.is_admin and current_user.has_role(Role.SUPERVISOR),
    )


@bp.route("/courses/<int:course_id>/results.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def results_export(course_id: int, fmt: str):
    """The shown results as CSV or XLSX: a row per rated question, a row per text answer."""
    course = _course(course_id, can_see_results)
    found = course_results(course)
    columns = [
        ExportColumn(_("Questionnaire version"), "int"),
        ExportColumn(_("Question"), width=40),
        ExportColumn(_("Respondents"), "int"),
        ExportColumn(_("Average (1–5)"), "decimal"),
        *[ExportColumn(str(n), "int", width=6) for n in range(1, 6)],
        ExportColumn(_("Answer"), width=60, wrap=True),
    ]

    def rows():
        for version in found.versions:
            if not version.is_shown:  # below the threshold: not one figure leaves
                continue
            for item in version.questions:
                text = item.question.text(_locale())
                if item.question.is_rating:
                    yield (
                        version.questionnaire.version,
                        text,
                        item.answered,
                        round(item.average, 2) if item.average is not None else None,
                        *item.distribution,
                        None,
                    )
                    continue
                for answer in item.texts:
                    yield (version.questionnaire.version, text, None, None, *[None] * 5, answer)

    return export_response(columns, rows(), fmt, f"evaluation-{course.id}")


def _locale() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


@bp.route("/courses/<int:course_id>/health")
@role_required(*READERS)
def health(course_id: int):
    """A course's health score with its parts and its reasons in words."""
    course = _course(course_id, can_see_results)
    found = health_of(course)
    return render_template(
        "evaluation/health.html",
        course=course,
        health=found,
        parts=[(labels.PART_LABELS[name], value) for name, value in found.parts.items()],
        reasons=[labels.reason_text(reason) for reason in found.reasons],
    )


# --- the questionnaire -------------------------------------------------------------------


@bp.route("/questionnaire", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def questionnaire():
    """The current questionnaire, its earlier versions, and editing it (a new version)."""
    current = current_questionnaire()
    drafts, errors = drafts_of(current), None
    if request.method == "POST":
        drafts = _posted_drafts()
        try:
            saved = save_questionnaire(current_user, drafts)
        except EvaluationError as exc:
            errors = exc.message
        else:
            if saved is None:
                flash(
                    _(
                        "Nothing changed; the questionnaire stays at version %(version)d.",
                        version=current.version,
                    ),
                    "info",
                )
            else:
                flash(
                    _(
                        "Version %(version)d of the questionnaire is in use from now on.",
                        version=saved.version,
                    ),
                    "success",
                )
            return redirect(url_for("evaluation.questionnaire"))
    blanks = 0 if len(drafts) >= MAX_QUESTIONS else BLANK_ROWS
    rows = list(drafts) + [QuestionDraft("rating", "other", "", "")] * blanks
    return render_template(
        "evaluation/questionnaire.html",
        current=current,
        versions=versions(),
        rows=rows,
        kinds=list(QuestionKind),
        aspects=list(Aspect),
        kind_labels=labels.KIND_LABELS,
        error=errors,
    ), 400 if errors else 200


def _posted_drafts() -> list[QuestionDraft]:
    """The rows of the form, in order; a row with neither text is left out (removed)."""
    drafts = []
    indexes = sorted(
        int(key.partition("-")[2])
        for key in request.form
        if key.startswith("text_zh-") and key.partition("-")[2].isdigit()
    )
    for index in indexes[: MAX_QUESTIONS * 2]:
        text_zh = request.form.get(f"text_zh-{index}", "").strip()
        text_en = request.form.get(f"text_en-{index}", "").strip()
        if not (text_zh or text_en):
            continue
        drafts.append(
            QuestionDraft(
                kind=request.form.get(f"kind-{index}", ""),
                aspect=request.form.get(f"aspect-{index}", ""),
                text_zh=text_zh,
                text_en=text_en,
            )
        )
    return drafts
