"""A district with two bureaus, supervisors and cadres, and a weekend class of the district
taking sign-ups on 1 March 2027 (the clock of these tests)."""

from datetime import date, time

import pytest

from lms.classes import scheduling
from lms.extensions import db
from lms.plans.audiences import AudienceInput

TODAY = "2027-03-01 10:00 +08:00"


@pytest.fixture
def clock():
    import time_machine

    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(app, make_unit, make_user):
    district = make_unit("District")
    bureau_a = make_unit("District/Bureau A")
    bureau_b = make_unit("District/Bureau B")
    people = {
        "admin": make_user("boss", roles=["admin"]),
        "sup_a": make_user("sup_a", roles=["supervisor"], unit=bureau_a),
        "sup_b": make_user("sup_b", roles=["supervisor"], unit=bureau_b),
        "sup_district": make_user("sup_d", roles=["supervisor"], unit=district),
        "ann": make_user("ann", roles=["cadre"], unit=bureau_a),
        "bob": make_user("bob", roles=["cadre"], unit=bureau_a),
        "cai": make_user("cai", roles=["cadre"], unit=bureau_b),
        "teacher": make_user("teacher", roles=["instructor"]),
    }
    return {"units": {"district": district, "a": bureau_a, "b": bureau_b}, **people}


@pytest.fixture
def make_class(org):
    """``make_class(capacity=2, audience_unit=..., sessions=[(day, start, end)])``, saved."""

    def _make(
        title="Weekend class on rural revitalization",
        capacity=10,
        audience_unit=None,
        include_sub_units=True,
        sessions=((date(2027, 3, 27), time(9), time(12)),),
        **fields,
    ):
        data = scheduling.ClassInput(
            class_type=fields.pop("class_type", "weekend"),
            title=title,
            organizer_unit=fields.pop("organizer_unit", org["units"]["district"]),
            institution=fields.pop("institution", "District party school"),
            manager=fields.pop("manager", None),
            venue=fields.pop("venue", "Party school, hall 2"),
            description="",
            enrol_opens_on=fields.pop("enrol_opens_on", date(2027, 2, 15)),
            enrol_closes_on=fields.pop("enrol_closes_on", date(2027, 3, 20)),
            cancel_until=fields.pop("cancel_until", date(2027, 3, 25)),
            capacity=capacity,
            audience=AudienceInput(
                unit=audience_unit or org["units"]["district"],
                include_sub_units=include_sub_units,
            ),
        )
        training_class = scheduling.save_class(None, data, org["admin"])
        for day, start, end in sessions:
            scheduling.add_session(training_class, day, start, end, "Room 1", "Prof. Li", "Topic")
        db.session.commit()
        return training_class

    return _make


@pytest.fixture
def as_user(client, login):
    """``as_user(user)``: the test client forgets who it was and logs in as ``user``."""

    def _as(user):
        client.delete_cookie("session")
        return login(user)

    return _as
