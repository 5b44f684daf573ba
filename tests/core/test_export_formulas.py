"""No download carries a formula: text that starts with = + - @ is plain text in every export.

Each export URL is downloaded over HTTP after names, units, titles and questions that start
with a formula character were stored through the services the pages use, and the file is
read back with the csv module or openpyxl.
"""

import csv
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.assessment import services as assessment
from lms.banks.models import Bank, Option, Question
from lms.courses.models import Course, Enrollment, Lesson, LessonStatus
from lms.extensions import db
from lms.org.models import CadreCategory
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.quizzes.attempts import save_answer, start_or_resume, submit_attempt
from lms.quizzes.models import Quiz, QuizQuestion, QuizResult
from lms.tracking.models import DailyCredit

# What a hostile (or unlucky) user types; each would run as a formula in Excel or LibreOffice.
UNIT = '=HYPERLINK("http:evil.example","click")'
NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
NUMBER = "-2+3"
COURSE = "+1+1 course"
LESSON = "-1 lesson"
QUIZ = "=quiz()"
QUESTION = "=1+1"
OPTIONS = ["-1", "+2", "@3", "=4"]
CATEGORY = "=category()"
DANGEROUS_START = re.compile(r"[=+\-@\t\r]")


@pytest.fixture
def hostile(app, make_unit, make_user):
    """A 2026 plan, a unit, a cadre, a course with a lesson, a bank and a taken quiz."""
    unit = make_unit(UNIT)
    plan = ensure_plan(2026)
    save_rule(plan, None, AudienceInput(), 50, 0, 0)
    cadre = make_user("hostile", unit=unit, display_name=NAME)
    cadre.cadre.personnel_number = NUMBER
    idle = make_user("idle", unit=unit, display_name=f"{NAME} 2")
    teacher = make_user("teacher", roles=["instructor"])
    db.session.add(DailyCredit(user_id=cadre.id, local_date=date(2026, 5, 1), seconds=7200))
    db.session.add(CadreCategory(code="hostile", name_zh=CATEGORY, name_en=CATEGORY, sort_order=-1))
    course = Course(title=COURSE, is_published=True, instructors=[teacher])
    lesson = Lesson(
        course=course,
        title=LESSON,
        kind="video",
        status=LessonStatus.READY.value,
        duration_seconds=600.0,
    )
    bank = Bank(title="Bank", course=course, owner=teacher)
    question = Question(bank=bank, kind="single", text=QUESTION, points=1.0)
    question.options = [
        Option(text=text, is_correct=i == 0, position=i) for i, text in enumerate(OPTIONS)
    ]
    db.session.add_all([course, lesson, bank, question])
    db.session.flush()
    db.session.add(
        Enrollment(user_id=cadre.id, course_id=course.id, created_at=datetime(2026, 3, 1))
    )
    quiz = Quiz(title=QUIZ, course_id=course.id, created_by_id=teacher.id, is_published=True)
    quiz.fixed_questions = [QuizQuestion(question_id=question.id, position=0)]
    db.session.add(quiz)
    db.session.commit()
    attempt, _created = start_or_resume(cadre, quiz)
    save_answer(attempt, question.id, [question.options[0].id])
    submit_attempt(attempt)
    db.session.commit()
    run = assessment.run_assessment(2026, None)
    db.session.commit()
    result_year = db.session.scalar(select(QuizResult.year))
    return {
        "unit": unit,
        "course": course,
        "quiz": quiz,
        "bank": bank,
        "run": run,
        "result_year": result_year,
        "teacher": teacher,
        "idle": idle,
    }


def export_urls(world) -> dict[str, tuple[str, set[str]]]:
    """Every export, with the hostile texts its file must hold (neutralised)."""
    unit, course, quiz = world["unit"].id, world["course"].id, world["quiz"].id
    year = world["result_year"]
    reports = {
        f"reports {table}": f"/reports/export/{table}.{{fmt}}?year=2026"
        for table in ("summary", "outlook", "months", "weekdays", "enrollments")
    }
    return {
        **{name: (url, set()) for name, url in reports.items()},
        "reports quizzes": (f"/reports/export/quizzes.{{fmt}}?year={year}", {QUIZ}),
        "reports units": ("/reports/export/units.{fmt}?year=2026", {UNIT}),
        "reports cadres": (
            f"/reports/export/cadres.{{fmt}}?year=2026&unit={unit}",
            {UNIT, NAME, NUMBER},
        ),
        "reports courses": ("/reports/export/courses.{fmt}?year=2026", {COURSE}),
        "reports lessons": (
            f"/reports/export/lessons.{{fmt}}?year=2026&course={course}",
            {LESSON},
        ),
        "assessment": (
            f"/assessment/runs/{world['run'].id}/export.{{fmt}}",
            {NAME, NUMBER, UNIT},
        ),
        "non-participation": (
            "/assessment/non-participation.{fmt}?year=2026",
            {UNIT, f"{NAME} 2"},
        ),
        "quiz results": (f"/quizzes/{quiz}/results.{{fmt}}?year={year}", {NAME, NUMBER}),
        "quiz items": (f"/quizzes/{quiz}/items.{{fmt}}?year={year}", {QUESTION}),
        "quiz my cadres": (f"/quizzes/{quiz}/my-cadres.{{fmt}}?year={year}", {NAME, NUMBER}),
        "bank": (f"/banks/{world['bank'].id}/export.{{fmt}}", {QUESTION, *OPTIONS}),
        "roster template": ("/roster/template.{fmt}", {CATEGORY}),
    }


def csv_cells(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def is_number(text: str) -> bool:
    try:
        float(text.removesuffix("%"))
    except ValueError:
        return False
    return True


def test_every_export_is_free_of_formulas(client, login, make_user, hostile):
    login(make_user("root", roles=["admin"]))
    for name, (url, expected) in export_urls(hostile).items():
        response = client.get(url.format(fmt="csv"))
        assert response.status_code == 200, name
        cells = csv_cells(response.data)
        # A cell may start with - or + only when it is a number (a negative figure).
        dangerous = [c for c in cells if DANGEROUS_START.match(c) and not is_number(c)]
        assert dangerous == [], name
        for text in expected:
            assert "'" + text in cells, (name, text)

        response = client.get(url.format(fmt="xlsx"))
        assert response.status_code == 200, name
        sheet = load_workbook(io.BytesIO(response.data)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], name
        texts = {c.value for c in cells if c.data_type == "s"}
        assert expected <= texts, name


def test_numbers_stay_numbers(client, login, make_user, hostile):
    login(make_user("root", roles=["admin"]))
    run = hostile["run"]
    sheet = load_workbook(
        io.BytesIO(client.get(f"/assessment/runs/{run.id}/export.xlsx").data)
    ).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == NAME)
    assert row[0].value == NUMBER and row[0].data_type == "s"
    assert row[3].value == 2.0 and row[3].data_type == "n"  # online hours
    text = client.get(f"/assessment/runs/{run.id}/export.csv").data.decode("utf-8-sig")
    line = next(r for r in csv.reader(io.StringIO(text)) if r[1] == "'" + NAME)
    assert line[0] == "'" + NUMBER and line[3] == "2.0"


def test_a_formula_like_question_survives_the_bank_round_trip(
    client, login, post, hostile, make_user
):
    """Exported (neutralised) and imported back, the question reads as it was typed."""
    login(hostile["teacher"])
    source = hostile["bank"]
    for ext in ("csv", "xlsx"):
        exported = client.get(f"/banks/{source.id}/export.{ext}")
        copy = Bank(title=f"Copy {ext}", owner=hostile["teacher"])
        db.session.add(copy)
        db.session.commit()
        response = post(
            f"/banks/{copy.id}/import",
            {"file": (io.BytesIO(exported.data), f"export.{ext}")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert post(f"/banks/{copy.id}/import/confirm").status_code == 302
        db.session.expire_all()
        (question,) = db.session.get(Bank, copy.id).questions
        assert question.text == QUESTION, ext
        assert [o.text for o in question.options] == OPTIONS, ext
        assert [o.is_correct for o in question.options] == [True, False, False, False]
