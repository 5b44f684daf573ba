"""Fixtures for the roster import: roster files built in memory, DB counts, uploads."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import Cadre, Unit

HEADER = ["personnel_number", "name", "unit", "category", "rank", "date_of_birth", "is_reserve"]


@pytest.fixture
def categories(app):
    ensure_default_categories()
    db.session.commit()


def csv_bytes(rows, encoding="utf-8", header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, leading_blank_rows=0) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(leading_blank_rows):
        sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counts() -> dict:
    """Rows in the tables an import writes to."""
    db.session.expire_all()
    return {
        "users": db.session.scalar(select(func.count(User.id))),
        "cadres": db.session.scalar(select(func.count(Cadre.id))),
        "units": db.session.scalar(select(func.count(Unit.id))),
    }


def cadre(number: str) -> Cadre | None:
    db.session.expire_all()
    return db.session.scalar(select(Cadre).where(Cadre.personnel_number == number))


@pytest.fixture
def upload(post):
    """``upload(data, "roster.csv")`` posts a file to the upload form."""

    def _upload(data: bytes, filename: str = "roster.csv"):
        return post(
            "/roster/",
            {"file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )

    return _upload


@pytest.fixture
def admin(make_user, login):
    user = make_user("boss", roles=["admin"])
    login(user)
    return user


def page_text(response) -> str:
    return response.get_data(as_text=True)
