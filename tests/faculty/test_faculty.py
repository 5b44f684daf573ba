"""The teacher library: administrators add teachers and move them through their statuses,
each change with its date and reason."""

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.faculty.models import Teacher, TeacherStatusChange
from lms.faculty.rules import may_move


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("candidate", "probation", True),
        ("candidate", "selected", False),  # a trial lecture comes first
        ("probation", "selected", True),
        ("probation", "candidate", True),
        ("selected", "retired", True),
        ("selected", "candidate", False),
        ("retired", "candidate", True),
        ("retired", "selected", False),
        ("candidate", "no-such-status", False),
    ],
)
def test_which_status_may_follow(current, new, allowed):
    assert may_move(current, new) is allowed


@pytest.fixture
def admin(make_user):
    return make_user("boss", roles=["admin"], display_name="Admin Wang")


def _add(post, **fields):
    data = {
        "name": "Prof. Li",
        "kind": "invited",
        "title": "Professor",
        "organization": "Provincial party school",
        "subjects": "party history, rural revitalisation",
        "contact": "li@example.org",
        "user_id": "",
        "notes": "",
        **fields,
    }
    return post("/faculty/new", data)


@time_machine.travel("2026-03-02 02:00:00Z", tick=False)
def test_adding_a_teacher_linked_to_an_account(client, login, post, admin, make_user):
    teacher_user = make_user("li", roles=["instructor"], display_name="Li Ming")
    course = Course(title="Party history lectures", is_published=True)
    course.instructors = [teacher_user]
    db.session.add(course)
    db.session.commit()
    login(admin)
    response = _add(post, user_id=str(teacher_user.id))
    assert response.status_code == 302
    teacher = db.session.scalar(select(Teacher))
    assert (teacher.name, teacher.kind, teacher.status, teacher.user_id) == (
        "Prof. Li",
        "invited",
        "candidate",
        teacher_user.id,
    )
    assert [(c.to_status, c.effective_on) for c in teacher.changes] == [
        ("candidate", date(2026, 3, 2))
    ]
    page = client.get(f"/faculty/{teacher.id}").get_data(as_text=True)
    assert "Party history lectures" in page and "Li Ming" in page
    listing = client.get("/faculty/").get_data(as_text=True)
    assert "Prof. Li" in listing and "Provincial party school" in listing


def test_a_refused_teacher_form_keeps_what_was_typed(client, login, post, admin):
    login(admin)
    response = _add(post, name="", organization="Tsinghua University")
    assert response.status_code == 400
    assert "Tsinghua University" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Teacher)) == 0
    assert _add(post, user_id="999999").status_code == 400  # not an instructor's account


@time_machine.travel("2026-03-02 02:00:00Z", tick=False)
def test_status_moves_with_dates_and_reasons(client, login, post, admin):
    login(admin)
    _add(post)
    teacher = db.session.scalar(select(Teacher))
    url = f"/faculty/{teacher.id}/status"
    response = post(
        url,
        {"status": "probation", "effective_on": "2026-04-01", "reason": "Trial lecture in April"},
    )
    assert response.status_code == 302
    response = post(
        url,
        {"status": "selected", "effective_on": "2026-05-10", "reason": "Rated 4.6 by 40 cadres"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    teacher = db.session.get(Teacher, teacher.id)
    assert teacher.status == "selected"
    assert [(c.from_status, c.to_status, c.effective_on, c.reason) for c in teacher.changes][
        :2
    ] == [
        ("probation", "selected", date(2026, 5, 10), "Rated 4.6 by 40 cadres"),
        ("candidate", "probation", date(2026, 4, 1), "Trial lecture in April"),
    ]
    page = client.get(f"/faculty/{teacher.id}").get_data(as_text=True)
    assert "Rated 4.6 by 40 cadres" in page and "Admin Wang" in page
    filtered = client.get("/faculty/?status=selected").get_data(as_text=True)
    assert "Prof. Li" in filtered
    assert "Prof. Li" not in client.get("/faculty/?status=retired").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"status": "retired", "effective_on": "2026-04-01", "reason": ""},  # no reason
        {"status": "selected", "effective_on": "2026-04-01", "reason": "Skip the trial"},
        {"status": "probation", "effective_on": "not a date", "reason": "Trial"},
        {"status": "probation", "effective_on": "1999-01-01", "reason": "Before the start"},
    ],
)
@time_machine.travel("2026-03-02 02:00:00Z", tick=False)
def test_a_refused_status_change_changes_nothing_and_keeps_the_reason(
    client, login, post, admin, data
):
    login(admin)
    _add(post)
    teacher = db.session.scalar(select(Teacher))
    response = post(f"/faculty/{teacher.id}/status", data)
    assert response.status_code == 400
    if data["reason"]:
        assert data["reason"] in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Teacher, teacher.id).status == "candidate"
    assert db.session.scalar(select(func.count()).select_from(TeacherStatusChange)) == 1


@time_machine.travel("2026-03-02 02:00:00Z", tick=False)
def test_editing_a_teacher(client, login, post, admin):
    login(admin)
    _add(post)
    teacher = db.session.scalar(select(Teacher))
    form = client.get(f"/faculty/{teacher.id}/edit").get_data(as_text=True)
    assert 'value="Provincial party school"' in form
    response = post(
        f"/faculty/{teacher.id}/edit",
        {
            "name": "Prof. Li Hua",
            "kind": "internal",
            "title": "",
            "organization": "District party school",
            "subjects": "law",
            "contact": "",
            "user_id": "",
            "notes": "Moved",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    teacher = db.session.get(Teacher, teacher.id)
    assert (teacher.name, teacher.kind, teacher.organization) == (
        "Prof. Li Hua",
        "internal",
        "District party school",
    )


@pytest.mark.parametrize("role", ["supervisor", "instructor", "cadre"])
def test_only_administrators_use_the_library(client, login, make_user, role):
    login(make_user("someone", roles=[role]))
    assert client.get("/faculty/").status_code == 403
    assert client.get("/faculty/new").status_code == 403
