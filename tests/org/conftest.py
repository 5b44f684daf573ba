"""Fixtures for the organization pages: a small unit tree, cadres and users.

Users who log in read English, so tests can check the English source strings.
"""

from types import SimpleNamespace

import pytest

from lms.extensions import db


@pytest.fixture
def tree(make_unit):
    """District → Bureau A (Section A1, Section A2), Bureau B (Section B1)."""
    units = SimpleNamespace(
        district=make_unit("District"),
        bureau_a=make_unit("District/Bureau A"),
        section_a1=make_unit("District/Bureau A/Section A1"),
        section_a2=make_unit("District/Bureau A/Section A2"),
        bureau_b=make_unit("District/Bureau B"),
        section_b1=make_unit("District/Bureau B/Section B1"),
    )
    return units


@pytest.fixture
def make_cadre(make_user):
    """``make_cadre(unit, "Wang Wei", number="WY1", category=c, rank=...)`` returns the Cadre."""

    def _make(unit, display_name=None, number=None, active=True, **fields):
        user = make_user(roles=["cadre"], unit=unit, display_name=display_name or "Cadre")
        cadre = user.cadre
        if number:
            cadre.personnel_number = number
        for name, value in fields.items():
            setattr(cadre, name, value)
        user.is_active_account = active
        db.session.commit()
        return cadre

    return _make


@pytest.fixture
def admin(make_user):
    return make_user("root", roles=["admin"], preferred_language="en")


@pytest.fixture
def supervisor_a(make_user, tree):
    """A supervisor of Bureau A."""
    return make_user("sup_a", roles=["supervisor"], unit=tree.bureau_a, preferred_language="en")
