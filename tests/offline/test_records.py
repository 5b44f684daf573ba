"""Recording offline training: one cadre or many, four-eyes approval, scope, audit, evidence."""

import io
from pathlib import Path

import pytest
from flask import has_request_context, request
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lms.extensions import db
from lms.offline.access import review_refusal
from lms.offline.evidence import EVIDENCE_FOLDER
from lms.offline.figures import OfflineTotals, approved_offline_totals
from lms.offline.lists import pending_counts
from lms.offline.models import AuditEntry, Evidence, OfflineTraining
from tests.conftest import csrf_token
from tests.offline.conftest import TRAINING, calendar_year, direct_record, docx_bytes, pdf_bytes


@pytest.fixture
def switch(client, login):
    """Log the test client out and in as ``user``."""

    def _switch(user):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
        return login(user)

    return _switch


def _records():
    return list(db.session.scalars(select(OfflineTraining).order_by(OfflineTraining.id)))


def _audit(record_id=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if record_id is not None:
        query = query.where(AuditEntry.entity_id == record_id)
    return list(db.session.scalars(query))


def _evidence_files(app) -> list[Path]:
    folder = Path(app.instance_path) / EVIDENCE_FOLDER
    return sorted(folder.glob("*")) if folder.exists() else []


def test_recorder_cannot_approve_own_and_a_second_supervisor_can(client, org, login, post, switch):
    ann = org["ann"]
    login(org["sup_a1"])
    response = post("/offline/new", {**TRAINING, "cadre_ids": [ann.id]})
    assert response.status_code == 302
    [record] = _records()
    assert (record.user_id, record.status, record.days, record.hours) == (ann.id, "pending", 5, 40)
    assert "pending" in client.get(response.headers["Location"]).get_data(as_text=True).lower()

    # Only approved records count; the recorder's own approval is refused.
    year = calendar_year(2025)
    assert approved_offline_totals([ann.id], *year) == {}
    page = client.get(f"/offline/{record.id}").get_data(as_text=True)
    assert "another supervisor must review it" in page and ">Approve<" not in page
    response = post(f"/offline/{record.id}/approve", follow_redirects=True)
    assert "another supervisor must review it" in response.get_data(as_text=True)
    db.session.refresh(record)
    assert record.status == "pending"

    switch(org["sup_a2"])
    assert ">Approve<" in client.get(f"/offline/{record.id}").get_data(as_text=True)
    response = post(f"/offline/{record.id}/approve", follow_redirects=True)
    assert "Approved" in response.get_data(as_text=True)
    db.session.refresh(record)
    assert record.status == "approved" and record.reviewed_by_id == org["sup_a2"].id
    totals = approved_offline_totals([ann.id], *year)
    assert totals[ann.id].hours == 40 and totals[ann.id].days == 5


def test_rejecting_needs_a_reason(client, org, login, post):
    record = direct_record(org["sup_a1"], org["ann"])
    login(org["sup_a2"])
    response = post(f"/offline/{record.id}/reject", {"note": ""}, follow_redirects=True)
    assert "Say why it is rejected." in response.get_data(as_text=True)
    db.session.refresh(record)
    assert record.status == "pending"
    post(f"/offline/{record.id}/reject", {"note": "Wrong dates"})
    db.session.refresh(record)
    assert (record.status, record.review_note) == ("rejected", "Wrong dates")


def test_another_bureau_sees_nothing_and_changes_nothing(client, org, login, post):
    record = direct_record(org["sup_a1"], org["ann"])
    login(org["sup_b"])
    for url in (
        f"/offline/{record.id}",
        f"/offline/{record.id}/edit",
        f"/offline/{record.id}/evidence",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("approve", "reject", "delete"):
        assert post(f"/offline/{record.id}/{action}", {"note": "x"}).status_code == 404
    assert "No offline training has been recorded yet." in client.get("/offline/").get_data(
        as_text=True
    )
    # Another bureau's cadre list is not offered; recording for them is refused as well.
    assert client.get(f"/offline/new?unit_id={org['units']['a'].id}").status_code == 404
    response = post("/offline/new", {**TRAINING, "cadre_ids": [org["ann"].id]})
    assert response.status_code == 400
    assert "not in your units" in response.get_data(as_text=True)
    db.session.refresh(record)
    assert record.status == "pending" and len(_records()) == 1
    # The district's supervisor is above both bureaus and may review.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(org["sup_district"])
    assert post(f"/offline/{record.id}/approve").status_code == 302
    db.session.refresh(record)
    assert record.status == "approved"


def test_many_at_once_by_ticking_and_pasting_share_one_evidence(app, client, org, login, post):
    ann, bob = org["ann"], org["bob"]
    login(org["sup_a1"])
    page = client.get(f"/offline/new?unit_id={org['units']['a'].id}").get_data(as_text=True)
    assert "Ann" in page and "Bob" in page and "Cai" not in page
    response = post(
        f"/offline/new?unit_id={org['units']['a'].id}",
        {
            **TRAINING,
            "cadre_ids": [ann.id],
            # Case and separators do not matter; a cadre both ticked and pasted counts once.
            "personnel_numbers": f" {bob.cadre.personnel_number.lower()},\n"
            f"{ann.cadre.personnel_number}",
            "evidence": (io.BytesIO(pdf_bytes()), "名单 list.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    records = _records()
    assert sorted(r.user_id for r in records) == sorted([ann.id, bob.id])
    assert len({r.evidence_id for r in records}) == 1 and records[0].evidence_id is not None
    assert len(_evidence_files(app)) == 1
    assert [e.action for e in _audit()] == ["create", "create"]
    # Deleting one keeps the shared file; deleting the last removes it (audit rows stay).
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(org["admin"])
    post(f"/offline/{records[0].id}/delete")
    assert len(_evidence_files(app)) == 1
    post(f"/offline/{records[1].id}/delete")
    assert _evidence_files(app) == [] and _records() == []
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    assert [e.action for e in _audit()] == ["create", "create", "delete", "delete"]


def test_unknown_personnel_numbers_are_named_and_nothing_is_recorded(client, org, login, post):
    login(org["sup_a1"])
    response = post(
        "/offline/new",
        {
            **TRAINING,
            "personnel_numbers": f"{org['ann'].cadre.personnel_number} NOPE-1 "
            f"{org['cai'].cadre.personnel_number}",
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "NOPE-1" in text and org["cai"].cadre.personnel_number in text
    assert _records() == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"end_date": "2025-03-01"}, "The end date cannot be before the start date."),
        ({"hours": "10"}, "Give either the hours or the days, not both."),
        ({"days": ""}, "Give either the hours or the days, not both."),
        ({"days": "0"}, "The figure must be more than zero."),
        ({"days": "6"}, "More training than the dates allow (5 calendar days)."),
        ({"title": "  "}, "Give the title."),
        ({"start_date": "03/03/2025"}, "Not a valid date value."),
        ({"training_type": "holiday"}, "Not a valid choice."),
        ({"cadre_ids": []}, "Choose at least one cadre."),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(app, client, org, login, post, change, message):
    login(org["sup_a1"])
    data = {**TRAINING, "cadre_ids": [org["ann"].id], **change}
    data["evidence"] = (io.BytesIO(pdf_bytes()), "proof.pdf")
    response = post("/offline/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _records() == [] and _audit() == [] and _evidence_files(app) == []


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"MZ\x90\x00 not a document", "proof.pdf", "must be a PDF, JPEG, PNG or Word"),
        (pdf_bytes(), "proof.exe", "must be a PDF, JPEG, PNG or Word"),
        (b"PK\x03\x04 broken zip", "proof.docx", "must be a PDF, JPEG, PNG or Word"),
        (b"", "empty.pdf", "The evidence file is empty."),
        (b"%PDF-" + b"0" * (1024 * 1024), "big.pdf", "at most 1 MB"),
    ],
)
def test_bad_evidence_files_are_refused(app, client, org, login, post, content, name, message):
    app.config["OFFLINE_EVIDENCE_MAX_MB"] = 1
    login(org["sup_a1"])
    data = {**TRAINING, "cadre_ids": [org["ann"].id], "evidence": (io.BytesIO(content), name)}
    response = post("/offline/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _records() == [] and _evidence_files(app) == []


def test_evidence_download_only_for_those_who_may_see_the_record(app, client, org, login, post):
    login(org["sup_a1"])
    data = {
        **TRAINING,
        "cadre_ids": [org["ann"].id],
        "evidence": (io.BytesIO(docx_bytes()), "../../证明 <x>.docx"),
    }
    assert post("/offline/new", data, content_type="multipart/form-data").status_code == 302
    [record] = _records()
    url = f"/offline/{record.id}/evidence"
    for user, status in (
        (org["sup_a2"], 200),
        (org["ann"], 200),  # the cadre sees their own
        (org["bob"], 404),  # a colleague does not
        (org["sup_b"], 404),  # another bureau's supervisor does not
    ):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
        login(user)
        response = client.get(url)
        assert response.status_code == status, user.username
        if status == 200:
            assert response.data == docx_bytes()
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment")
            assert ".." not in disposition and "/" not in disposition and "<" not in disposition
            assert record.user.cadre.personnel_number in disposition
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_cadre_sees_their_own_records_read_only(client, org, login, post):
    record = direct_record(org["sup_a1"], org["ann"], approver=org["sup_a2"])
    other = direct_record(org["sup_a1"], org["bob"])
    login(org["ann"])
    mine = client.get("/offline/mine").get_data(as_text=True)
    assert "Saturday seminar" in mine and f"/offline/{other.id}" not in mine
    page = client.get(f"/offline/{record.id}").get_data(as_text=True)
    assert "Saturday seminar" in page and ">Edit<" not in page and ">Delete<" not in page
    assert client.get(f"/offline/{other.id}").status_code == 404
    assert client.get(f"/offline/{record.id}/edit").status_code == 403
    assert post(f"/offline/{record.id}/delete").status_code == 403
    assert client.get("/offline/").status_code == 403


def test_editing_an_approved_record_sends_it_back_and_is_audited(client, org, login, post):
    record = direct_record(org["sup_a1"], org["ann"], approver=org["sup_a2"])
    login(org["sup_a2"])
    form = {
        **TRAINING,
        "training_type": record.training_type,
        "title": "Saturday seminar (corrected)",
        "start_date": "2025-05-10",
        "end_date": "2025-05-11",
        "days": "",
        "hours": "12",
    }
    response = post(f"/offline/{record.id}/edit", form)
    assert response.status_code == 302
    db.session.refresh(record)
    assert (record.status, record.reviewed_by_id, record.hours, record.days) == (
        "pending",
        None,
        12,
        1.5,
    )
    # sup_a2 changed it last, so now sup_a1 (the recorder) may... not: the recorder never may.
    assert review_refusal(org["sup_a2"], record)
    assert review_refusal(org["sup_a1"], record)
    assert review_refusal(org["sup_district"], record) is None
    assert approved_offline_totals([org["ann"].id], *calendar_year(2025)) == {}

    create, approve, update = _audit(record.id)
    assert (create.action, create.before, create.after["title"]) == (
        "create",
        None,
        "Saturday seminar",
    )
    assert approve.action == "approve"
    assert (approve.before["status"], approve.after["status"]) == ("pending", "approved")
    assert update.action == "update" and update.actor_id == org["sup_a2"].id
    assert update.before["title"] == "Saturday seminar" and update.before["status"] == "approved"
    assert update.after["title"] == "Saturday seminar (corrected)"
    assert (update.before["days"], update.after["days"]) == (2, 1.5)
    history = client.get(f"/offline/{record.id}").get_data(as_text=True)
    assert "Edited" in history
    assert "Title: Saturday seminar → Saturday seminar (corrected)" in history
    assert "Status: Approved → Pending approval" in history
    assert "Reviewed by: Sup_A2 → —" in history

    # Saving the same values again changes nothing and logs nothing.
    post(f"/offline/{record.id}/edit", form)
    assert len(_audit(record.id)) == 3


def test_deleting_keeps_the_history_and_approved_ones_need_an_admin(client, org, login, post):
    approved = direct_record(org["sup_a1"], org["ann"], approver=org["sup_a2"])
    pending_id = direct_record(org["sup_a1"], org["bob"]).id
    login(org["sup_a2"])
    response = post(f"/offline/{approved.id}/delete", follow_redirects=True)
    assert "only be deleted by an administrator" in response.get_data(as_text=True)
    assert db.session.get(OfflineTraining, approved.id) is not None
    assert post(f"/offline/{pending_id}/delete").status_code == 302
    assert db.session.get(OfflineTraining, pending_id) is None
    delete = _audit(pending_id)[-1]
    assert delete.action == "delete" and delete.after is None
    assert delete.before["title"] == "Saturday seminar" and delete.actor_id == org["sup_a2"].id
    # The unit's audit list still shows the deleted record's history.
    audit = client.get(f"/offline/audit?entity=offline_training&entity_id={pending_id}")
    assert audit.status_code == 200 and "Deleted" in audit.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(org["sup_b"])
    assert "Bob" not in client.get("/offline/audit").get_data(as_text=True)


def test_pending_count_and_list_filters(app, client, org, login):
    direct_record(org["sup_a1"], org["ann"])
    direct_record(org["sup_a1"], org["bob"], approver=org["sup_a2"], training_type="secondment")
    direct_record(
        org["sup_b"],
        org["cai"],
        start_date=calendar_year(2024)[0],
        end_date=calendar_year(2024)[0],
        days=1,
    )
    assert pending_counts(org["sup_a1"])["offline_training"] == 0  # their own
    assert pending_counts(org["sup_a2"])["offline_training"] == 1
    assert pending_counts(org["sup_district"])["offline_training"] == 2
    login(org["sup_district"])
    page = client.get("/offline/").get_data(as_text=True)
    assert "2 records wait for your approval." in page
    assert "3 records found." in page
    assert "2 records found." in client.get("/offline/?status=pending").get_data(as_text=True)
    assert "1 record found." in client.get("/offline/?kind=secondment").get_data(as_text=True)
    assert "2 records found." in client.get("/offline/?year=2025").get_data(as_text=True)
    b = org["units"]["b"].id
    assert "1 record found." in client.get(f"/offline/?unit={b}").get_data(as_text=True)
    app.config["PAGE_SIZE"] = 2
    page = client.get("/offline/").get_data(as_text=True)
    assert "Page 1 of 2" in page


def test_offline_totals_are_set_based_and_count_only_approved_in_range(app, org):
    admin, sup = org["admin"], org["sup_a1"]
    direct_record(sup, org["ann"], approver=admin, days=2)
    direct_record(sup, org["ann"], approver=admin, hours=4, days=None)
    direct_record(sup, org["ann"])  # pending: does not count
    direct_record(
        sup,
        org["bob"],
        approver=admin,
        start_date=calendar_year(2025)[1],
        end_date=calendar_year(2026)[0],
        days=2,
    )  # ends in 2026
    ids = [org["ann"].id, org["bob"].id, org["cai"].id]
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        totals = approved_offline_totals(ids, *calendar_year(2025))
        next_year = approved_offline_totals(ids, *calendar_year(2026))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 2
    assert totals == {ids[0]: OfflineTotals(hours=20, days=2.5, records=2)}
    assert next_year[ids[1]].days == 2


def _record_with_evidence(app, org, login, post):
    """A supervisor records a training for Ann with a PDF: the record and its stored file."""
    login(org["sup_a1"])
    data = {
        **TRAINING,
        "cadre_ids": [org["ann"].id],
        "evidence": (io.BytesIO(pdf_bytes()), "a.pdf"),
    }
    assert post("/offline/new", data, content_type="multipart/form-data").status_code == 302
    [record] = _records()
    [stored] = _evidence_files(app)
    return record, stored


def test_a_new_evidence_file_replaces_the_old_one(app, client, org, login, post):
    record, old_file = _record_with_evidence(app, org, login, post)
    old_evidence = record.evidence_id
    # Saving without a file keeps the evidence.
    assert post(f"/offline/{record.id}/edit", {**TRAINING, "title": "Renamed"}).status_code == 302
    db.session.refresh(record)
    assert record.evidence_id == old_evidence and _evidence_files(app) == [old_file]
    edit = {**TRAINING, "title": "Renamed", "evidence": (io.BytesIO(docx_bytes()), "b.docx")}
    response = post(f"/offline/{record.id}/edit", edit, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.evidence.extension == "docx" and record.evidence_id != old_evidence
    [new_file] = _evidence_files(app)
    assert new_file != old_file and new_file.read_bytes() == docx_bytes()
    update = _audit(record.id)[-1]
    assert (update.before["evidence_id"], update.after["evidence_id"]) == (
        old_evidence,
        record.evidence_id,
    )


@pytest.fixture
def failing_commit(app):
    """Make the COMMIT of offline form posts fail, as a database that refuses it would."""

    def refuse(_conn):
        if has_request_context() and request.method == "POST" and request.path.startswith("/off"):
            raise OperationalError("COMMIT", {}, Exception("the database refused the commit"))

    event.listen(db.engine, "commit", refuse)
    yield
    event.remove(db.engine, "commit", refuse)


def test_a_failed_save_leaves_no_file_and_keeps_the_form(app, client, org, login, failing_commit):
    login(org["sup_a1"])
    data = {
        **TRAINING,
        "title": "Autumn class 秋季班",
        "cadre_ids": [org["ann"].id, org["bob"].id],
        "evidence": (io.BytesIO(pdf_bytes()), "proof.pdf"),
    }
    data["csrf_token"] = csrf_token(client, "/offline/new")
    response = client.post("/offline/new", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "It could not be saved, so nothing was changed." in page
    assert "Autumn class 秋季班" in page and "District party school" in page
    assert "record(s) saved" not in page
    assert _records() == [] and _audit() == [] and _evidence_files(app) == []
    assert list(db.session.scalars(select(Evidence))) == []
    # Nor does the next page show a success for the save that did not happen.
    assert "record(s) saved" not in client.get("/offline/").get_data(as_text=True)


def test_a_failed_edit_keeps_the_old_evidence_and_leaves_no_new_file(app, client, org, login, post):
    record, old_file = _record_with_evidence(app, org, login, post)
    old_evidence, audit_before = record.evidence_id, len(_audit(record.id))

    def refuse(session, _context, _instances):
        if any(isinstance(item, AuditEntry) for item in session.new):
            raise OperationalError("INSERT", {}, Exception("the database refused the row"))

    edit = {**TRAINING, "title": "Renamed", "evidence": (io.BytesIO(docx_bytes()), "b.docx")}
    event.listen(Session, "before_flush", refuse)
    try:
        response = post(f"/offline/{record.id}/edit", edit, content_type="multipart/form-data")
    finally:
        event.remove(Session, "before_flush", refuse)
    assert response.status_code == 400
    assert "It could not be saved, so nothing was changed." in response.get_data(as_text=True)
    db.session.refresh(record)
    assert (record.title, record.evidence_id) == (TRAINING["title"], old_evidence)
    assert _evidence_files(app) == [old_file] and old_file.read_bytes() == pdf_bytes()
    assert len(_audit(record.id)) == audit_before
