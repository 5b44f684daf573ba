"""One definition of taking part (参学), the same participation rate on every page.

Section A2 of the district gets two more cadres (quota 50, so 10 % is 5 h): a5 with 4.0 h
(below 10 %: did not take part) and a6 with 6.0 h (took part). With a3 (0 h) and a4
(exempted, 2 h), Section A2 has 4 cadres, 1 exempted, 1 who took part: 1 / 3 = 33.3 %.
"""

from datetime import date

import pytest
from sqlalchemy import select

from lms.api.services import issue_token
from lms.extensions import db
from lms.reports import figures
from tests.reports.conftest import YEAR, credit
from tests.reports.test_views import html, table_rows


@pytest.fixture
def section(district, make_user):
    a2 = district["units"]["a2"]
    for name, hours in [("a5", 4.0), ("a6", 6.0)]:
        user = make_user(name, unit=a2, display_name=name.upper())
        user.cadre.date_of_birth = date(1970, 1, 1)  # not young: the everyone rule, 50 h
        credit(user, hours, date(2024, 4, 8))
    db.session.commit()
    return a2


def test_the_same_subtree_shows_the_same_rate_everywhere(
    client, login, district, supervisors, section
):
    login(supervisors["district"])
    units = district["units"]
    help_line = "at least 10% of the year's quota credited"

    dashboard = html(client, f"/reports/?year={YEAR}&unit={section.id}")
    assert 'data-figure="participation">33.3%<' in dashboard
    assert "took part (1 of 3 cadres not exempted)" in dashboard
    assert help_line in dashboard

    ranking = html(client, f"/reports/units/{units['a'].id}?year={YEAR}")
    [row] = [r for r in table_rows(ranking, "units") if r[1] == "Section A2"]
    assert row[3] == "33.3%"
    assert help_line in ranking

    monthly = html(client, f"/reports/monthly/?month={YEAR}-11&unit={section.id}")
    facts = monthly[monthly.index("At a glance") :]
    assert "1 (33.3%)" in facts
    assert help_line in monthly

    raw, _token = issue_token(supervisors["district"])
    db.session.commit()
    body = client.get(
        f"/api/v1/reports/units?year={YEAR}", headers={"Authorization": f"Bearer {raw}"}
    ).get_json()
    [api] = [u for u in body["units"] if u["path"] == "District/Bureau A/Section A2"]
    assert api["participation_rate"] == pytest.approx(0.3333)

    listing = html(client, f"/assessment/non-participation?year={YEAR}&unit={section.id}")
    assert help_line in listing
    assert ">33.3%<" in listing
    names = listing[listing.index('id="list-heading"') :]
    # a3 (none) and a5 (4.0 of 50 h, below 10 %) are listed; a4 exempted and a6 (6.0 h) not.
    assert ">A3<" in names and ">A5<" in names
    assert ">A4<" not in names and ">A6<" not in names


def test_a_cadre_without_a_quota_takes_part_with_any_hours(app, district):
    """2025 has no plan, so no quota: 0.3 h is taking part; no hours is not."""
    people = district["people"]
    credit(people["a1"], 0.3, date(2025, 3, 3))
    db.session.flush()
    context = figures.make_context(2025, date(2025, 11, 30))
    rows = figures.cadre_figures(figures.Scope(), context).subquery()
    took_part = figures.took_part(rows.c)
    found = dict(db.session.execute(select(rows.c.user_id, took_part)).all())
    assert found[people["a1"].id] and not found[people["a3"].id]


def test_the_share_comes_from_the_setting(app, client, login, district, supervisors, section):
    app.config["PARTICIPATION_MIN_SHARE"] = 0.05  # 2.5 h of 50: a5 (4.0 h) now takes part
    login(supervisors["district"])
    dashboard = html(client, f"/reports/?year={YEAR}&unit={section.id}")
    assert 'data-figure="participation">66.7%<' in dashboard
    assert "at least 5% of the year's quota credited" in dashboard


def test_cadres_furthest_behind_come_first(
    client, login, district, supervisors, make_unit, make_user
):
    """The list headed "those furthest behind first" orders by the share of the quota done
    within an outlook, not by name: 0.6 of 60 h before 5.0 of 60 h (both behind)."""
    unit = make_unit("District/Bureau B/Section B2")
    for name, hours in [("aa", 5.0), ("zz", 0.6)]:
        credit(make_user(name, unit=unit, display_name=name.upper()), hours, date(2024, 4, 8))
    db.session.commit()
    login(supervisors["district"])
    page = html(client, f"/reports/units/{unit.id}?year={YEAR}")
    rows = table_rows(page, "cadres")
    assert [(row[0], row[2]) for row in rows] == [("ZZ", "0.6"), ("AA", "5.0")]
