"""Any sequence of sign-ups, approvals, refusals and cancellations keeps the seat rules: never
more seats held than the capacity leaves open, nobody waits while a seat is free, and the
waiting list is numbered 1, 2, 3, … in the order people joined it."""

from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from lms.classes import seats
from lms.classes.errors import ClassError
from lms.classes.models import ClassMember
from lms.classes.scheduling import seats_held
from lms.extensions import db
from lms.notify.models import Notification
from lms.offline.models import AuditEntry

TODAY = date(2027, 3, 1)
OPERATIONS = st.lists(
    # Sign-ups weigh more: the interesting states (a full class, a waiting list) need several.
    st.tuples(
        st.sampled_from(["sign_up", "sign_up", "sign_up", "approve", "refuse", "cancel"]),
        st.integers(0, 3),
    ),
    min_size=2,
    max_size=25,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A cancellation by the holder of the only seat, with someone waiting.
@example(operations=[("sign_up", 0), ("sign_up", 1), ("cancel", 0)], capacity=1)
@given(operations=OPERATIONS, capacity=st.integers(1, 2))
def test_seat_rules_hold_after_any_sequence(app, org, make_user, make_class, operations, capacity):
    if "cadres" not in org:
        org["cadres"] = [org["ann"], org["bob"]] + [
            make_user(f"extra{i}", roles=["cadre"], unit=org["units"]["a"]) for i in range(3)
        ]
        org["class"] = make_class(capacity=3, sessions=[])
    training_class = org["class"]
    for model in (ClassMember, AuditEntry, Notification):
        db.session.execute(delete(model))
    training_class.capacity = capacity
    db.session.commit()
    for name, index in operations:
        cadre = org["cadres"][index]
        member = seats.member_of(training_class, cadre)
        savepoint = db.session.begin_nested()
        try:
            if name == "sign_up":
                seats.sign_up(training_class, cadre, TODAY)
            elif member is None:
                pass
            elif name == "approve":
                seats.approve(member, org["sup_a"])
            elif name == "refuse":
                seats.refuse(member, org["sup_a"], "")
            else:
                seats.cancel(member, cadre, TODAY)
            savepoint.commit()
        except ClassError:
            savepoint.rollback()
        _check(training_class)


def _check(training_class) -> None:
    open_taken, _by_unit = seats_held(training_class)
    assert open_taken <= training_class.capacity
    waiting = list(
        db.session.scalars(
            select(ClassMember)
            .where(ClassMember.class_id == training_class.id, ClassMember.status == "waiting")
            .order_by(ClassMember.waiting_since, ClassMember.id)
        )
    )
    if waiting:
        assert seats.free_open_seats(training_class) == 0
    assert [seats.waiting_position(m) for m in waiting] == list(range(1, len(waiting) + 1))
    people = db.session.scalars(
        select(ClassMember.user_id).where(
            ClassMember.class_id == training_class.id,
            ClassMember.status.in_(("requested", "waiting", "confirmed")),
        )
    ).all()
    assert len(people) == len(set(people))  # one place per cadre
