"""The forecast's recent weeks, summed once a day ahead of the dashboards (``recent_credit``).

The hourly job runs as the queue's scheduler starts it. The outlooks a supervisor exports
(``/reports/export/outlook.csv``) must be the same whether the dashboards read the sums or
the ledger. Today's credit is read live. A write to an earlier day clears the sums until
the next build. ``totals check`` compares them with the ledger. A build and such a write
racing on PostgreSQL leave no stale sums. The clock is set with time-machine.
"""

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, update

from lms.core.queue import get_huey
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.tracking import recent
from lms.tracking.models import DailyCredit, RecentCredit, RecentCreditState

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 15)  # window 2025-12-01 .. 2026-11-30; recent weeks from 18 September
EARLY, RECENT = date(2026, 3, 2), date(2026, 10, 1)
# (hours long ago, hours in the recent weeks before today, hours today) against a 50 h quota.
PACES = {
    "met": (52, 0, 0),
    "steady": (25, 8, 0),  # 2 h a week: 46.1 h by the cut-off, at risk
    "quick": (38, 10, 0),  # on track
    "today": (30, 2, 6),  # on track only with today's 6 h in the pace
    "idle": (5, 0, 0),  # behind
}


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 5, tzinfo=SHANGHAI)


@pytest.fixture
def paced(app, make_unit, make_user):
    unit = make_unit("Pace")
    save_rule(ensure_plan(2026), None, AudienceInput(), 50.0, 0, 0)
    people = {}
    for name, parts in PACES.items():
        person = people[name] = make_user(name, unit=unit)
        for hours, day in zip(parts, (EARLY, RECENT, TODAY), strict=True):
            if hours:
                db.session.add(DailyCredit(user_id=person.id, local_date=day, seconds=hours * 3600))
    admin = make_user("root", roles=["admin"])
    db.session.commit()
    return {"people": people, "admin": admin}


def run_hourly_jobs(app, now: datetime) -> list:
    """Run what the scheduler starts at ``now``'s minute, as a consumer would."""
    db.session.commit()
    huey = get_huey(app)
    ran = []
    for task in huey.read_periodic(now.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)):
        if task.name.endswith("tracking.recent_weeks"):
            ran.append(huey.execute(task))
    db.session.expire_all()
    return ran


def outlooks(client) -> dict:
    response = client.get("/reports/export/outlook.csv?year=2026")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[1:]
    return {line.split(",")[0]: int(line.split(",")[1]) for line in lines}


def state() -> tuple | None:
    db.session.expire_all()
    row = db.session.get(RecentCreditState, recent.STATE_ID)
    return None if row is None else (row.valid, row.from_date, row.as_of)


def check(app) -> tuple[int, str]:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["totals", "check"])
    db.session.commit()
    return result.exit_code, result.output


def test_the_hourly_job_sums_the_weeks_before_today_and_the_outlooks_stay(
    app, client, login, paced
):
    people = paced["people"]
    with time_machine.travel(at(TODAY), tick=False):
        login(paced["admin"])
        from_ledger = outlooks(client)
        assert from_ledger["Quota met"] == 1 and from_ledger["On track"] == 2
        assert from_ledger["At risk"] == 1 and from_ledger["Behind"] == 1

        assert run_hourly_jobs(app, at(TODAY, 1)) == [3]  # cadres with credit in those days
        assert state() == (True, date(2026, 9, 18), TODAY)
        kept = dict(db.session.execute(select(RecentCredit.user_id, RecentCredit.seconds)).all())
        assert kept[people["steady"].id] == 8 * 3600
        assert kept[people["today"].id] == 2 * 3600  # today's 6 h are read live
        assert people["idle"].id not in kept and people["met"].id not in kept  # long ago
        assert outlooks(client) == from_ledger
        assert run_hourly_jobs(app, at(TODAY, 2)) == [None]  # built and valid: nothing to do

        # Today's credit keeps the sums valid and counts at once: "steady" is now on track.
        db.session.add(DailyCredit(user_id=people["steady"].id, local_date=TODAY, seconds=7200))
        db.session.commit()
        assert state()[0] is True
        after = outlooks(client)
        assert (after["On track"], after["At risk"]) == (3, 0)
        assert check(app) == (0, "The totals match the ledger.\n")


def test_a_write_to_an_earlier_day_clears_the_sums_until_the_next_build(app, client, login, paced):
    idle = paced["people"]["idle"]
    with time_machine.travel(at(TODAY), tick=False):
        login(paced["admin"])
        run_hourly_jobs(app, at(TODAY, 1))
        assert outlooks(client)["Behind"] == 1
        # An import books 45 h to last week: "idle" has met the quota.
        db.session.add(
            DailyCredit(user_id=idle.id, local_date=TODAY - timedelta(days=7), seconds=45 * 3600)
        )
        db.session.commit()
        assert state()[0] is False
        figures = outlooks(client)  # from the ledger meanwhile: right at once
        assert figures["Behind"] == 0 and figures["Quota met"] == 2
        assert run_hourly_jobs(app, at(TODAY, 3)) == [4]
        assert state()[0] is True and outlooks(client) == figures
        # A write to a day before the recent weeks changes nothing they hold.
        db.session.add(DailyCredit(user_id=idle.id, local_date=date(2026, 4, 1), seconds=60))
        db.session.commit()
        assert state()[0] is True


def test_a_new_day_is_summed_by_the_first_run_after_midnight(app, client, login, paced):
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        login(paced["admin"])
        run_hourly_jobs(app, at(TODAY, 1))
        today_figures = outlooks(client)
        traveller.move_to(at(TODAY + timedelta(days=1), 0))
        # Yesterday's sums do not stand for today: the ledger is read until the next run.
        assert outlooks(client) == today_figures
        assert run_hourly_jobs(app, at(TODAY + timedelta(days=1), 0)) == [3]
        assert state() == (True, date(2026, 9, 19), TODAY + timedelta(days=1))
        assert outlooks(client) == today_figures


def test_check_finds_sums_that_differ_and_fix_builds_them_again(app, paced):
    steady = paced["people"]["steady"]
    with time_machine.travel(at(TODAY), tick=False):
        run_hourly_jobs(app, at(TODAY, 1))
        db.session.execute(
            update(RecentCredit).where(RecentCredit.user_id == steady.id).values(seconds=1.0)
        )
        code, output = check(app)
        assert code == 1
        assert f"recent weeks of user {steady.id} from 2026-09-18 to 2026-10-15" in output
        result = app.test_cli_runner().invoke(args=["totals", "check", "--fix"])
        assert "recent weeks summed again: 3 cadres" in result.output
        db.session.commit()
        assert check(app)[0] == 0
        assert db.session.get(RecentCredit, steady.id).seconds == 8 * 3600


def test_a_write_racing_a_build_leaves_no_stale_sums(app, make_user):
    """PostgreSQL: the build locks the state row before reading the ledger; a write to an
    earlier day in another transaction waits for the build and then clears what it built."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    person = make_user("racer")
    db.session.commit()
    user_id = person.id
    today = local_today()
    db.session.close()
    locked, errors = threading.Event(), []

    def build():
        try:
            with app.app_context():
                recent.build(db.session.connection(), today - timedelta(days=27), today)
                locked.set()
                time.sleep(0.5)  # the writer is now waiting on the state row
                db.session.commit()
        except Exception as exc:  # asserted below
            errors.append(exc)
            locked.set()

    def write():
        try:
            with app.app_context():
                locked.wait(timeout=30)
                yesterday = today - timedelta(days=1)
                db.session.add(DailyCredit(user_id=user_id, local_date=yesterday, seconds=900))
                db.session.commit()
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=build), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert state()[0] is False  # the build did not see the write: it may not be read
    recent.build(db.session.connection(), today - timedelta(days=27), today)
    db.session.commit()
    assert db.session.get(RecentCredit, user_id).seconds == 900
    assert recent.check(db.session.connection()) == []
