"""Runs: every cadre of a subtree assessed from the ledger, stored as a snapshot, explained."""

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.assessment import services
from lms.assessment.labels import render_line
from lms.assessment.models import AssessmentResult, AssessmentRun
from lms.assessment.rules import Formula
from lms.extensions import db
from tests.assessment.conftest import credit


def results(run):
    return {
        r.display_name: r
        for r in db.session.scalars(
            select(AssessmentResult).where(AssessmentResult.run_id == run.id)
        )
    }


def test_a_run_grades_each_cadre_of_the_subtree(app, district):
    run = services.run_assessment(2026, district["units"]["a"])
    db.session.commit()

    got = results(run)
    assert set(got) == {"Full", "Short", "Waived", "Half"}  # Bureau B is outside
    # 50 of 50 h: 60 + 10 (nothing required) + 10 (no days owed) + 20 × 80% = 96.
    assert got["Full"].total == 96.0 and got["Full"].band == "excellent"
    assert got["Full"].inputs["quiz_scores"] == [80.0]
    # 20 h by the cut-off (the 40 h in December are 2027's); a pending exemption is no
    # exemption: the quota rule makes it not competent.
    assert got["Short"].inputs["online_hours"] == 20.0
    assert got["Short"].inputs["offline_days"] == 0.0
    assert got["Short"].band == "not_competent"
    assert got["Waived"].band == "exempt"
    # 183 of 365 days exempted: 50 × 182/365 = 24.93 h owed, 25.2 done.
    half = got["Half"]
    assert round(half.inputs["quota_factor"], 4) == round(182 / 365, 4)
    assert half.band == "competent" and half.total == 80.0
    assert run.band_counts == {"excellent": 1, "not_competent": 1, "exempt": 1, "competent": 1}
    assert run.version == 1 and run.window_start == date(2025, 12, 1)


def test_a_result_explains_itself_line_by_line(app, client, login, make_user, district):
    run = services.run_assessment(2026, None)
    db.session.commit()
    short = results(run)["Short"]
    texts = [render_line(line["kind"], line["params"]) for line in short.lines]
    assert texts[0] == (
        "Hours this year: 20.0 online, of which 0.0 in required courses; "
        "0.0 days of offline training."
    )
    assert "Online hours: 20.0 of 50.0 owed, 24.0 of 60.0 points." in texts
    assert texts[-2].startswith("The online quota is not met (20.0 of 50.0 hours)")
    assert texts[-1] == "Result: Not competent."

    login(make_user("root", roles=["admin"]))
    page = client.get(f"/assessment/runs/{run.id}/cadres/{short.user_id}").get_data(as_text=True)
    assert "How this result was reached" in page
    assert "Online hours: 20.0 of 50.0 owed, 24.0 of 60.0 points." in page


def test_a_stored_run_never_changes_and_a_rerun_is_compared(
    app, client, login, make_user, district
):
    first = services.run_assessment(2026, None)
    db.session.commit()
    before = {name: (r.total, r.band) for name, r in results(first).items()}

    # Later: more hours, and a stricter formula.
    credit(district["people"]["short"], 30, date(2026, 11, 1))
    services.save_formula(None, Formula(excellent_from=97))
    db.session.commit()
    assert {name: (r.total, r.band) for name, r in results(first).items()} == before

    second = services.run_assessment(2026, None)
    db.session.commit()
    assert second.version == 2 and second.formula["excellent_from"] == 97
    after = results(second)
    # 50 h now: 60 + 10 + 10 + 0 (no exam) = 80, competent instead of not competent.
    assert (after["Short"].total, after["Short"].band) == (80.0, "competent")
    assert (after["Full"].total, after["Full"].band) == (96.0, "competent")
    login(make_user("root", roles=["admin"]))
    page = client.get(f"/assessment/runs/{second.id}/compare/{first.id}").get_data(as_text=True)
    assert "Short" in page and "Full" in page  # Full: 96 is no longer excellent
    assert "Other" not in page  # unchanged results are not listed


def test_supervisors_run_and_see_only_their_subtree(app, client, login, post, make_user, district):
    units = district["units"]
    boss_a = make_user("boss_a", roles=["supervisor"], unit=units["a"])
    login(boss_a)
    response = post("/assessment/", {"year": "2026", "unit": str(units["b"].id)}, "/assessment/")
    assert response.status_code == 400  # Bureau B is not a choice for them
    assert db.session.scalar(select(func.count(AssessmentRun.id))) == 0

    response = post("/assessment/", {"year": "2026", "unit": str(units["a"].id)}, "/assessment/")
    assert response.status_code == 302
    run_a = db.session.scalar(select(AssessmentRun))
    assert run_a.run_by_id == boss_a.id and run_a.cadre_count == 4

    run_b = services.run_assessment(2026, units["b"])
    db.session.commit()
    assert client.get(f"/assessment/runs/{run_b.id}").status_code == 404
    other = results(run_b)["Other"]
    assert client.get(f"/assessment/runs/{run_b.id}/cadres/{other.user_id}").status_code == 404
    assert client.get(f"/assessment/runs/{run_b.id}/export.csv").status_code == 404
    listing = client.get("/assessment/").get_data(as_text=True)
    assert f"/assessment/runs/{run_a.id}" in listing
    assert f"/assessment/runs/{run_b.id}" not in listing


def test_a_year_without_a_plan_cannot_be_assessed(app, client, login, post, make_user, district):
    login(make_user("root", roles=["admin"]))
    response = post("/assessment/", {"year": "2031", "unit": ""}, "/assessment/")
    assert response.status_code == 400
    assert "There is no plan for 2031 yet" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AssessmentRun.id))) == 0


def test_the_export_holds_the_same_numbers(app, client, login, make_user, district):
    run = services.run_assessment(2026, None)
    db.session.commit()
    login(make_user("root", roles=["admin"]))
    response = client.get(f"/assessment/runs/{run.id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 5
    assert rows["Full"][3:] == (50.0, 50.0, 0.0, 0.0, 96.0, "Excellent")
    assert rows["Waived"][4] == 0 and rows["Waived"][8] == "Exempt"
    csv_text = client.get(f"/assessment/runs/{run.id}/export.csv?band=exempt").data.decode(
        "utf-8-sig"
    )
    assert "Waived" in csv_text and "Full" not in csv_text


def test_the_cli_runs_the_assessment(app, district):
    result = app.test_cli_runner().invoke(
        args=["assess", "--year", "2026", "--unit", "District/Bureau B"]
    )
    assert result.exit_code == 0, result.output
    assert "assessed 1 cadres for 2026, version 1" in result.output
    bad = app.test_cli_runner().invoke(args=["assess", "--year", "2026", "--unit", "Nowhere"])
    assert bad.exit_code != 0 and "no unit" in bad.output


def test_the_results_are_found_by_a_number_typed_full_width(
    app, client, login, make_user, district
):
    """A personnel number copied from a spreadsheet or typed with a Chinese input method
    (full-width, a stray space) finds the cadre's result, as the number's normal form does."""
    run = services.run_assessment(2026, None)
    db.session.commit()
    number = results(run)["Full"].personnel_number  # "P00001-full"
    typed = " " + number.upper().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) + " "
    login(make_user("root", roles=["admin"]))
    page = client.get(f"/assessment/runs/{run.id}", query_string={"q": typed}).get_data(
        as_text=True
    )
    assert number in page and "Short" not in page
