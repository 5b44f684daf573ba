"""Exemptions: recorded, approved by a second supervisor, and what they do to a quota."""

from datetime import date

import pytest
from sqlalchemy import event, select

from lms.extensions import db
from lms.offline.figures import quota_factors
from lms.offline.models import AuditEntry, Exemption
from tests.offline.conftest import EXEMPTION, calendar_year, direct_exemption

YEAR = calendar_year(2025)


def _exemptions():
    return list(db.session.scalars(select(Exemption).order_by(Exemption.id)))


def test_an_approved_exemption_reduces_the_quota_in_proportion(client, org, login, post):
    ann, bob = org["ann"], org["bob"]
    login(org["sup_a1"])
    response = post("/offline/exemptions/new", {**EXEMPTION, "cadre_ids": [ann.id]})
    assert response.status_code == 302
    [item] = _exemptions()
    # Pending: nothing changes yet, and the recorder cannot approve it.
    assert quota_factors([ann.id], *YEAR) == {ann.id: 1.0}
    post(f"/offline/exemptions/{item.id}/approve")
    db.session.refresh(item)
    assert item.status == "pending"

    client.post("/logout", data={"csrf_token": _token(client)})
    login(org["sup_a2"])
    assert post(f"/offline/exemptions/{item.id}/approve").status_code == 302
    db.session.refresh(item)
    assert item.status == "approved"
    factors = quota_factors([ann.id, bob.id], *YEAR)
    assert factors[ann.id] == pytest.approx(1 - 90 / 365) and factors[bob.id] == 1.0
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "exemption")
    ).all()
    assert actions == ["create", "approve"]


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/account")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kind": "other", "reason": "  "}, "Give the reason."),
        ({"end_date": "2024-12-31"}, "The end date cannot be before the start date."),
        ({"start_date": ""}, "Give the start date."),
        ({"effect": "double"}, "Not a valid choice."),
    ],
)
def test_bad_exemptions_are_explained_and_nothing_is_saved(
    client, org, login, post, change, message
):
    login(org["sup_a1"])
    response = post(
        "/offline/exemptions/new", {**EXEMPTION, "cadre_ids": [org["ann"].id], **change}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _exemptions() == []


def test_other_with_a_reason_for_many_cadres_at_once(client, org, login, post):
    login(org["sup_a1"])
    numbers = f"{org['ann'].cadre.personnel_number}\n{org['bob'].cadre.personnel_number}"
    data = {**EXEMPTION, "kind": "other", "reason": "Flood relief", "personnel_numbers": numbers}
    assert post("/offline/exemptions/new", data).status_code == 302
    items = _exemptions()
    assert sorted(i.user_id for i in items) == sorted([org["ann"].id, org["bob"].id])
    assert {i.reason for i in items} == {"Flood relief"}


def test_a_waiver_and_edits_and_scope(client, org, login, post):
    item = direct_exemption(org["sup_a1"], org["ann"], approver=org["sup_a2"], effect="waive")
    assert quota_factors([org["ann"].id], *YEAR)[org["ann"].id] == 0.0
    login(org["sup_b"])
    assert client.get(f"/offline/exemptions/{item.id}").status_code == 404
    assert post(f"/offline/exemptions/{item.id}/delete").status_code == 404
    client.post("/logout", data={"csrf_token": _token(client)})
    login(org["sup_a2"])
    data = {**EXEMPTION, "kind": "leave", "start_date": "2025-01-01", "end_date": "2025-01-31"}
    assert post(f"/offline/exemptions/{item.id}/edit", data).status_code == 302
    db.session.refresh(item)
    assert (item.status, item.effect) == ("pending", "prorate")
    assert quota_factors([org["ann"].id], *YEAR)[org["ann"].id] == 1.0
    update = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity_id == item.id)
    ).one()
    assert (update.before["effect"], update.after["effect"]) == ("waive", "prorate")
    assert update.before["status"] == "approved"


def test_active_exemptions_for_many_cadres_in_one_query(app, org):
    admin = org["admin"]
    direct_exemption(org["sup_a1"], org["ann"], approver=admin)
    direct_exemption(
        org["sup_a1"],
        org["ann"],
        approver=admin,
        start_date=date(2025, 1, 20),
        end_date=date(2025, 2, 9),  # overlaps the first: 40 days in all
    )
    direct_exemption(org["sup_a1"], org["bob"])  # pending
    direct_exemption(
        org["sup_b"],
        org["cai"],
        approver=admin,
        start_date=date(2024, 2, 1),
        end_date=date(2024, 2, 29),
    )
    ids = [org["ann"].id, org["bob"].id, org["cai"].id]
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        factors = quota_factors(ids, *YEAR)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert factors == {ids[0]: pytest.approx(1 - 40 / 365), ids[1]: 1.0, ids[2]: 1.0}
    leap = quota_factors(ids, *calendar_year(2024))
    assert leap[ids[2]] == pytest.approx(1 - 29 / 366)


def test_the_cadre_page_shows_the_section_and_starts_a_record_for_them(client, org, login):
    direct_exemption(org["sup_a1"], org["ann"])
    login(org["sup_a2"])
    cadre = org["ann"].cadre
    page = client.get(f"/org/cadres/{cadre.id}").get_data(as_text=True)
    assert "Offline training and exemptions" in page and "Illness" not in page and "Leave" in page
    assert f"/offline/new?cadre_id={cadre.id}" in page
    form = client.get(f"/offline/new?cadre_id={cadre.id}").get_data(as_text=True)
    ann_id = org["ann"].id
    assert f'checked id="cadre_ids-0" name="cadre_ids" type="checkbox" value="{ann_id}"' in form
    assert client.get(f"/offline/new?cadre_id={org['cai'].cadre.id}").status_code == 404


def test_a_cadre_sees_their_own_exemption_and_nobody_elses(client, org, login, post):
    own = direct_exemption(org["sup_a1"], org["ann"], approver=org["sup_a2"])
    other = direct_exemption(org["sup_a1"], org["bob"])
    login(org["ann"])
    assert "Leave" in client.get("/offline/mine").get_data(as_text=True)
    page = client.get(f"/offline/exemptions/{own.id}").get_data(as_text=True)
    assert "Approved" in page and ">Edit<" not in page and ">Approve<" not in page
    assert client.get(f"/offline/exemptions/{other.id}").status_code == 404
    assert post(f"/offline/exemptions/{other.id}/approve").status_code == 403
    assert client.get("/offline/exemptions").status_code == 403
