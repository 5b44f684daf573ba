"""Results are filed under the statistics year of the attempt (the plan's cut-off), like hours."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lms.assessment.services import quiz_scores_by_user
from lms.core import statsyear
from lms.extensions import db
from lms.plans.models import TrainingYear
from lms.quizzes.attempts import save_answer, start_or_resume
from lms.quizzes.attempts import submit_attempt as submit
from lms.quizzes.filing import refile_results, result_year, stats_year_bounds
from lms.quizzes.models import QuizAttempt, QuizResult
from lms.reports.course_figures import quiz_pass_rates
from lms.reports.figures import Scope, make_context
from tests.quizzes.conftest import correct_ids, questions_by_kind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*when) -> datetime:
    """A local time in Asia/Shanghai as the naive UTC the database stores."""
    return datetime(*when, tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def take_at(user, quiz, bank, right: set[str], when: datetime) -> QuizAttempt:
    """A graded attempt submitted at ``when``, answering ``right`` correctly."""
    attempt, _created = start_or_resume(user, quiz, now=when - timedelta(minutes=20))
    questions = questions_by_kind(bank)
    for kind in right:
        question = questions[kind]
        answer = {"text": "人民"} if kind == "fill_blank" else correct_ids(question)
        save_answer(attempt, question.id, answer, now=when - timedelta(minutes=5))
    submit(attempt, now=when)
    db.session.commit()
    return attempt


def results_of(user_id: int, quiz_id: int) -> dict[int, tuple[float, bool, int]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(QuizResult).where(QuizResult.user_id == user_id, QuizResult.quiz_id == quiz_id)
    )
    return {r.year: (r.percent, r.is_passed, r.attempt_count) for r in rows}


# 71.43%: single (2) and multiple (3) of 7 points; 100%: everything; 28.57%: single only.
PART = {"single", "multiple"}
ALL = {"single", "multiple", "true_false", "fill_blank"}
LITTLE = {"single"}


@pytest.fixture
def split(app, make_quiz, bank, make_user, units):
    """A cadre's attempts on 30 November and 3 December 2026 (local), highest counts."""
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    quiz = make_quiz(pass_percent=60.0, counting_rule="highest")
    cadre = make_user("late", unit=units["a"], display_name="Cadre late")
    take_at(cadre, quiz, bank, PART, local(2026, 11, 30, 23, 30))
    take_at(cadre, quiz, bank, ALL, local(2026, 12, 3, 10, 0))
    return quiz, cadre


@pytest.mark.parametrize(
    ("when", "year"),
    [
        (local(2026, 11, 30, 23, 59), 2026),  # the cut-off day itself still counts
        (local(2026, 12, 1, 0, 30), 2027),  # 30 November in UTC, but 1 December locally
        (local(2026, 12, 3, 10, 0), 2027),
        (local(2027, 1, 5, 9, 0), 2027),
        (local(2025, 12, 3, 10, 0), 2026),
        (local(2026, 6, 1, 9, 0), 2026),
    ],
)
def test_the_default_cutoff_files_an_attempt_by_its_local_date(app, when, year):
    assert app.config["STATS_CUTOFF"] == "11-30"
    assert result_year(when) == year


def test_3_december_counts_toward_next_year_and_30_november_toward_this(split):
    quiz, cadre = split
    assert results_of(cadre.id, quiz.id) == {2026: (71.43, True, 1), 2027: (100.0, True, 1)}


def test_a_plans_cutoff_moves_the_boundary(app, make_quiz, bank, make_user, units):
    db.session.add(TrainingYear(year=2026, cutoff_month=12, cutoff_day=15))
    db.session.commit()
    quiz = make_quiz(counting_rule="average")
    cadre = make_user("cadre_b", unit=units["a"])
    take_at(cadre, quiz, bank, PART, local(2026, 11, 30, 12, 0))
    take_at(cadre, quiz, bank, ALL, local(2026, 12, 3, 10, 0))  # before 15 December: 2026
    take_at(cadre, quiz, bank, LITTLE, local(2026, 12, 16, 10, 0))  # after it: 2027
    assert results_of(cadre.id, quiz.id) == {
        2026: (85.72, True, 2),  # the average of 71.43 and 100
        2027: (28.57, False, 1),
    }
    # A year without a plan falls back to the setting.
    app.config["STATS_CUTOFF"] = "12-20"
    assert result_year(local(2028, 12, 19, 10, 0)) == 2028
    assert result_year(local(2028, 12, 21, 10, 0)) == 2029


def test_stats_year_bounds_hold_exactly_the_times_filed_under_the_year(app):
    # Plans with different cut-offs next to each other, and a year on the setting's.
    db.session.add_all(
        [
            TrainingYear(year=2026, cutoff_month=12, cutoff_day=15),
            TrainingYear(year=2027, cutoff_month=10, cutoff_day=31),
        ]
    )
    db.session.commit()
    bounds = {}
    day = datetime(2025, 11, 1)
    while day < datetime(2029, 1, 31):
        ymd = (day.year, day.month, day.day)
        for moment in (local(*ymd, 0, 0, 30), local(*ymd, 23, 59, 30)):
            year = result_year(moment)
            if year not in bounds:
                bounds[year] = stats_year_bounds(year)
            start, end = bounds[year]
            assert start <= moment < end, (moment, year)
        day += timedelta(days=1)
    # Consecutive years meet: no gap and no overlap.
    for year in range(2026, 2029):
        assert bounds[year][1] == bounds[year + 1][0]


def test_the_annual_readers_see_it_in_the_statistics_year(split):
    quiz, cadre = split
    assert quiz_scores_by_user(2026, [cadre.id]) == {cadre.id: [71.43]}
    assert quiz_scores_by_user(2027, [cadre.id]) == {cadre.id: [100.0]}
    lines = {}
    for year in (2026, 2027):
        rates = quiz_pass_rates(Scope.of(None), make_context(year))
        lines[year] = [
            (q.results, q.passed, q.average_percent) for q in rates if q.quiz_id == quiz.id
        ]
    assert lines == {2026: [(1, 1, 71.43)], 2027: [(1, 1, 100.0)]}


def test_the_instructor_page_has_a_statistics_year_filter(client, login, split, teacher, bank):
    quiz, _cadre = split
    login(teacher)
    page = client.get(f"/quizzes/{quiz.id}/results?year=2027").get_data(as_text=True)
    assert 'name="year"' in page
    assert '<option value="2027" selected>' in page and '<option value="2026">' in page
    assert "attempts submitted from 2026-12-01 to 2027-11-30" in page
    assert "Cadre late" in page and "<strong>100%</strong>" in page
    assert "/results.csv?year=2027" in page and "/items.csv?year=2027" in page
    page = client.get(f"/quizzes/{quiz.id}/results?year=2026").get_data(as_text=True)
    assert "Cadre late" in page and "<strong>71.4%</strong>" in page
    page = client.get(f"/quizzes/{quiz.id}/results?year=2025").get_data(as_text=True)
    assert "Nobody has completed this quiz in 2025" in page
    assert '<option value="2025" selected>' in page
    # By default: the year today's attempts count toward.
    page = client.get(f"/quizzes/{quiz.id}/results").get_data(as_text=True)
    assert f'<option value="{statsyear.current_year()}" selected>' in page
    assert client.get(f"/quizzes/{quiz.id}/results?year=x").status_code == 404
    text = client.get(f"/quizzes/{quiz.id}/results.csv?year=2027").data.decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[3:6] for row in rows[1:]] == [["1", "100.0", "Yes"]]


def test_the_supervisor_pages_use_the_statistics_year(client, login, split, make_user, units):
    quiz, _cadre = split
    login(make_user("boss", roles=["supervisor"], unit=units["a"]))
    page = client.get(f"/quizzes/{quiz.id}/my-cadres?year=2027").get_data(as_text=True)
    assert "Cadre late" in page and "100%" in page and "71.43%" not in page
    assert "attempts submitted from 2026-12-01 to 2027-11-30" in page

    def rows(year):
        url = f"/quizzes/{quiz.id}/my-cadres.csv?year={year}"
        text = client.get(url).data.decode().lstrip("\ufeff")
        return [row[3:] for row in list(csv.reader(io.StringIO(text)))[1:]]

    # Attempts, counted score, passed, and the last attempt of the year (local time).
    assert rows(2027) == [["1", "100.0", "Yes", "2026-12-03 10:00"]]
    assert rows(2026) == [["1", "71.43", "Yes", "2026-11-30 23:30"]]


def test_saving_a_plans_cutoff_refiles_the_results(client, login, post, split, make_user):
    quiz, cadre = split
    attempts_before = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.percent, QuizAttempt.submitted_at).order_by(
            QuizAttempt.id
        )
    ).all()
    login(make_user("root", roles=["admin"]))
    form = {
        "cutoff": "12-15",
        "hours_per_training_day": "8",
        "young_age_limit": "40",
        "newly_promoted_months": "24",
    }
    assert post("/plan/2026/settings", form).status_code == 302
    assert results_of(cadre.id, quiz.id) == {2026: (100.0, True, 2)}
    assert post("/plan/2026/settings", form | {"cutoff": "11-30"}).status_code == 302
    assert results_of(cadre.id, quiz.id) == {2026: (71.43, True, 1), 2027: (100.0, True, 1)}
    # Copying a plan brings its cut-off along: 2025's 12-15 into a new 2026 plan.
    db.session.delete(db.session.scalar(select(TrainingYear).where(TrainingYear.year == 2026)))
    db.session.add(TrainingYear(year=2025, cutoff_month=12, cutoff_day=15))
    db.session.commit()
    assert post("/plan/2026/copy").status_code == 302
    assert results_of(cadre.id, quiz.id) == {2026: (100.0, True, 2)}
    # The attempts themselves are never touched.
    assert (
        db.session.execute(
            select(QuizAttempt.id, QuizAttempt.percent, QuizAttempt.submitted_at).order_by(
                QuizAttempt.id
            )
        ).all()
        == attempts_before
    )


def test_refiling_twice_changes_nothing(split):
    quiz, cadre = split
    before = results_of(cadre.id, quiz.id)
    assert refile_results() == 0
    assert results_of(cadre.id, quiz.id) == before


def test_quiz_refile_follows_a_changed_cutoff_setting(app, split):
    quiz, cadre = split
    app.config["STATS_CUTOFF"] = "12-15"  # no plan for 2026: the setting decides
    result = app.test_cli_runner().invoke(args=["quiz-refile"])
    assert result.exit_code == 0, result.output
    assert "Quiz results re-filed: 2 added, changed or removed." in result.output
    # Both attempts now fall before 15 December: 2026 counts the higher, 2027 has none.
    assert results_of(cadre.id, quiz.id) == {2026: (100.0, True, 2)}
    again = app.test_cli_runner().invoke(args=["quiz-refile"])
    assert "Quiz results re-filed: 0 added, changed or removed." in again.output
