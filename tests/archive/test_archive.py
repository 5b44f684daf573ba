"""The learning archive: every year on record, scoped like the cadre page, and its PDF."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from lms.assessment.services import run_assessment
from lms.extensions import db
from lms.offline.models import OfflineTraining
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.models import DailyCredit


@pytest.fixture
def record(app, make_unit, make_user):
    """王小明 in Bureau A: 2025 and 2026 hours, an exam, a party-school class, a 2026 run."""
    bureau_a, bureau_b = make_unit("District/Bureau A"), make_unit("District/Bureau B")
    cadre = make_user("wangxm", unit=bureau_a, display_name="王小明")
    for year in (2025, 2026):
        save_rule(ensure_plan(year), None, AudienceInput(), 50, 0, 0)
    db.session.add_all(
        [
            DailyCredit(user_id=cadre.id, local_date=date(2025, 6, 7), seconds=12.5 * 3600),
            DailyCredit(user_id=cadre.id, local_date=date(2026, 3, 7), seconds=30 * 3600),
            # After 2025's cut-off (30 November): counts for 2026.
            DailyCredit(user_id=cadre.id, local_date=date(2025, 12, 6), seconds=2.5 * 3600),
        ]
    )
    exam = Quiz(title="理论考试", is_exam=True)
    db.session.add(exam)
    db.session.flush()
    db.session.add(
        QuizResult(user_id=cadre.id, quiz_id=exam.id, year=2026, percent=86.0, is_passed=True)
    )
    db.session.add(
        OfflineTraining(
            user_id=cadre.id,
            training_type="party_school",
            title="春季主体班",
            provider="区委党校",
            start_date=date(2026, 4, 1),
            end_date=date(2026, 4, 10),
            hours=80,
            days=10,
            status="approved",
        )
    )
    db.session.commit()
    run_assessment(2026, bureau_a)
    db.session.commit()
    return {"cadre": cadre, "a": bureau_a, "b": bureau_b}


def test_the_cadre_sees_every_year(app, client, login, record):
    login(record["cadre"])
    page = client.get("/archive/").get_data(as_text=True)
    assert "45.0 study hours online in all" in page
    assert "32.5 of 50.0 study hours online (65%)" in page  # 2026: 30 + 2.5 from December
    assert "12.5 of 50.0 study hours online (25%)" in page  # 2025
    assert "理论考试: 86.0% · passed" in page
    assert "春季主体班 (区委党校), 2026-04-01 – 2026-04-10, 10.0 days" in page
    assert "Assessment: Not competent" in page
    # Newest first, each statistics year with its dates.
    assert page.index(">2026 statistics year (2025-12-01 to 2026-11-30)<") < page.index(
        ">2025 statistics year (2024-12-01 to 2025-11-30)<"
    )


def test_supervisors_see_archives_in_scope_only(app, client, login, post, make_user, record):
    cadre = record["cadre"]
    login(make_user("boss_b", roles=["supervisor"], unit=record["b"]))
    assert client.get(f"/archive/cadres/{cadre.id}").status_code == 404
    assert client.get(f"/archive/cadres/{cadre.id}/archive.pdf").status_code == 404
    post("/logout", token_page="/")
    login(make_user("boss_a", roles=["supervisor"], unit=record["a"]))
    assert "王小明" in client.get(f"/archive/cadres/{cadre.id}").get_data(as_text=True)


def test_a_cadre_cannot_open_anothers_archive(app, client, login, make_user, record):
    login(make_user("li", unit=record["a"]))
    assert client.get(f"/archive/cadres/{record['cadre'].id}").status_code == 404


def test_the_pdf_holds_the_name_in_chinese_and_the_hours(app, client, login, record):
    login(record["cadre"])
    response = client.get("/archive/archive.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "王小明" in text
    assert "32.5 of 50.0 study hours online" in text
    assert "春季主体班" in text
