"""The non-participation list and the five-year rule."""

import csv
import io
from datetime import date

from lms.assessment.participation import cycle_for, non_participation, without_general_training
from lms.extensions import db
from lms.offline.models import OfflineTraining


def test_the_list_names_who_did_not_take_part_without_exemption(app, district):
    units = {u.name_path: u for u in non_participation(2026, district["units"]["district"])}
    a, b = units["District/Bureau A"], units["District/Bureau B"]
    # Waived and Half have approved exemptions (any exemption in the year takes a cadre
    # off the list); Full (50 h) and Short (20 h of 50: 40% ≥ 10%) took part.
    assert (a.cadres, a.exempt, a.participants) == (4, 2, 2)
    assert a.absent == [] and a.rate == 1.0
    assert (b.cadres, b.participants, b.absent) == (1, 1, [])


def test_a_cadre_with_no_hours_or_too_few_is_listed(app, make_user, district):
    idle = make_user("idle", unit=district["units"]["b"])
    trickle = make_user("trickle", unit=district["units"]["b"])
    from tests.assessment.conftest import credit

    credit(trickle, 4.9, date(2026, 5, 1))  # 9.8% of 50 h
    credit(idle, 10, date(2026, 12, 3))  # after the cut-off: 2027's
    db.session.commit()
    ranked = non_participation(2026, None)
    b = next(u for u in ranked if u.name_path == "District/Bureau B")
    assert sorted(c.name for c in b.absent) == ["Idle", "Trickle"]
    assert round(b.rate, 3) == round(1 / 3, 3)
    assert ranked[0] is b  # the lowest rate first


def test_an_exemption_takes_a_cadre_off_the_list(app, make_user, district):
    from lms.offline.models import Exemption

    idle = make_user("idle", unit=district["units"]["b"])
    db.session.add(
        Exemption(
            user_id=idle.id,
            kind="illness",
            start_date=date(2026, 3, 1),
            end_date=date(2026, 3, 31),
            status="approved",
        )
    )
    db.session.commit()
    b = next(u for u in non_participation(2026, None) if u.name_path == "District/Bureau B")
    assert b.absent == [] and b.exempt == 1


def test_the_page_and_export_are_scoped(app, client, login, post, make_user, district):
    idle = make_user("idle", unit=district["units"]["b"])
    assert idle
    login(make_user("boss_a", roles=["supervisor"], unit=district["units"]["a"]))
    page = client.get("/assessment/non-participation?year=2026").get_data(as_text=True)
    assert "Bureau A" in page and "Bureau B" not in page and "Idle" not in page
    assert (
        client.get(
            f"/assessment/non-participation?year=2026&unit={district['units']['b'].id}"
        ).status_code
        == 404
    )
    post("/logout", token_page="/")
    login(make_user("root", roles=["admin"]))
    data = client.get("/assessment/non-participation.csv?year=2026").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0][:3] == ["Unit", "Personnel number", "Name"]
    assert [r[2] for r in rows[1:]] == ["Idle"]


def test_cycles_follow_on_from_the_start_year():
    assert cycle_for(2026, 2023) == (2023, 2027)
    assert cycle_for(2028, 2023) == (2028, 2032)
    assert cycle_for(2022, 2023) == (2018, 2022)


def test_the_five_year_list(app, client, login, make_user, district):
    people = district["people"]
    db.session.add_all(
        [
            OfflineTraining(
                user_id=people["full"].id,
                training_type="party_school",
                title="Spring class",
                start_date=date(2024, 4, 1),
                end_date=date(2024, 4, 10),
                hours=80,
                days=10,
                status="approved",
            ),
            OfflineTraining(  # before the cycle: does not count
                user_id=people["half"].id,
                training_type="party_school",
                title="Old class",
                start_date=date(2022, 4, 1),
                end_date=date(2022, 4, 10),
                hours=80,
                days=10,
                status="approved",
            ),
        ]
    )
    db.session.commit()
    cycle, grouped = without_general_training(2026, None)
    assert cycle == (2023, 2027)
    names = {path: [c.name for c in cadres] for path, cadres in grouped.items()}
    # Short's pending record does not count.
    assert names == {
        "District/Bureau A": ["Half", "Short", "Waived"],
        "District/Bureau B": ["Other"],
    }
    login(make_user("root", roles=["admin"]))
    page = client.get("/assessment/five-year?year=2026").get_data(as_text=True)
    assert "Cycle 2023–2027" in page and "Waived" in page and "Full" not in page


def test_a_unit_whose_cadres_are_all_exempted_has_no_rate(app, client, login, make_user, district):
    """No one was expected to take part: the list shows no rate (neither 0 % nor 100 %),
    says why, and ranks the unit after those with a rate."""
    from lms.offline.models import Exemption

    db.session.add(
        Exemption(
            user_id=district["people"]["other"].id,
            kind="illness",
            start_date=date(2026, 3, 1),
            end_date=date(2026, 3, 31),
            status="approved",
        )
    )
    db.session.commit()
    ranked = non_participation(2026, None)
    assert ranked[-1].name_path == "District/Bureau B" and ranked[-1].rate is None
    login(make_user("root", roles=["admin"]))
    page = client.get(
        "/assessment/non-participation?year=2026", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    row = page[page.index('<th scope="row">District/Bureau B') :].split("</tr>")[0]
    assert "Every cadre of the unit is exempted" in row and "%" not in row
