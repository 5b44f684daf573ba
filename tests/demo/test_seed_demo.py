"""The demo: idempotent seeding, and each demo role logs in to pages made for it."""

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.org.models import Cadre, Unit


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (User, Unit, Cadre))


def test_seed_demo_is_idempotent(app):
    seed_demo("pw-12345678", with_media=False)
    db.session.commit()
    first = _counts()
    seed_demo("pw-12345678", with_media=False)
    db.session.commit()
    assert _counts() == first
    users, units, cadres = first
    assert users == 23 and cadres == 20 and units >= 9
    depth = db.session.scalar(select(func.max(Unit.depth)))
    assert depth >= 2  # at least three levels
    categories = db.session.scalar(select(func.count(func.distinct(Cadre.category_id))))
    assert categories >= 4


def test_seed_demo_command(app):
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--password", "another-pass", "--no-media"]
    )
    assert result.exit_code == 0, result.output
    assert "cadre1..cadre20" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "cadre7")).check_password(
        "another-pass"
    )


@pytest.mark.parametrize(
    ("username", "expected", "absent"),
    [
        ("admin", ["Manage users", "Units and cadres"], ["My study"]),
        ("supervisor", ["You supervise 未央区", "Units and cadres"], ["Manage users"]),
        ("instructor", ["My teaching"], ["Units and cadres", "Manage users"]),
        ("cadre3", ["My study", "WY0003"], ["Units and cadres", "Manage users"]),
    ],
)
def test_each_demo_role_sees_its_own_home(app, client, login, username, expected, absent):
    seed_demo("demo1234", with_media=False)
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == username))
    login(user, password="demo1234")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for text in expected:
        assert text in page
    for text in absent:
        assert text not in page


def test_seed_demo_makes_every_published_lesson_playable(app, client, login):
    """The real pipeline, once: ffmpeg-made clips processed before the command returns."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("one run of the media pipeline is enough")
    from pathlib import Path

    from lms.courses.models import Course, LessonStatus

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "media made and processed for 7 lessons" in result.output
    from lms.demo.catalogue import SERIES

    series = [title for title, _category, _theme in SERIES]
    published = db.session.scalars(select(Course).where(Course.is_published.is_(True))).all()
    lessons = [
        lesson for course in published if course.title not in series for lesson in course.lessons
    ]
    assert lessons and all(lesson.status == LessonStatus.READY.value for lesson in lessons)
    # The lecture series carry the viewing history: listed with their length, no recording.
    recorded = [
        lesson for course in published if course.title in series for lesson in course.lessons
    ]
    assert recorded and all(
        lesson.status == LessonStatus.EMPTY.value and lesson.current_asset_id is None
        for lesson in recorded
    )
    for kind in ("video", "audio"):
        assert any(lesson.kind == kind and lesson.duration_seconds >= 59.5 for lesson in lessons), (
            kind
        )
    video = next(lesson for lesson in lessons if lesson.kind == "video")
    outputs = Path(app.config["MEDIA_ROOT"]) / video.current_asset.output_dir
    assert (outputs / "master.m3u8").exists() and (outputs / "fallback.mp4").exists()
    login(db.session.scalar(select(User).where(User.username == "cadre1")), password="demo1234")
    assert client.get(f"/media/play/{video.id}").status_code == 200
    # Running it again changes nothing and processes nothing.
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "media made and processed for 0 lessons" in again.output


def test_the_demo_has_evaluations_enough_to_show_results(app, client, login):
    """In the assessment season (the closed year's study complete) the cadres who completed
    the most completed course evaluate it: results show."""
    from datetime import date

    from lms.evaluation.models import EvaluationResponse, EvaluationSubmission
    from lms.evaluation.results import min_respondents

    seed_demo("pw-12345678", with_media=False, today=date(2026, 12, 20))
    db.session.commit()
    # Idempotent: nobody evaluates twice.
    seed_demo("pw-12345678", with_media=False, today=date(2026, 12, 20))
    db.session.commit()
    responses = db.session.scalar(select(func.count()).select_from(EvaluationResponse))
    assert responses == db.session.scalar(select(func.count()).select_from(EvaluationSubmission))
    assert responses >= min_respondents()
    course_id = db.session.scalar(select(EvaluationResponse.course_id))
    login(db.session.scalar(select(User).where(User.username == "supervisor")), "pw-12345678")
    page = client.get(f"/evaluation/courses/{course_id}/results").get_data(as_text=True)
    assert "data-average" in page and "data-below-threshold" not in page


def test_the_demo_has_a_teacher_in_each_status(app):
    from datetime import date

    from lms.faculty.models import Teacher, TeacherStatus

    for _run in range(2):  # idempotent
        seed_demo("pw-12345678", with_media=False, today=date(2026, 12, 20))
        db.session.commit()
    statuses = sorted(db.session.scalars(select(Teacher.status)))
    assert statuses == sorted(str(status) for status in TeacherStatus)
    linked = db.session.scalar(select(Teacher).where(Teacher.user_id.is_not(None)))
    assert linked.user.username == "instructor" and len(linked.changes) == 3
