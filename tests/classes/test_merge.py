"""Merging two cadre records keeps one place per class: one that still counts wins."""

from sqlalchemy import select

from lms.classes import seats
from lms.classes.models import ClassMember
from lms.extensions import db
from lms.home.cadre_merge import merge_cadres


def test_merging_two_cadres_keeps_one_place_per_class(clock, org, make_class, make_user):
    first, second = make_class(title="First"), make_class(title="Second", sessions=[])
    twin = make_user("ann2", roles=["cadre"], unit=org["units"]["a"])
    ann = org["ann"]
    kept_place = seats.sign_up(first, ann)
    seats.cancel(kept_place, ann)  # ann's place in the first class ended
    seats.sign_up(first, twin)  # the twin's still counts
    seats.sign_up(second, twin)
    db.session.commit()
    twin_id = twin.id
    merge_cadres(ann.id, twin_id, org["admin"])
    db.session.commit()
    rows = db.session.execute(
        select(ClassMember.class_id, ClassMember.status).where(ClassMember.user_id == ann.id)
    ).all()
    assert sorted(rows) == sorted([(first.id, "requested"), (second.id, "requested")])
    assert not db.session.scalar(select(ClassMember).where(ClassMember.user_id == twin_id))
