"""Weekly reminders reach cadres at risk and supervisors, in the app and at the SMTP server."""

from datetime import date
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.notify import services
from lms.notify.messages import render_text
from lms.notify.models import Notification
from lms.notify.reminders import send_weekly_reminders
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.reports import figures, overview
from lms.tracking.models import DailyCredit

MONDAY = date(2026, 11, 2)  # four weekends before the 30 November cut-off


@pytest.fixture
def people(app, make_unit, make_user):
    a, b = make_unit("District/Bureau A"), make_unit("District/Bureau B")
    save_rule(ensure_plan(2026), None, AudienceInput(), 50, 0, 0)
    found = {
        "ahead": make_user("ahead", unit=a, email="ahead@example.org"),
        "atrisk": make_user(
            "atrisk", unit=a, email="atrisk@example.org", preferred_language="zh_CN"
        ),
        "behind": make_user("behind", unit=a, email="behind@example.org"),
        "optout": make_user("optout", unit=b, email="optout@example.org"),
        "boss_a": make_user("boss_a", roles=["supervisor"], unit=a, email="a@example.org"),
        "boss_b": make_user("boss_b", roles=["supervisor"], unit=b),
    }
    found["optout"].wants_email_reminders = False
    for name, hours in [("ahead", 50), ("atrisk", 40), ("behind", 10), ("optout", 40)]:
        db.session.add(
            DailyCredit(user_id=found[name].id, local_date=date(2026, 5, 9), seconds=hours * 3600)
        )
    db.session.commit()
    return found


def notes(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_cadres_at_risk_and_supervisors_are_reminded(app, people, smtp_server):
    assert send_weekly_reminders(MONDAY) == {"cadres": 3, "supervisors": 2}
    db.session.commit()

    assert notes(people["ahead"]) == []
    [note] = notes(people["atrisk"])
    # 10 h left over 4 weekends.
    assert note.params == {"hours": 40.0, "quota": 50.0, "year": 2026, "weekend": 2.5}
    assert notes(people["behind"])[0].params["weekend"] == 10.0
    # The dashboard's two outlooks, told apart: "behind" (10 of 50 h, more than the weekends
    # left can hold) and "atrisk" (40 of 50 h, not at this pace but within the weekends).
    assert notes(people["boss_a"])[0].params == {
        "behind": 1,
        "at_risk": 1,
        "total": 3,
        "unit": "District/Bureau A",
    }
    assert notes(people["boss_b"])[0].params["total"] == 1

    assert services.deliver_due()["sent"] == 3  # optout and boss_b (no address) get none
    mails = {
        envelope.rcpt_tos[0]: message_from_bytes(envelope.content, policy=policy.default)
        for envelope in smtp_server.messages
    }
    assert set(mails) == {"atrisk@example.org", "behind@example.org", "a@example.org"}
    chinese = mails["atrisk@example.org"]
    assert chinese["Subject"] == "您本年度的学时"
    assert "约 2.5 学时" in chinese.get_content()
    english = mails["behind@example.org"].get_content()
    assert "You have 10.0 of your 50.0 study hours for the 2026 statistics year" in english
    assert "(2025-12-01 to 2026-11-30)" in english
    assert "About 10.0 hours each weekend" in english
    digest = mails["a@example.org"].get_content()
    assert "District/Bureau A: 3 cadres owe study hours; behind: 1, at risk: 1" in digest
    # The same counts as the dashboard of that unit on that day.
    context = figures.make_context(2026, MONDAY)
    board = overview.build_overview(figures.Scope.of(people["boss_a"].unit), context)
    assert (board.outlooks["behind"], board.outlooks["at_risk"], board.expected) == (1, 1, 3)


def test_a_digest_stored_before_the_outlooks_were_told_apart_still_reads(app):
    old = {"behind": 2, "total": 3, "unit": "District/Bureau A"}
    text = render_text("supervisor_digest", old)
    assert text == "2 of 3 cadres in District/Bureau A are behind their study-hour quota."


def test_a_second_run_in_the_same_week_sends_nothing(app, people):
    send_weekly_reminders(MONDAY)
    db.session.commit()
    assert send_weekly_reminders(date(2026, 11, 6)) == {"cadres": 0, "supervisors": 0}
    # The next week they are reminded again.
    assert send_weekly_reminders(date(2026, 11, 9))["cadres"] == 3


def test_an_exempted_cadre_is_not_reminded(app, people):
    from lms.offline.models import Exemption

    db.session.add(
        Exemption(
            user_id=people["behind"].id,
            kind="illness",
            start_date=date(2026, 3, 1),
            end_date=date(2026, 4, 30),
            status="approved",
        )
    )
    db.session.commit()
    assert send_weekly_reminders(MONDAY) == {"cadres": 2, "supervisors": 2}
    assert notes(people["behind"]) == []
    # The digest leaves them out, as the dashboard's outlooks do: "atrisk" is left, at risk.
    digest = notes(people["boss_a"])[0].params
    assert (digest["behind"], digest["at_risk"], digest["total"]) == (0, 1, 2)


def test_the_cli_sends_the_reminders(app, people):
    result = app.test_cli_runner().invoke(args=["send-reminders", "--date", "2026-11-02"])
    assert result.exit_code == 0, result.output
    assert "reminded 3 cadres, 2 supervisors" in result.output
