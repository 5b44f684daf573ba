"""Quiz results pages: a quiz's figures for its managers, and a supervisor's cadres' results."""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user

from lms.accounts.models import Role
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.exports import ExportColumn, export_response
from lms.core.inputs import requested_year
from lms.core.pagination import Page
from lms.core.timeutil import to_local
from lms.extensions import db
from lms.quizzes.cadre_results import (
    has_results_in_scope,
    is_assigned_in_scope,
    quiz_result_years,
    result_years,
    scope_overview,
    scope_people,
)
from lms.quizzes.figures import QuizFigures, band_labels, quiz_figures
from lms.quizzes.labels import KIND_LABELS
from lms.quizzes.models import Quiz
from lms.quizzes.views import bp, managed_quiz

# --- results -----------------------------------------------------------------------------


def _percent_cell(value):
    return round(value, 2) if value is not None else None


def _result_year() -> int:
    """The ``year`` argument of the results pages: a statistics year, today's by default."""
    return requested_year(statsyear.current_year)


def _year_choices(year: int, with_results) -> list[int]:
    return sorted(set(with_results) | {statsyear.current_year(), year}, reverse=True)


@bp.route("/<int:quiz_id>/results")
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def results(quiz_id: int):
    """A quiz's results in a statistics year for its managers: figures, score distribution
    and item analysis."""
    quiz = managed_quiz(quiz_id)
    year = _result_year()
    figures = quiz_figures(quiz, year)
    return render_template(
        "quizzes/results.html",
        quiz=quiz,
        year=year,
        years=_year_choices(year, quiz_result_years(quiz)),
        window=statsyear.window(year),
        figures=figures,
        bands=list(zip(band_labels(), figures.distribution, strict=True)),
        chart=_distribution_chart(figures) if figures.takers else None,
        takers=Page.of(figures.takers, request.args.get("page", 1, type=int)),
    )


def _distribution_chart(figures: QuizFigures) -> dict:
    """A Chart.js bar chart of counted scores in ten bands (for static/js/charts.js)."""
    return {
        "type": "bar",
        "data": {
            "labels": band_labels(),
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
    quiz = managed_quiz(quiz_id)
    year = _result_year()
    figures = quiz_figures(quiz, year)
    return export_response(
        _people_columns(), _people_rows(figures.takers), fmt, f"quiz-{quiz.id}-results-{year}"
    )


@bp.route("/<int:quiz_id>/items.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def items_export(quiz_id: int, fmt: str):
    """The item analysis table of a statistics year (one row per question) as CSV or XLSX."""
    quiz = managed_quiz(quiz_id)
    year = _result_year()
    figures = quiz_figures(quiz, year)
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
            str(KIND_LABELS.get(row.kind, row.kind)),
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
        years=_year_choices(year, result_years(current_user)),
        window=statsyear.window(year),
        rows=scope_overview(current_user, year),
    )


def _scoped_quiz(quiz_id: int, year: int) -> Quiz:
    """A quiz some cadre of the caller's subtree has a result of, or is assigned in ``year``.

    Any other quiz is 404 for a supervisor: there is nothing of theirs to show, and its
    name is not theirs. Admins see every quiz (with an empty list when nobody took it).
    """
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is not None and current_user.is_admin:
        return quiz
    if quiz is None or not (
        has_results_in_scope(current_user, quiz.id)
        or is_assigned_in_scope(current_user, quiz.id, year)
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
    people = scope_people(current_user, quiz, year)
    taken = [p for p in people if p.is_passed is not None]
    return render_template(
        "quizzes/cadre_results.html",
        quiz=quiz,
        year=year,
        years=_year_choices(year, result_years(current_user)),
        window=statsyear.window(year),
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
    people = scope_people(current_user, quiz, year)
    return export_response(
        _people_columns(), _people_rows(people), fmt, f"quiz-{quiz.id}-cadres-{year}"
    )
