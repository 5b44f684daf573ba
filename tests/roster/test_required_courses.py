"""A roster import brings the year's assigned courses to the cadres it adds or changes."""

import pytest
from sqlalchemy import select

from lms.core import statsyear
from lms.courses.models import Course, Enrollment
from lms.extensions import db
from lms.org.tree import ensure_unit_path
from lms.plans.assignments import create_assignment, sync_assignments
from lms.plans.audiences import AudienceInput
from lms.plans.years import ensure_plan, plan_window
from lms.roster import views as roster_views
from tests.conftest import run_queued_jobs
from tests.roster.conftest import cadre, csv_bytes


@pytest.fixture
def assigned(app, make_user, categories):
    """A course assigned this statistics year to Finance Bureau and all units below it."""
    bureau, _ = ensure_unit_path("Weiyang District/Finance Bureau")
    ensure_unit_path("Weiyang District/Audit Bureau")
    course = Course(title="Party history", is_published=True)
    db.session.add(course)
    plan = ensure_plan(statsyear.current_year())
    boss = make_user("planner", roles=["admin"])
    create_assignment(boss, plan, AudienceInput(unit=bureau), plan_window(plan)[1], course=course)
    sync_assignments(plan.year)
    db.session.commit()
    return course


def required(number: str, course) -> bool | None:
    """The cadre's enrolment in ``course``: True required, False elective, None none."""
    db.session.expire_all()
    return db.session.scalar(
        select(Enrollment.is_required).where(
            Enrollment.user_id == cadre(number).user_id, Enrollment.course_id == course.id
        )
    )


ROWS = [
    ["N1", "Nina", "Weiyang District/Finance Bureau/Budget Section", "civil_servant", "", "", ""],
    ["N2", "Ned", "Weiyang District/Audit Bureau", "civil_servant", "", "", ""],
]


def test_imported_cadres_get_their_units_required_course(
    app, client, admin, upload, post, assigned
):
    upload(csv_bytes(ROWS))
    response = post("/roster/confirm", token_page="/roster/preview")
    assert response.status_code == 302
    assert "Roster imported: 2 created" in client.get("/roster/").get_data(as_text=True)

    # The request queued the year's sync; the queue's consumer runs it.
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("N1", assigned) is True  # in a new section below the bureau
    assert required("N2", assigned) is None  # another bureau: not in the audience


def test_a_cadre_moved_by_an_import_follows_the_audience(
    app, client, admin, upload, post, assigned
):
    upload(csv_bytes(ROWS))
    post("/roster/confirm", token_page="/roster/preview")
    run_queued_jobs(app)
    moved = [
        ["N1", "Nina", "Weiyang District/Audit Bureau", "civil_servant", "", "", ""],
        ["N2", "Ned", "Weiyang District/Finance Bureau", "civil_servant", "", "", ""],
    ]
    upload(csv_bytes(moved))
    post("/roster/confirm", token_page="/roster/preview")
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("N2", assigned) is True
    assert required("N1", assigned) is False  # kept as an elective, with its progress


def test_an_import_that_changes_nothing_queues_nothing(app, client, admin, upload, post, assigned):
    upload(csv_bytes(ROWS))
    post("/roster/confirm", token_page="/roster/preview")
    run_queued_jobs(app)
    upload(csv_bytes(ROWS))
    post("/roster/confirm", token_page="/roster/preview")
    assert run_queued_jobs(app) == []


def test_the_command_line_import_syncs_at_once(app, tmp_path, assigned):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROWS))
    result = app.test_cli_runner().invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0, result.output
    year = statsyear.current_year()
    assert (
        f"Required courses of {year}: 1 new required enrolments, "
        "0 electives made required, 0 released." in result.output
    )
    db.session.rollback()
    assert required("N1", assigned) is True
    assert required("N2", assigned) is None


def test_a_refused_import_queues_nothing(app, client, admin, upload, post, assigned):
    rows = [*ROWS, ["N3", "", "Weiyang District/Audit Bureau", "civil_servant", "", "", ""]]
    upload(csv_bytes(rows))
    response = post("/roster/confirm", token_page="/roster/preview")
    assert response.status_code == 302
    assert cadre("N1") is None
    assert run_queued_jobs(app) == []


def test_an_import_rolled_back_after_its_announcement_queues_nothing(
    app, client, admin, upload, post, assigned, monkeypatch
):
    """The import announced its cadres, then the request failed: the plan's receiver queued
    the sync to run after the commit, so with the rollback nothing is queued."""
    upload(csv_bytes(ROWS))

    def fail():
        raise RuntimeError("the request fails after the import was announced")

    monkeypatch.setattr(roster_views.PENDING, "forget", fail)
    response = post("/roster/confirm", token_page="/roster/preview")
    assert response.status_code == 500
    assert cadre("N1") is None
    assert run_queued_jobs(app) == []
