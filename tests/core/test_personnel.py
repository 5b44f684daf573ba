"""The one normal form of a personnel number (lms.core.personnel) and the column it fills."""

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from lms.core.personnel import clean_personnel_number, digits_without_zeros, personnel_key
from lms.extensions import db
from lms.org.models import Cadre


@pytest.mark.parametrize(
    "written",
    [
        "WY0003",
        "wy0003",
        "Ｗｙ０００３",
        "ＷＹ0003",
        " WY0003 ",
        "\u3000WY0003\u3000",
        "\ufeffWY0003",
        "WY\u200b0003",
        "WY 0003",
    ],
)
def test_variants_of_one_number_share_the_normal_form(written):
    assert personnel_key(written) == "wy0003"


def test_cleaning_keeps_the_case_and_leading_zeros():
    assert clean_personnel_number(" Ｗｙ０００３\u3000") == "Wy0003"
    assert personnel_key("0003") == "0003" != personnel_key("3")
    assert digits_without_zeros("0003") == digits_without_zeros("3") == "3"
    assert digits_without_zeros("000") == "0"
    assert digits_without_zeros("wy0003") is None
    assert digits_without_zeros("") is None


def test_a_variant_cannot_be_stored_twice(app, make_user):
    cadre = make_user("ann").cadre
    cadre.personnel_number = "Ｗ０００３ "
    db.session.commit()
    assert (cadre.personnel_number, cadre.personnel_key) == ("W0003", "w0003")
    other = make_user("bob").cadre
    other.personnel_number = "w0003"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(Cadre.id).where(Cadre.key_matches("ｗ0003"))) == cadre.id


def test_a_bulk_insert_naming_only_the_number_gets_its_normal_form(app, make_user):
    user = make_user("ann", roles=["instructor"])
    db.session.execute(insert(Cadre), [{"user_id": user.id, "personnel_number": "Ｑ０１"}])
    db.session.commit()
    assert db.session.scalar(select(Cadre.personnel_key)) == "q01"
