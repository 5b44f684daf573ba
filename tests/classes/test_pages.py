"""Classes through their pages: creating, scheduling, blackouts, sign-up and approval, the
waiting list, cancellation, seat quotas and nominations, and who may do what."""

import html
import re
from datetime import date, time

import pytest
from sqlalchemy import func, select

from lms.classes.models import Blackout, ClassMember, ClassSession, TrainingClass
from lms.extensions import db
from lms.notify.models import Notification
from lms.offline.models import AuditEntry


def text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def place(user, training_class) -> ClassMember:
    db.session.expire_all()
    return db.session.scalar(
        select(ClassMember).where(
            ClassMember.user_id == user.id, ClassMember.class_id == training_class.id
        )
    )


def kinds(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


CLASS_FORM = {
    "class_type": "seminar",
    "title": "Seminar on grassroots governance",
    "institution": "District party school",
    "manager": "",
    "venue": "Party school",
    "description": "Three Saturdays.",
    "enrol_opens_on": "2027-02-15",
    "enrol_closes_on": "2027-03-20",
    "cancel_until": "2027-03-25",
    "capacity": "30",
    "include_sub_units": "y",
    "category_id": "",
    "rank": "",
    "priority_group": "",
}


def test_a_supervisor_creates_a_class_and_schedules_its_sessions(clock, org, client, as_user, post):
    as_user(org["sup_a"])
    unit = org["units"]["a"]
    form = CLASS_FORM | {"organizer_unit_id": str(unit.id), "unit_id": str(unit.id)}
    form["manager"] = "teacher"
    response = post("/classes/new", form, token_page="/classes/new")
    assert response.status_code == 302
    training_class = db.session.scalar(select(TrainingClass))
    assert (training_class.title, training_class.capacity) == (
        "Seminar on grassroots governance",
        30,
    )
    assert training_class.manager.username == "teacher"
    url = f"/classes/{training_class.id}"
    session = {
        "day": "2027-03-27",
        "starts_at": "09:00",
        "ends_at": "12:00",
        "room": "201",
        "teacher": "Prof. Wang",
        "topic": "Rural revitalization",
    }
    assert post(f"{url}/sessions", session, token_page=url).status_code == 302
    page = text(client.get(url))
    assert "Prof. Wang" in page and "Rural revitalization" in page
    # The same time again overlaps; what was typed is shown again.
    refused = post(f"{url}/sessions", session | {"topic": "Typed again"}, token_page=url)
    assert refused.status_code == 400
    assert "overlaps another session of the class" in text(refused)
    assert 'value="Typed again"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ClassSession)) == 1


def test_a_session_in_a_blackout_period_is_refused_with_the_reason(
    clock, org, client, as_user, post, make_class
):
    as_user(org["admin"])
    response = post(
        "/classes/blackouts",
        {"starts_on": "2027-04-01", "ends_on": "2027-04-10", "reason": "People's congress"},
        token_page="/classes/blackouts",
    )
    assert response.status_code == 302
    assert "People's congress" in text(client.get("/classes/blackouts"))
    training_class = make_class()
    url = f"/classes/{training_class.id}"
    # A period over a session already scheduled (27 March) says so.
    post(
        "/classes/blackouts",
        {"starts_on": "2027-03-27", "ends_on": "2027-03-27", "reason": "Flood control"},
        token_page="/classes/blackouts",
    )
    assert "1 session already scheduled falls in this period" in text(
        client.get("/classes/blackouts")
    )
    refused = post(
        f"{url}/sessions",
        {"day": "2027-04-03", "starts_at": "09:00", "ends_at": "12:00"},
        token_page=url,
    )
    assert refused.status_code == 400
    assert "blackout period" in text(refused) and "People's congress" in text(refused)
    assert len(db.session.get(TrainingClass, training_class.id).sessions) == 1


def test_only_administrators_mark_blackouts(clock, org, client, as_user, post):
    as_user(org["sup_district"])
    assert client.get("/classes/blackouts").status_code == 200
    refused = post(
        "/classes/blackouts",
        {"starts_on": "2027-04-01", "ends_on": "2027-04-10", "reason": "x"},
        token_page="/classes/blackouts",
    )
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Blackout)) == 0


def test_a_cadre_signs_up_and_a_supervisor_of_their_unit_approves(
    clock, org, client, as_user, post, make_class
):
    training_class = make_class(capacity=5)
    as_user(org["ann"])
    menu = text(client.get("/classes/"))
    assert "Open for sign-up" in menu and training_class.title in menu
    url = f"/classes/{training_class.id}"
    assert post(f"{url}/signup", {}, token_page=url).status_code == 302
    assert place(org["ann"], training_class).status == "requested"
    assert kinds(org["sup_a"]) == ["class_signed_up"]
    assert kinds(org["sup_b"]) == []
    # Another bureau's supervisor may not decide; the cadre's own may.
    member = place(org["ann"], training_class)
    as_user(org["sup_b"])
    assert (
        post(f"/classes/places/{member.id}/approve", {}, token_page="/classes/").status_code == 404
    )
    assert place(org["ann"], training_class).status == "requested"
    as_user(org["sup_a"])
    assert "Sign-ups waiting for your decision" in text(client.get("/classes/"))
    response = post(
        f"/classes/places/{member.id}/approve", {"back": "list"}, token_page="/classes/"
    )
    assert response.status_code == 302
    assert place(org["ann"], training_class).status == "confirmed"
    assert kinds(org["ann"]) == ["class_approved"]
    as_user(org["ann"])
    notes = client.get("/notifications/")
    assert f"Your sign-up for the class {training_class.title} was approved." in text(notes)
    note = db.session.scalar(select(Notification).where(Notification.user_id == org["ann"].id))
    opened = post(f"/notifications/{note.id}/read", {}, token_page="/notifications/")
    assert opened.headers["Location"].endswith(f"/classes/{training_class.id}")
    as_user(org["sup_a"])
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["sign_up", "approve"]
    # The decisions are on the audit log page too.
    assert "Place in a class" in text(client.get("/offline/audit"))


def test_a_full_class_keeps_a_waiting_list_and_a_cancellation_promotes_the_first(
    clock, org, client, as_user, post, make_class, make_user
):
    training_class = make_class(capacity=1)
    dan = make_user("dan", roles=["cadre"], unit=org["units"]["a"])
    url = f"/classes/{training_class.id}"
    for cadre in (org["ann"], org["bob"], dan):
        as_user(cadre)
        post(f"{url}/signup", {}, token_page=url)
    assert [place(c, training_class).status for c in (org["ann"], org["bob"], dan)] == [
        "requested",
        "waiting",
        "waiting",
    ]
    as_user(dan)
    assert "number 2" in text(client.get("/classes/"))
    as_user(org["ann"])
    confirm_page = client.get(f"{url}/cancel")
    assert "Yes, cancel my place" in text(confirm_page)
    assert post(f"{url}/cancel", {}, token_page=f"{url}/cancel").status_code == 302
    assert place(org["ann"], training_class).status == "cancelled"
    assert place(org["bob"], training_class).status == "requested"  # holds the seat now
    assert place(dan, training_class).status == "waiting"
    assert "class_promoted" in kinds(org["bob"])
    assert "class_member_promoted" in kinds(org["sup_a"])
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "promote")) == 1


def test_cancelling_after_the_deadline_is_refused(org, client, as_user, post, make_class):
    import time_machine

    with time_machine.travel("2027-03-01 10:00 +08:00", tick=False):
        training_class = make_class()
        as_user(org["ann"])
        url = f"/classes/{training_class.id}"
        post(f"{url}/signup", {}, token_page=url)
    with time_machine.travel("2027-03-26 10:00 +08:00", tick=False):
        as_user(org["ann"])
        assert "has passed" in text(client.get(f"{url}/cancel"))
        response = post(f"{url}/cancel", {}, token_page=url)
        assert response.status_code in (303, 409)
        assert place(org["ann"], training_class).status == "requested"


def test_a_cadre_cannot_join_a_class_that_overlaps_one_they_belong_to(
    clock, org, client, as_user, post, make_class
):
    first = make_class(title="First")
    second = make_class(title="Second", sessions=[(date(2027, 3, 27), time(10), time(11, 30))])
    as_user(org["ann"])
    post(f"/classes/{first.id}/signup", {}, token_page="/classes/")
    url = f"/classes/{second.id}"
    response = post(f"{url}/signup", {}, token_page=url)
    assert response.status_code == 400
    assert "overlaps the class First" in text(response)
    assert place(org["ann"], second) is None


def test_seat_quotas_nominations_and_the_nominees_answer(
    clock, org, client, as_user, post, make_class
):
    training_class = make_class(capacity=3)
    url = f"/classes/{training_class.id}"
    unit_a = org["units"]["a"]
    as_user(org["admin"])
    assert (
        post(f"{url}/quotas", {"unit_id": unit_a.id, "seats": "1"}, token_page=url).status_code
        == 302
    )
    too_many = post(
        f"{url}/quotas", {"unit_id": org["units"]["b"].id, "seats": "3"}, token_page=url
    )
    assert too_many.status_code == 400 and "Only 2 seats are left" in text(too_many)
    as_user(org["sup_b"])  # no seats for bureau B: no nomination form, and posting is refused
    assert "Nominate a cadre" not in text(client.get(url))
    assert (
        post(
            f"{url}/nominate", {"unit_id": unit_a.id, "cadre": "ann", "reason": "x"}, token_page=url
        ).status_code
        == 404
    )
    as_user(org["sup_a"])
    assert training_class.title in text(client.get("/classes/"))  # seats for bureau A
    no_reason = post(
        f"{url}/nominate", {"unit_id": unit_a.id, "cadre": "ann", "reason": ""}, token_page=url
    )
    assert no_reason.status_code == 400
    ok = post(
        f"{url}/nominate",
        {"unit_id": unit_a.id, "cadre": "ann", "reason": "Reserve cadre"},
        token_page=url,
    )
    assert ok.status_code == 302
    full = post(
        f"{url}/nominate",
        {"unit_id": unit_a.id, "cadre": "bob", "reason": "Key post"},
        token_page=url,
    )
    assert full.status_code == 400 and "are taken" in text(full)
    assert kinds(org["ann"]) == ["class_nominated"]
    member = place(org["ann"], training_class)
    as_user(org["ann"])
    assert "Reserve cadre" in text(client.get(url))
    assert post(f"/classes/places/{member.id}/confirm", {}, token_page=url).status_code == 302
    assert place(org["ann"], training_class).status == "confirmed"
    # Quota seats are not open seats: two remain for sign-ups.
    as_user(org["bob"])
    assert "2 open seats left." in text(client.get(url))


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("ann", "/classes/new", 403),
        ("teacher", "/classes/new", 403),
        ("cai", "DETAIL", 404),  # bureau B is not in the audience
        ("sup_b", "EDIT", 404),  # the organizer is bureau A
        ("ann", "/classes/blackouts", 403),
        ("sup_a", "EDIT", 200),
        ("ann", "DETAIL", 200),
        ("anonymous", "/classes/", 302),
    ],
)
def test_every_page_checks_who_is_asking(
    clock, org, client, as_user, make_class, who, path, status
):
    training_class = make_class(organizer_unit=org["units"]["a"], audience_unit=org["units"]["a"])
    path = path.replace("DETAIL", f"/classes/{training_class.id}").replace(
        "EDIT", f"/classes/{training_class.id}/edit"
    )
    if who != "anonymous":
        as_user(org[who])
    assert client.get(path).status_code == status


def test_input_no_one_meant_to_send_is_refused_and_changes_nothing(
    clock, org, client, as_user, post, make_class
):
    training_class = make_class()
    as_user(org["admin"])
    url = f"/classes/{training_class.id}"
    bad_capacity = post(
        f"{url}/edit",
        CLASS_FORM
        | {
            "organizer_unit_id": str(org["units"]["district"].id),
            "unit_id": "",
            "capacity": "lots",
        },
        token_page=url,
    )
    assert bad_capacity.status_code == 400
    backwards = post(
        f"{url}/sessions",
        {"day": "2027-03-28", "starts_at": "12:00", "ends_at": "09:00"},
        token_page=url,
    )
    assert backwards.status_code == 400 and "must end after it starts" in text(backwards)
    garbage = post(
        f"{url}/sessions", {"day": "someday", "starts_at": "x", "ends_at": "y"}, token_page=url
    )
    assert garbage.status_code == 400
    assert client.get("/classes/999999").status_code == 404
    assert post("/classes/places/999999/approve", {}, token_page=url).status_code == 404
    closed = post(f"{url}/quotas", {"unit_id": "999999", "seats": "1"}, token_page=url)
    assert closed.status_code in (400, 404)
    db.session.expire_all()
    saved = db.session.get(TrainingClass, training_class.id)
    assert (saved.capacity, len(saved.sessions), saved.quotas) == (10, 1, [])


def test_my_classes_api_lists_places_sessions_and_waiting_positions(
    clock, org, client, as_user, post, make_class
):
    training_class = make_class(capacity=1)
    url = f"/classes/{training_class.id}"
    as_user(org["ann"])
    post(f"{url}/signup", {}, token_page=url)
    as_user(org["bob"])
    post(f"{url}/signup", {}, token_page=url)
    body = client.get("/api/v1/me/classes").get_json()
    [entry] = body["classes"]
    assert entry["status"] == "waiting" and entry["waiting_position"] == 1
    assert entry["sessions"][0]["start"] == "2027-03-27T09:00:00+08:00"
    assert entry["sessions"][0]["room"] == "Room 1"
    as_user(org["cai"])
    assert client.get("/api/v1/me/classes").get_json() == {"classes": []}


def test_a_larger_capacity_promotes_the_waiting_list(clock, org, client, as_user, post, make_class):
    training_class = make_class(capacity=1)
    url = f"/classes/{training_class.id}"
    for cadre in (org["ann"], org["bob"]):
        as_user(cadre)
        post(f"{url}/signup", {}, token_page=url)
    as_user(org["admin"])
    smaller = post(
        f"{url}/edit",
        CLASS_FORM
        | {
            "organizer_unit_id": str(org["units"]["district"].id),
            "unit_id": str(org["units"]["district"].id),
            "capacity": "0",
        },
        token_page=url,
    )
    assert smaller.status_code == 400
    form = CLASS_FORM | {
        "organizer_unit_id": str(org["units"]["district"].id),
        "unit_id": str(org["units"]["district"].id),
        "capacity": "2",
    }
    assert post(f"{url}/edit", form, token_page=url).status_code == 302
    assert place(org["bob"], training_class).status == "requested"
    assert "class_promoted" in kinds(org["bob"])


def test_the_class_manager_sees_the_members(clock, org, client, as_user, post, make_class):
    training_class = make_class(manager=org["teacher"])
    url = f"/classes/{training_class.id}"
    as_user(org["ann"])
    post(f"{url}/signup", {}, token_page=url)
    assert "Members" not in text(client.get(url))  # a cadre sees their place, not the others
    as_user(org["teacher"])
    page = text(client.get(url))
    assert "Members" in page and "Ann" in page
    assert training_class.title in text(client.get("/classes/"))


def test_signing_up_outside_the_enrolment_window_is_refused(org, client, as_user, post, make_class):
    import time_machine

    with time_machine.travel("2027-03-21 10:00 +08:00", tick=False):
        training_class = make_class()
        as_user(org["ann"])
        url = f"/classes/{training_class.id}"
        assert "Sign up" not in text(client.get(url))
        response = post(f"{url}/signup", {}, token_page=url)
        assert response.status_code == 409
        assert "not open" in text(response)
        assert place(org["ann"], training_class) is None
        assert training_class.title not in text(client.get("/classes/"))


def test_open_classes_appear_in_the_cadres_course_menu(clock, org, client, as_user, make_class):
    training_class = make_class(audience_unit=org["units"]["a"])
    as_user(org["ann"])
    menu = text(client.get("/courses/"))
    assert "Classes open for sign-up" in menu and training_class.title in menu
    as_user(org["cai"])  # bureau B is not in the audience
    assert "Classes open for sign-up" not in text(client.get("/courses/"))


def test_a_refusal_keeps_its_reason_and_frees_the_seat_and_a_nominee_may_decline(
    clock, org, client, as_user, post, make_class
):
    training_class = make_class(capacity=2)
    url = f"/classes/{training_class.id}"
    as_user(org["admin"])
    post(f"{url}/quotas", {"unit_id": org["units"]["b"].id, "seats": "1"}, token_page=url)
    for cadre in (org["ann"], org["bob"]):  # one open seat: ann holds it, bob waits
        as_user(cadre)
        post(f"{url}/signup", {}, token_page=url)
    as_user(org["sup_a"])
    member = place(org["ann"], training_class)
    too_long = post(
        f"/classes/places/{member.id}/refuse", {"reason": "x" * 501}, token_page="/classes/"
    )
    assert too_long.status_code == 400
    assert place(org["ann"], training_class).status == "requested"
    refused = post(
        f"/classes/places/{member.id}/refuse",
        {"reason": "Budget review that week"},
        token_page="/classes/",
    )
    assert refused.status_code == 302
    ann = place(org["ann"], training_class)
    assert (ann.status, ann.reason) == ("refused", "Budget review that week")
    assert place(org["bob"], training_class).status == "requested"
    assert "class_refused" in kinds(org["ann"])
    # Bureau B's nominee declines; the seat stays bureau B's to give again.
    as_user(org["sup_b"])
    post(
        f"{url}/nominate",
        {"unit_id": org["units"]["b"].id, "cadre": "cai", "reason": "Young cadre"},
        token_page=url,
    )
    nominee = place(org["cai"], training_class)
    as_user(org["cai"])
    assert post(f"/classes/places/{nominee.id}/decline", {}, token_page=url).status_code == 302
    assert place(org["cai"], training_class).status == "declined"
    assert post(f"/classes/places/{nominee.id}/confirm", {}, token_page=url).status_code == 409
    as_user(org["sup_b"])
    again = post(
        f"{url}/nominate",
        {"unit_id": org["units"]["b"].id, "cadre": "cai", "reason": "Asked again"},
        token_page=url,
    )
    assert again.status_code == 302
    assert place(org["cai"], training_class).status == "nominated"


def test_a_refused_class_form_comes_back_as_typed_and_saves_nothing(
    clock, org, client, as_user, post
):
    as_user(org["admin"])
    unit = org["units"]["district"]
    form = CLASS_FORM | {
        "organizer_unit_id": str(unit.id),
        "unit_id": str(unit.id),
        "enrol_opens_on": "2027-03-20",
        "enrol_closes_on": "2027-03-01",
        "manager": "nobody-by-this-name",
    }
    refused = post("/classes/new", form, token_page="/classes/new")
    assert refused.status_code == 400
    assert 'value="Seminar on grassroots governance"' in refused.get_data(as_text=True)
    form["manager"] = ""
    backwards = post("/classes/new", form, token_page="/classes/new")
    assert backwards.status_code == 400
    assert "Enrolment cannot close before it opens." in text(backwards)
    assert db.session.scalar(select(func.count()).select_from(TrainingClass)) == 0


def test_a_unit_that_organizes_a_class_is_not_deleted_with_it(
    clock, org, client, as_user, post, make_unit, make_class
):
    empty = make_unit("District/Empty office")
    training_class = make_class(organizer_unit=empty, audience_unit=org["units"]["a"])
    as_user(org["admin"])
    page = f"/org/units/{empty.id}"
    response = post(f"/org/units/{empty.id}/delete", {}, token_page=page)
    assert response.status_code in (303, 400)
    db.session.expire_all()
    assert db.session.get(TrainingClass, training_class.id) is not None
    assert db.session.get(type(empty), empty.id) is not None
