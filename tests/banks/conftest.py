"""Fixtures for question banks: files built in memory, a bank with an instructor logged in."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.banks.models import Bank, Option, Question
from lms.extensions import db

HEADER = ["type", "question", "option_a", "option_b", "option_c", "correct", "points", "tags"]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def question_count(bank_id=None) -> int:
    db.session.expire_all()
    query = select(func.count(Question.id))
    if bank_id is not None:
        query = query.where(Question.bank_id == bank_id)
    return db.session.scalar(query)


def add_question(bank, text="1 + 1 = ?", kind="single", options=(("2", True), ("3", False))):
    question = Question(bank=bank, kind=kind, text=text, position=len(bank.questions) + 1)
    question.options = [
        Option(text=option, is_correct=ok, position=i) for i, (option, ok) in enumerate(options)
    ]
    db.session.add(question)
    db.session.commit()
    return question


@pytest.fixture
def instructor(make_user, login):
    user = make_user("teacher", roles=["instructor"])
    login(user)
    return user


@pytest.fixture
def bank(instructor):
    bank = Bank(title="Party history", owner=instructor)
    db.session.add(bank)
    db.session.commit()
    return bank


@pytest.fixture
def upload(post):
    """``upload(bank, data, "q.csv")`` posts a file to the bank's import form."""

    def _upload(bank, data: bytes, filename: str = "questions.csv"):
        return post(
            f"/banks/{bank.id}/import",
            {"file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )

    return _upload
