"""A district with two bureaus, supervisors and cadres, and helpers to record through the pages."""

import io
import zipfile
from datetime import date

import pytest

from lms.extensions import db
from lms.offline.models import OfflineTraining
from lms.offline.recording import record_exemptions, record_offline_training, review


@pytest.fixture
def org(app, make_unit, make_user):
    district = make_unit("District")
    bureau_a = make_unit("District/Bureau A")
    bureau_b = make_unit("District/Bureau B")
    people = {
        "admin": make_user("boss", roles=["admin"]),
        "sup_a1": make_user("sup_a1", roles=["supervisor"], unit=bureau_a),
        "sup_a2": make_user("sup_a2", roles=["supervisor"], unit=bureau_a),
        "sup_b": make_user("sup_b", roles=["supervisor"], unit=bureau_b),
        "sup_district": make_user("sup_d", roles=["supervisor"], unit=district),
        "ann": make_user("ann", roles=["cadre"], unit=bureau_a),
        "bob": make_user("bob", roles=["cadre"], unit=bureau_a),
        "cai": make_user("cai", roles=["cadre"], unit=bureau_b),
    }
    return {"units": {"district": district, "a": bureau_a, "b": bureau_b}, **people}


TRAINING = {
    "training_type": "party_school",
    "title": "Spring class",
    "provider": "District party school",
    "start_date": "2025-03-03",
    "end_date": "2025-03-07",
    "days": "5",
    "hours": "",
}

EXEMPTION = {
    "kind": "illness",
    "reason": "",
    "start_date": "2025-01-01",
    "end_date": "2025-03-31",
    "effect": "prorate",
}


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Fixed timestamps: the same bytes on every call.
        for name, text in (("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:doc/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def direct_record(recorder, cadre, approver=None, **overrides) -> OfflineTraining:
    """A record made through the service (and approved by ``approver`` when given)."""
    fields = {
        "training_type": "weekend_class",
        "title": "Saturday seminar",
        "provider": "",
        "start_date": date(2025, 5, 10),
        "end_date": date(2025, 5, 11),
        "hours": None,
        "days": 2,
        **overrides,
    }
    [record] = record_offline_training(recorder, [cadre], fields)
    if approver is not None:
        review(approver, record, True)
    db.session.commit()
    return record


def direct_exemption(recorder, cadre, approver=None, **overrides):
    fields = {
        "kind": "leave",
        "reason": "",
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 1, 31),
        "effect": "prorate",
        **overrides,
    }
    [item] = record_exemptions(recorder, [cadre], fields)
    if approver is not None:
        review(approver, item, True)
    db.session.commit()
    return item


def calendar_year(year: int) -> tuple[date, date]:
    """1 January to 31 December of ``year``: a span of dates for the tests' records (the
    statistics year is lms.core.statsyear's)."""
    return date(year, 1, 1), date(year, 12, 31)
