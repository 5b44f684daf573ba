"""A small district with a 2026 plan, credited hours, an exam result and exemptions."""

from datetime import date

import pytest

from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.models import DailyCredit


def credit(user, hours: float, on: date) -> None:
    db.session.add(DailyCredit(user_id=user.id, local_date=on, seconds=hours * 3600))


@pytest.fixture
def district(app, make_unit, make_user):
    """Bureau A: full (50 h, exam 80%), short (20 h), waived, half-year (25 h, half exempt);
    Bureau B: other (50 h). Everyone owes 50 online hours in 2026; hours after the
    30 November cut-off count for 2027."""
    units = {
        "district": make_unit("District"),
        "a": make_unit("District/Bureau A"),
        "b": make_unit("District/Bureau B"),
    }
    plan = ensure_plan(2026)
    save_rule(plan, None, AudienceInput(), 50, 0, 0)
    people = {
        name: make_user(name, unit=units[unit])
        for name, unit in [
            ("full", "a"),
            ("short", "a"),
            ("waived", "a"),
            ("half", "a"),
            ("other", "b"),
        ]
    }
    credit(people["full"], 30, date(2026, 3, 7))
    credit(people["full"], 20, date(2026, 11, 29))
    credit(people["short"], 20, date(2026, 5, 1))
    credit(people["short"], 40, date(2026, 12, 5))  # after the cut-off: next year's
    credit(people["half"], 25.2, date(2026, 9, 12))
    credit(people["other"], 50, date(2026, 4, 4))
    exam = Quiz(title="Theory exam", is_exam=True)
    db.session.add(exam)
    db.session.flush()
    db.session.add(QuizResult(user_id=people["full"].id, quiz_id=exam.id, year=2026, percent=80.0))
    db.session.add_all(
        [
            Exemption(
                user_id=people["waived"].id,
                kind="secondment_abroad",
                start_date=date(2026, 1, 1),
                end_date=date(2026, 12, 31),
                effect="waive",
                status="approved",
            ),
            # 1 Jun – 30 Nov: 183 of the window's 365 days (1 Dec 2025 – 30 Nov 2026).
            Exemption(
                user_id=people["half"].id,
                kind="illness",
                start_date=date(2026, 6, 1),
                end_date=date(2026, 11, 30),
                effect="prorate",
                status="approved",
            ),
            # Pending records count for nothing.
            Exemption(
                user_id=people["short"].id,
                kind="leave",
                start_date=date(2026, 1, 1),
                end_date=date(2026, 12, 31),
                effect="waive",
                status="pending",
            ),
            OfflineTraining(
                user_id=people["short"].id,
                training_type="party_school",
                title="Spring class",
                start_date=date(2026, 4, 1),
                end_date=date(2026, 4, 10),
                hours=80,
                days=10,
                status="pending",
            ),
        ]
    )
    db.session.commit()
    return {"units": units, "people": people, "plan": plan}
