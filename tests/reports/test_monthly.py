"""The monthly report per unit: the year up to the month's end, the month, sub-units."""

import io

from pypdf import PdfReader

from tests.reports.conftest import YEAR


def test_the_may_report_counts_only_what_was_credited_by_the_end_of_may(
    app, client, login, make_user, district
):
    login(make_user("root", roles=["admin"]))
    unit = district["units"]["district"]
    page = client.get(f"/reports/monthly/?month={YEAR}-05&unit={unit.id}").get_data(as_text=True)
    # a1 60 h (the 15 h of 3 June are after the month), a2 8, a4 2, b1 60; a3 and b2 none.
    assert "Training year 2024, figures as of 2024-05-31" in page
    facts = page[page.index("At a glance") :]
    assert ">6<" in facts  # active cadres
    # took part: a1 60/70, a2 8/55 (>= 10 %), b1; a4 exempted is out of the base: 3 of 5
    assert "3 (60.0%)" in facts
    assert ">130.0<" in facts  # hours this year
    assert "1 (20.0%)" in facts  # b1 met the quota; a4 is exempted, so 1 of 5
    assert "80.0 (previous month 0.0)" in facts  # May: a1 20 + b1 60
    ranking = page[page.index("Units ranked by participation") :]
    assert ranking.index("Bureau A") < ranking.index("Bureau B")
    assert "66.7%" in ranking and "50.0%" in ranking  # Bureau A 2 of 3, Bureau B 1 of 2


def test_supervisors_get_their_subtree_only(app, client, login, make_user, district):
    units = district["units"]
    login(make_user("boss_a", roles=["supervisor"], unit=units["a"]))
    page = client.get(f"/reports/monthly/?month={YEAR}-05").get_data(as_text=True)
    assert "District/Bureau A" in page and "Section A1" in page and "Bureau B" not in page
    assert client.get(f"/reports/monthly/?month={YEAR}-05&unit={units['b'].id}").status_code == 404
    assert client.get("/reports/monthly/?month=2024-13").status_code == 404


def test_the_pdf_holds_the_same_figures(app, client, login, make_user, district):
    login(make_user("root", roles=["admin"], preferred_language="zh_CN"))
    unit = district["units"]["district"]
    response = client.get(f"/reports/monthly/report.pdf?month={YEAR}-05&unit={unit.id}")
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "月度报告" in text and "2024-05" in text
    assert "130.0" in text and "80.0" in text
