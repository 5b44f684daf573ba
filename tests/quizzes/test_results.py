"""Quiz results: the managers' figures and item analysis, exports, and supervisors' scope."""

import csv
import io
from contextlib import contextmanager
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from lms.core import statsyear
from lms.extensions import db
from lms.plans.models import Assignment, TrainingYear
from lms.quizzes.figures import quiz_figures
from lms.quizzes.models import Quiz, QuizQuestion
from tests.quizzes.conftest import questions_by_kind, take


def test_figures_of_a_known_quiz(graded, bank):
    quiz, _cadres = graded
    figures = quiz_figures(quiz, statsyear.current_year())
    assert figures.taker_count == 5 and figures.attempt_count == 6
    # Counted by the highest attempt: c5 has 100.
    assert sorted(p.percent for p in figures.takers) == [28.57, 42.86, 71.43, 85.71, 100.0]
    assert figures.pass_rate == pytest.approx(0.6)
    assert figures.average == 65.7 and figures.median == 71.4
    assert figures.distribution == [0, 0, 1, 0, 1, 0, 0, 1, 1, 1]
    # The item analysis uses each cadre's first attempt.
    by_kind = {row.kind: row for row in figures.questions}
    assert {k: row.stats.difficulty for k, row in by_kind.items()} == {
        "single": 0.6,
        "multiple": 0.4,
        "true_false": 0.6,
        "fill_blank": 0.4,
    }
    assert by_kind["single"].stats.discrimination == 1.0
    blank = by_kind["fill_blank"]
    assert blank.stats.discrimination == -1.0 and blank.stats.point_biserial < 0
    assert blank.stats.is_flagged and "Weak takers do better" in blank.reasons[0]
    assert not by_kind["single"].stats.is_flagged and by_kind["single"].reasons == []
    assert figures.flagged_count == 1


def test_results_page_shows_figures_flags_and_links(client, login, graded, teacher, bank):
    quiz, _cadres = graded
    login(teacher)
    detail = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert f"/quizzes/{quiz.id}/results" in detail
    page = client.get(f"/quizzes/{quiz.id}/results").get_data(as_text=True)
    for figure in ("<strong>5</strong>", "<strong>6</strong>", "<strong>60%</strong>"):
        assert figure in page
    assert "<strong>65.7%</strong>" in page and "<strong>71.4%</strong>" in page
    assert 'class="flagged"' in page and page.count('class="flagged"') == 1
    assert "Weak takers do better than strong ones: check the key or the wording." in page
    blank = questions_by_kind(bank)["fill_blank"]
    assert f"/banks/{bank.id}/questions/{blank.id}" in page
    assert "Cadre c1" in page and "Teacher" not in page.split('id="takers-heading"')[1]
    assert "data-chart" in page and "chart.umd.min.js" in page
    # The distribution table alternative: ten bands, 100 in the last.
    assert "90–100" in page and "0–9" in page


def test_empty_results_page(client, login, make_quiz, teacher):
    quiz = make_quiz()
    login(teacher)
    page = client.get(f"/quizzes/{quiz.id}/results").get_data(as_text=True)
    assert f"Nobody has completed this quiz in {statsyear.current_year()}" in page
    assert "data-chart" not in page


def test_exports_carry_the_same_numbers(client, login, graded, teacher):
    quiz, _cadres = graded
    login(teacher)
    response = client.get(f"/quizzes/{quiz.id}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Name", "Personnel number")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {f"Cadre c{i}" for i in range(1, 6)}
    assert by_name["Cadre c5"][3:6] == (2, 100.0, "Yes")
    assert by_name["Cadre c3"][2] == "District/Bureau A"
    assert by_name["Cadre c3"][3:6] == (1, 42.86, "No")
    assert by_name["Cadre c1"][6] is not None  # last attempt time

    items = load_workbook(io.BytesIO(client.get(f"/quizzes/{quiz.id}/items.xlsx").data)).active
    table = list(items.iter_rows(values_only=True))
    assert len(table) == 5
    blank = next(row for row in table if row[1] == "Fill in the blank")
    assert blank[2:5] == (5, 0.4, -1.0) and "Weak takers" in blank[6]

    text = client.get(f"/quizzes/{quiz.id}/results.csv").data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(lines) == 6
    c5 = next(line for line in lines if line[0] == "Cadre c5")
    assert c5[3:6] == ["2", "100.0", "Yes"]


def test_who_may_see_a_quizs_results(client, login, post, graded, make_user, units):
    quiz, cadres = graded
    urls = [f"/quizzes/{quiz.id}/results", f"/quizzes/{quiz.id}/results.csv"]
    login(make_user("other_teacher", roles=["instructor"]))
    assert [client.get(u).status_code for u in urls] == [404, 404]
    post("/logout")
    login(cadres["c1"])
    assert [client.get(u).status_code for u in urls] == [403, 403]
    post("/logout")
    login(make_user("boss", roles=["supervisor"], unit=units["a"]))
    assert [client.get(u).status_code for u in urls] == [403, 403]
    post("/logout")
    login(make_user("root", roles=["admin"]))
    assert [client.get(u).status_code for u in urls] == [200, 200]


def test_supervisor_sees_only_their_subtree(
    client, login, post, graded, make_user, make_unit, units
):
    quiz, _cadres = graded
    year = statsyear.current_year()
    login(make_user("boss_a", roles=["supervisor"], unit=units["a"]))
    overview = client.get("/quizzes/my-cadres").get_data(as_text=True)
    assert quiz.title in overview and f"/quizzes/{quiz.id}/my-cadres" in overview
    page = client.get(f"/quizzes/{quiz.id}/my-cadres?year={year}").get_data(as_text=True)
    assert "Cadre c1" in page and "Cadre c3" in page
    assert "Cadre c4" not in page and "Cadre c5" not in page
    sheet = load_workbook(
        io.BytesIO(client.get(f"/quizzes/{quiz.id}/my-cadres.xlsx?year={year}").data)
    ).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Cadre c1", "Cadre c2", "Cadre c3"]
    assert client.get(f"/quizzes/{quiz.id}/my-cadres?year=abc").status_code == 404
    post("/logout")
    # The district's supervisor sees the whole district.
    login(make_user("boss_district", roles=["supervisor"], unit=units["a"].parent))
    page = client.get(f"/quizzes/{quiz.id}/my-cadres").get_data(as_text=True)
    assert "Cadre c1" in page and "Cadre c5" in page
    post("/logout")
    # A supervisor of a bureau where nobody took it has nothing of this quiz: 404.
    login(make_user("boss_c", roles=["supervisor"], unit=make_unit("District/Bureau C")))
    assert client.get(f"/quizzes/{quiz.id}/my-cadres").status_code == 404
    assert client.get(f"/quizzes/{quiz.id}/my-cadres.csv").status_code == 404
    assert quiz.title not in client.get("/quizzes/my-cadres").get_data(as_text=True)
    post("/logout")
    # Admins see every cadre, and any quiz (an empty list when nobody took it).
    login(make_user("root", roles=["admin"]))
    page = client.get(f"/quizzes/{quiz.id}/my-cadres").get_data(as_text=True)
    assert all(f"Cadre c{i}" in page for i in range(1, 6))
    assert client.get(f"/quizzes/{quiz.id}/my-cadres?year=2001").status_code == 200


def test_an_assigned_exam_lists_who_has_not_taken_it(client, login, post, bank, make_user, units):
    year = statsyear.current_year()
    exam = Quiz(title="Annual theory exam", is_exam=True, is_published=True)
    exam.fixed_questions = [QuizQuestion(question_id=bank.questions[0].id)]
    plan = TrainingYear(year=year)
    db.session.add_all([exam, plan])
    db.session.flush()
    db.session.add(
        Assignment(
            training_year_id=plan.id,
            quiz_id=exam.id,
            unit_id=units["a"].id,
            due_on=date(year, 12, 31),
        )
    )
    db.session.commit()
    taker = make_user("taker", unit=units["a"], display_name="Cadre taker")
    make_user("idle", unit=units["a"], display_name="Cadre idle")
    make_user("far", unit=units["b"], display_name="Cadre far")
    take(taker, exam, bank, {"single"})
    login(make_user("boss_a", roles=["supervisor"], unit=units["a"]))
    overview = client.get("/quizzes/my-cadres").get_data(as_text=True)
    assert "Annual theory exam" in overview and date(year, 12, 31).isoformat() in overview
    page = client.get(f"/quizzes/{exam.id}/my-cadres").get_data(as_text=True)
    assert "Cadre taker" in page and "Cadre idle" in page and "Not taken" in page
    assert "Cadre far" not in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/quizzes/{exam.id}/my-cadres.csv").data.decode().lstrip("\ufeff")
            )
        )
    )
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Cadre taker", "Cadre idle"}
    assert by_name["Cadre idle"][5] == "Not taken" and by_name["Cadre taker"][5] == "Yes"
    post("/logout")
    # Bureau B's supervisor: the exam reaches nobody of theirs and nobody took it: 404.
    login(make_user("boss_b", roles=["supervisor"], unit=units["b"]))
    assert client.get(f"/quizzes/{exam.id}/my-cadres").status_code == 404


@contextmanager
def counting_queries():
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_queries_do_not_grow_with_attempts(
    post, client, login, make_quiz, bank, make_user, units, teacher
):
    quiz = make_quiz()

    def queries(url):
        with counting_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = [
        f"/quizzes/{quiz.id}/results",
        f"/quizzes/{quiz.id}/results.csv",
        f"/quizzes/{quiz.id}/items.csv",
    ]
    supervisor = make_user("boss", roles=["supervisor"], unit=units["a"].parent)
    scope_urls = [f"/quizzes/{quiz.id}/my-cadres", f"/quizzes/{quiz.id}/my-cadres.csv"]

    def all_queries():
        login(teacher)
        counts = [queries(url) for url in urls]
        post("/logout")
        login(supervisor)
        counts += [queries(url) for url in scope_urls]
        post("/logout")
        return counts

    take(make_user("first", unit=units["a"]), quiz, bank, {"single"})
    few = all_queries()
    for i in range(6):
        user = make_user(f"more{i}", unit=units["b"])
        take(user, quiz, bank, {"single", "true_false"})
        take(user, quiz, bank, {"fill_blank"})
    assert all_queries() == few
