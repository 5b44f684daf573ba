"""Importing question files: preview, confirm, cancel, encodings, and export round trips."""

import io
import threading

import openpyxl
import pytest
from sqlalchemy import event, select

from lms.banks import editing
from lms.banks.models import Bank, Question
from lms.extensions import db
from tests.banks.conftest import HEADER, add_question, csv_bytes, question_count, xlsx_bytes
from tests.conftest import csrf_token

ROWS = [
    ["single", "党的最高理想是什么？", "共产主义", "小康", "", "A", "2", "党章"],
    ["multiple", "四个意识包括", "政治意识", "大局意识", "服务意识", "A,B", "", "理论、党章"],
    ["判断题", "干部培训实行登记管理。", "", "", "", "对", "1", ""],
    ["填空题", "每年____学时", "", "", "", "70|七十", "", ""],
]


def text(response) -> str:
    return response.get_data(as_text=True)


def test_preview_writes_nothing_and_confirm_writes_everything(client, post, upload, bank):
    response = upload(bank, csv_bytes(ROWS))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/banks/{bank.id}/import/preview")
    preview = text(client.get(f"/banks/{bank.id}/import/preview"))
    assert "党的最高理想是什么？" in preview and "Confirm import" in preview
    assert question_count() == 0
    assert post(f"/banks/{bank.id}/import/confirm").status_code == 302
    assert question_count(bank.id) == 4
    db.session.expire_all()
    questions = db.session.get(Bank, bank.id).questions
    assert [q.kind for q in questions] == ["single", "multiple", "true_false", "fill_blank"]
    assert questions[1].tags == ["理论", "党章"]
    assert [o.is_correct for o in questions[1].options] == [True, True, False]
    assert questions[3].accepted_answers == ["70", "七十"]


def test_cancel_writes_nothing_and_forgets_the_upload(client, post, upload, bank):
    upload(bank, csv_bytes(ROWS))
    assert post(f"/banks/{bank.id}/import/cancel").status_code == 302
    assert question_count() == 0
    assert post(f"/banks/{bank.id}/import/confirm").status_code == 302
    assert question_count() == 0
    assert client.get(f"/banks/{bank.id}/import/preview").status_code == 302


def test_gbk_csv(client, post, upload, bank):
    upload(bank, csv_bytes(ROWS, encoding="gbk"))
    assert "党的最高理想是什么？" in text(client.get(f"/banks/{bank.id}/import/preview"))
    post(f"/banks/{bank.id}/import/confirm")
    assert question_count(bank.id) == 4


def test_utf8_csv_with_bom_and_chinese_headers(client, post, upload, bank):
    header = ["题型", "题目", "选项A", "选项B", "选项C", "答案", "分值", "标签"]
    upload(bank, csv_bytes(ROWS, header=header, encoding="utf-8-sig"))
    preview = text(client.get(f"/banks/{bank.id}/import/preview"))
    assert "not recognized" not in preview
    post(f"/banks/{bank.id}/import/confirm")
    assert question_count(bank.id) == 4


def test_xlsx_with_chinese_headers_and_an_options_column(client, post, upload, bank):
    header = ["题型", "题干", "选项", "正确答案", "难度", "知识点", "答案解析", "部分得分"]
    rows = [
        ["多选题", "下列正确的是", "甲|乙|丙", "AC", "难", "理论", "甲丙正确", "是"],
        ["单选题", "选一个", "x|y", "B", 1, "", "", ""],
    ]
    upload(bank, xlsx_bytes(rows, header=header), "题库.xlsx")
    post(f"/banks/{bank.id}/import/confirm")
    db.session.expire_all()
    first, second = db.session.get(Bank, bank.id).questions
    assert (first.kind, first.difficulty, first.tags, first.explanation) == (
        "multiple",
        3,
        ["理论"],
        "甲丙正确",
    )
    assert first.is_partial_credit is True
    assert [o.is_correct for o in first.options] == [True, False, True]
    assert second.difficulty == 1 and [o.is_correct for o in second.options] == [False, True]


def test_rejected_rows_are_explained_and_block_the_import(client, post, upload, bank):
    rows = [
        *ROWS,
        ["essay", "Write", "", "", "", "", "", ""],
        ["single", "No answer", "a", "b", "", "", "", ""],
        ["single", "Out of range", "a", "b", "", "D", "", ""],
        ["single", "", "a", "b", "", "A", "", ""],
        ["single", "Bad points", "a", "b", "", "A", "-2", ""],
    ]
    upload(bank, csv_bytes(rows))
    preview = text(client.get(f"/banks/{bank.id}/import/preview?status=rejected"))
    assert "Unknown question type “essay”" in preview
    assert "No correct option is marked." in preview
    assert "The correct answer D is not an option: there are 2 options (A to B)." in preview
    assert "The question text is empty." in preview
    assert "Points must be a number above 0" in preview
    assert "Confirm import" not in preview
    assert post(f"/banks/{bank.id}/import/confirm").status_code == 302
    assert question_count() == 0


def test_duplicates_of_the_bank_and_of_earlier_rows_are_skipped(client, post, upload, bank):
    add_question(bank, "党的最高理想是什么？", options=(("共产主义", True), ("小康", False)))
    rows = [*ROWS, ["判断题", "干部培训实行登记管理。", "", "", "", "错", "", ""]]
    upload(bank, csv_bytes(rows))
    preview = text(client.get(f"/banks/{bank.id}/import/preview"))
    assert "The bank already has this question." in preview
    assert "The same question is in row 4." in preview
    post(f"/banks/{bank.id}/import/confirm")
    assert question_count(bank.id) == 1 + 3


def test_confirm_checks_the_bank_again(client, post, upload, bank):
    upload(bank, csv_bytes(ROWS))
    # Someone writes the first question by hand between preview and confirm.
    add_question(bank, "党的最高理想是什么？", options=(("共产主义", True), ("小康", False)))
    post(f"/banks/{bank.id}/import/confirm")
    assert question_count(bank.id) == 1 + 3


def test_unreadable_files_are_refused_at_upload(upload, bank):
    assert "Upload a .csv or .xlsx file." in text(upload(bank, b"x", "questions.txt"))
    assert "not a valid Excel workbook" in text(upload(bank, b"junk", "questions.xlsx"))
    missing = csv_bytes([["single", "Q", "a", "b", "", "A", "", ""]], header=["type", "question"])
    response = upload(bank, missing)
    assert response.status_code == 400
    assert "lacks the required columns" in text(response)
    assert "no questions below it" in text(upload(bank, csv_bytes([])))


def test_an_upload_belongs_to_its_bank(client, post, upload, bank, instructor):
    other = Bank(title="Other bank", owner=instructor)
    db.session.add(other)
    db.session.commit()
    upload(bank, csv_bytes(ROWS))
    assert client.get(f"/banks/{other.id}/import/preview").status_code == 302
    post(f"/banks/{other.id}/import/confirm")
    assert question_count() == 0


def _questions(bank_id):
    db.session.expire_all()
    return [editing.question_data(q) for q in db.session.get(Bank, bank_id).questions]


def test_export_round_trips_in_both_formats_and_languages(client, post, upload, bank, instructor):
    upload(bank, csv_bytes(ROWS))
    post(f"/banks/{bank.id}/import/confirm")
    original = _questions(bank.id)
    for ext in ("xlsx", "csv"):
        for language in ("en", "zh_CN"):
            post(f"/language/{language}", {"next": "/banks/"})
            exported = client.get(f"/banks/{bank.id}/export.{ext}")
            assert exported.status_code == 200
            if ext == "csv":
                assert exported.data.startswith(b"\xef\xbb\xbf")
            empty = Bank(title=f"Copy {ext} {language}", owner=instructor)
            db.session.add(empty)
            db.session.commit()
            upload(empty, exported.data, f"export.{ext}")
            assert post(f"/banks/{empty.id}/import/confirm").status_code == 302
            assert _questions(empty.id) == original, (ext, language)


def test_export_leaves_out_retired_questions(client, bank):
    add_question(bank, "kept")
    retired = add_question(bank, "retired one")
    retired.is_retired = True
    db.session.commit()
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/banks/{bank.id}/export.xlsx").data))
    texts = [row[1] for row in sheet.active.iter_rows(min_row=2, values_only=True)]
    assert texts == ["kept"]


def test_templates_import_cleanly(client, post, upload, bank):
    for ext in ("xlsx", "csv"):
        template = client.get(f"/banks/template.{ext}")
        assert template.status_code == 200
        upload(bank, template.data, f"template.{ext}")
        post(f"/banks/{bank.id}/import/confirm")
    # The second template repeats the first one's questions: skipped as duplicates.
    kinds = db.session.scalars(select(Question.kind).where(Question.bank_id == bank.id)).all()
    assert sorted(kinds) == sorted(["single", "multiple", "true_false", "fill_blank"])


def test_header_is_documented_in_both_languages():
    assert HEADER[0] == "type"


def test_a_second_confirm_of_the_same_preview_adds_nothing(client, post, upload, bank):
    upload(bank, csv_bytes(ROWS))
    token = csrf_token(client, "/")
    # A double click: the second request carries the cookie the first one was sent with.
    cookie = client.get_cookie("session").value
    first = client.post(f"/banks/{bank.id}/import/confirm", data={"csrf_token": token})
    assert first.status_code == 302 and question_count(bank.id) == 4
    client.set_cookie("session", cookie)
    second = client.post(
        f"/banks/{bank.id}/import/confirm", data={"csrf_token": token}, follow_redirects=True
    )
    assert "This import was already applied; nothing more was added." in text(second)
    assert question_count(bank.id) == 4


def test_two_confirms_at_once_add_the_questions_once(app, client, post, upload, bank):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the confirms cannot overlap")
    upload(bank, csv_bytes(ROWS))
    token = csrf_token(client, "/")
    cookie = client.get_cookie("session").value
    url = f"/banks/{bank.id}/import/confirm"
    # Both confirms reach their claim before either makes it; one then waits for the other.
    barrier = threading.Barrier(2, timeout=10)

    def wait_for_the_other(_conn, _cursor, statement, *_args):
        if "last_import_token" in statement and statement.lstrip().upper().startswith("UPDATE"):
            barrier.wait()

    def confirm(results):
        other = app.test_client()
        other.set_cookie("session", cookie)
        with app.app_context():
            response = other.post(url, data={"csrf_token": token}, follow_redirects=True)
            results.append(text(response))

    results = []
    event.listen(db.engine, "before_cursor_execute", wait_for_the_other)
    try:
        threads = [threading.Thread(target=confirm, args=(results,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", wait_for_the_other)
    assert len(results) == 2
    assert question_count(bank.id) == 4
    applied = [page for page in results if "Questions imported: 4 added" in page]
    refused = [page for page in results if "This import was already applied" in page]
    assert len(applied) == 1 and len(refused) == 1
