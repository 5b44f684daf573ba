"""The dashboard pages, exports and API: exact figures, scoping, and a constant query count."""

import csv
import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.api.services import issue_token
from lms.courses.models import Course
from lms.extensions import db
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from tests.courses.test_menu import _count_queries
from tests.reports.conftest import YEAR, credit


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def chart_data(page: str, name: str) -> dict:
    """The Chart.js configuration embedded after the canvas named ``name``."""
    match = re.search(
        rf'data-chart-name="{name}".*?<script type="application/json">(.*?)</script>', page, re.S
    )
    assert match, name
    return json.loads(match.group(1))


def xlsx_rows(response):
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response):
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_overview_page_shows_the_hand_computed_figures(client, login, supervisors):
    login(supervisors["district"])
    page = html(client, f"/reports/?year={YEAR}")
    assert 'data-figure="cadres">6<' in page
    # 3 took part (a1, a2, b1) of 6 cadres less a4 exempted: 3 / 5.
    assert 'data-figure="participation">60.0%<' in page
    assert 'data-figure="average">24.2<' in page
    assert 'data-figure="median">5.0<' in page
    assert 'data-figure="met">40.0%<' in page
    assert 'data-figure="exempt">1<' in page
    assert "average quota of 57.8" in page
    assert 'data-figure="weekend">107.0<' in page and 'data-figure="weekday">38.0<' in page
    assert "<canvas data-chart" in page and "chart.umd.min.js" in page
    assert "C1 test" in page  # the quiz pass-rate table


def test_every_overview_table_exports_the_same_numbers(client, login, supervisors):
    login(supervisors["district"])
    summary = dict(xlsx_rows(client.get(f"/reports/export/summary.xlsx?year={YEAR}"))[1:])
    assert summary["Cadres"] == 6
    # a1, a2, b1 took part (>= 10 % of quota); a4 is exempted, out of the base: 3 / 5.
    assert (summary["Took part"], summary["Participation rate"]) == (3, pytest.approx(3 / 5))
    assert summary["Median hours"] == 5.0
    assert summary["Average quota (hours)"] == 57.8
    assert summary["Credited hours"] == 145.0
    sheet = load_workbook(
        io.BytesIO(client.get(f"/reports/export/summary.xlsx?year={YEAR}").data)
    ).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    outlook = csv_rows(client.get(f"/reports/export/outlook.csv?year={YEAR}"))
    assert outlook[0] == ["Outlook", "Cadres", "Share of those owing hours"]
    assert ["Quota met", "2", "40.0%"] in outlook and ["Behind", "3", "60.0%"] in outlook
    months = dict(xlsx_rows(client.get(f"/reports/export/months.xlsx?year={YEAR}"))[1:])
    assert months["2024-03"] == 45.0 and months["2024-05"] == 80.0 and len(months) == 12
    weekdays = csv_rows(client.get(f"/reports/export/weekdays.csv?year={YEAR}"))
    assert weekdays[1:] == [["Weekends", "107.0"], ["Weekdays", "38.0"]]
    enrollments = xlsx_rows(client.get(f"/reports/export/enrollments.xlsx?year={YEAR}"))
    assert enrollments[1:] == [["Required", 4, 2, 0.5], ["Elective", 2, 1, 0.5]]
    quizzes = xlsx_rows(client.get(f"/reports/export/quizzes.xlsx?year={YEAR}"))
    assert quizzes[1] == ["C1 test", 3, 2, pytest.approx(2 / 3), 70.0]


def test_the_ranking_drills_down_from_units_to_cadres(client, login, district, supervisors):
    units, people = district["units"], district["people"]
    login(supervisors["district"])
    start = client.get(f"/reports/units?year={YEAR}")
    assert start.status_code == 302
    assert f"/reports/units/{units['district'].id}" in start.headers["Location"]
    page = html(client, f"/reports/units/{units['district'].id}?year={YEAR}")
    assert page.index("Bureau A") < page.index("Bureau B")  # 2/3 (a4 exempted) before 1/2
    assert f'href="/reports/units/{units["a"].id}?year={YEAR}"' in page
    ranking = xlsx_rows(
        client.get(f"/reports/export/units.xlsx?year={YEAR}&unit={units['district'].id}")
    )
    # a1, a2 took part of a1, a2, a3 (a4 exempted): 2 / 3.
    assert ranking[1] == [
        "District/Bureau A",
        4,
        2,
        pytest.approx(2 / 3),
        85.0,
        1,
        3,
        pytest.approx(1 / 3),
        1,
    ]
    assert ranking[2] == ["District/Bureau B", 2, 1, 0.5, 60.0, 1, 2, 0.5, 0]
    sections = html(client, f"/reports/units/{units['a'].id}?year={YEAR}")
    assert sections.index("Section A1") < sections.index("Section A2")
    leaf = html(client, f"/reports/units/{units['a2'].id}?year={YEAR}")
    assert "This unit has no sub-units." in leaf
    a3 = people["a3"]
    assert f'href="/org/cadres/{a3.cadre.id}"' in leaf
    assert f'href="/archive/cadres/{a3.id}"' in leaf
    # Behind before exempted (names read from the table: a random token may hold "A4").
    assert [row[0] for row in table_rows(leaf, "cadres")] == ["A3", "A4"]
    cadres = csv_rows(client.get(f"/reports/export/cadres.csv?year={YEAR}&unit={units['a2'].id}"))
    assert [row[2:] for row in cadres[1:]] == [
        ["A3", "0.0", "50.0", "Behind"],
        ["A4", "2.0", "52.0", "Exempted"],
    ]
    everyone = csv_rows(client.get(f"/reports/export/cadres.csv?year={YEAR}&all=1"))
    assert sorted(row[2] for row in everyone[1:]) == ["A1", "A2", "A3", "A4", "B1", "B2"]
    below_b = xlsx_rows(
        client.get(f"/reports/export/cadres.xlsx?year={YEAR}&all=1&unit={units['b'].id}")
    )
    assert [row[2:] for row in below_b[1:]] == [
        ["B2", 0.0, 60.0, "Behind"],
        ["B1", 60.0, 60.0, "Quota met"],
    ]
    # Directly in Bureau B: b2 only.
    bureau_b = html(client, f"/reports/units/{units['b'].id}?year={YEAR}")
    assert "B2" in bureau_b and ">B1<" not in bureau_b


def test_cadre_lists_are_paginated(app, client, login, district, supervisors):
    app.config["PAGE_SIZE"] = 1
    login(supervisors["district"])
    unit_id = district["units"]["a2"].id
    first = html(client, f"/reports/units/{unit_id}?year={YEAR}")
    assert "A3" in first and ">A4<" not in first and "Page 1 of 2" in first
    second = html(client, f"/reports/units/{unit_id}?year={YEAR}&page=2")
    assert ">A4<" in second


def test_course_page_and_export(client, login, supervisors):
    login(supervisors["district"])
    page = html(client, f"/reports/courses?year={YEAR}")
    assert "C1 Theory" in page and "87.5%" in page and "62.5%" in page
    rows = xlsx_rows(client.get(f"/reports/export/courses.xlsx?year={YEAR}"))
    assert rows[1] == ["C1 Theory", 4, 2, 2, 0.5, 0.875, 3, 2, pytest.approx(2 / 3)]
    assert rows[2][:8] == ["C2 Practice", 2, 1, 1, 0.5, 0.625, 0, 0]
    assert rows[2][8:] in ([], [None])  # no results: no pass rate


def test_the_units_api(client, district, supervisors):
    raw, _token = issue_token(supervisors["district"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    body = client.get(f"/api/v1/reports/units?year={YEAR}", headers=headers).get_json()
    units = {u["path"]: u for u in body["units"]}
    assert set(units) == {
        "District",
        "District/Bureau A",
        "District/Bureau A/Section A1",
        "District/Bureau A/Section A2",
        "District/Bureau B",
        "District/Bureau B/Section B1",
    }
    assert units["District"] == {
        "id": district["units"]["district"].id,
        "name": "District",
        "path": "District",
        "cadre_count": 6,
        "participation_rate": 0.6,  # a1, a2, b1 of 6 less a4 exempted
        "credited_hours": 145.0,
        "meeting_quota": 2,
    }
    # a3 has no hours, a4 is exempted (out of the base): 0 of 1.
    assert units["District/Bureau A/Section A2"]["participation_rate"] == 0.0
    assert units["District/Bureau B/Section B1"]["meeting_quota"] == 1
    bad = client.get("/api/v1/reports/units?year=abc", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_request"


def test_the_units_api_refuses_cadres_and_instructors(client, district, make_user):
    for user in (district["people"]["a1"], make_user("teacher", roles=["instructor"])):
        raw, _token = issue_token(user)
        db.session.commit()
        response = client.get("/api/v1/reports/units", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


def test_a_bureau_supervisor_never_sees_the_other_bureau(client, login, district, supervisors):
    units = district["units"]
    login(supervisors["a"])
    overview = html(client, f"/reports/?year={YEAR}")
    assert 'data-figure="cadres">4<' in overview and "Bureau B" not in overview
    # The charts' data is part of the page: Bureau A's hours by month only.
    months = chart_data(overview, "months")["data"]["datasets"][0]["data"]
    assert months == [5.0, 0.0, 0.0, 45.0, 0.0, 20.0, 15.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert chart_data(overview, "week")["data"]["datasets"][0]["data"] == [47.0, 38.0]
    for url in (
        f"/reports/?year={YEAR}&unit={units['b'].id}",
        f"/reports/units/{units['b'].id}",
        f"/reports/units/{units['b1'].id}",
        f"/reports/units/{units['district'].id}",
        f"/reports/courses?unit={units['b'].id}",
        f"/reports/export/cadres.csv?unit={units['b'].id}",
        f"/reports/export/summary.xlsx?unit={units['district'].id}",
    ):
        assert client.get(url).status_code == 404, url
    start = client.get(f"/reports/units?year={YEAR}")
    assert f"/reports/units/{units['a'].id}" in start.headers["Location"]
    every_cadre = csv_rows(client.get(f"/reports/export/cadres.csv?year={YEAR}&all=1"))
    assert sorted(row[2] for row in every_cadre[1:]) == ["A1", "A2", "A3", "A4"]
    for table in ("summary", "outlook", "months", "quizzes", "units", "courses"):
        text = client.get(f"/reports/export/{table}.csv?year={YEAR}").data.decode()
        assert "Bureau B" not in text and "B1" not in text
    summary = csv_rows(client.get(f"/reports/export/summary.csv?year={YEAR}"))
    assert ["Cadres", "4"] in summary and ["Credited hours", "85.0"] in summary
    courses = html(client, f"/reports/courses?year={YEAR}")
    assert "C2 Practice" in courses  # a2's elective; b2's enrolment is not counted
    raw, _token = issue_token(supervisors["a"])
    db.session.commit()
    body = client.get(
        f"/api/v1/reports/units?year={YEAR}", headers={"Authorization": f"Bearer {raw}"}
    ).get_json()
    assert {u["path"] for u in body["units"]} == {
        "District/Bureau A",
        "District/Bureau A/Section A1",
        "District/Bureau A/Section A2",
    }
    assert body["units"][0]["cadre_count"] == 4


def test_bad_filters_answer_clearly(client, login, supervisors):
    login(supervisors["district"])
    assert client.get("/reports/?year=1999").status_code == 404
    assert client.get("/reports/?unit=999999").status_code == 404
    # Unknown filter values are ignored rather than failing.
    page = html(client, f"/reports/?year={YEAR}&group=nonsense&kind=both&category=x")
    assert 'data-figure="cadres">6<' in page


def test_admins_start_at_the_top_level_units(client, login, district, make_user):
    login(make_user("boss", roles=["admin"]))
    page = html(client, f"/reports/units?year={YEAR}")
    assert f'href="/reports/units/{district["units"]["district"].id}?year={YEAR}"' in page
    assert 'data-figure="cadres">6<' in html(client, f"/reports/?year={YEAR}")


def _grow(unit, make_user, count):
    for index in range(count):
        person = make_user(f"extra{unit.id}_{index}", unit=unit)
        credit(person, 1 + index % 7, date(2024, 3, 2 + index % 20))
    db.session.commit()


def test_pages_issue_as_many_queries_for_50_cadres_as_for_5(
    client, login, post, make_unit, make_user
):
    plan = ensure_plan(YEAR)
    save_rule(plan, None, AudienceInput(), 50, 0, 0)
    district = make_unit("Big")
    small, large = make_unit("Big/Small"), make_unit("Big/Large")
    _grow(make_unit("Big/Small/Leaf"), make_user, 5)
    _grow(small, make_user, 0)
    supervisor_small = make_user("sup_small", roles=["supervisor"], unit=small)
    supervisor_large = make_user("sup_large", roles=["supervisor"], unit=large)
    _grow(make_unit("Big/Large/Leaf"), make_user, 50)
    del district
    # Each process reads the plans' cut-offs once (lms/core/statsyear.py keeps them): open
    # the pages once before counting, so the counts compare only what depends on the cadres.
    login(supervisor_small)
    for url in (f"/reports/?year={YEAR}", f"/reports/courses?year={YEAR}"):
        assert client.get(url).status_code == 200
    post("/logout")
    counts = {}
    for name, supervisor, unit in (
        ("small", supervisor_small, small),
        ("large", supervisor_large, large),
    ):
        login(supervisor)
        counts[name] = (
            _count_queries(client, f"/reports/?year={YEAR}"),
            _count_queries(client, f"/reports/units/{unit.id}?year={YEAR}"),
            _count_queries(client, f"/reports/courses?year={YEAR}"),
        )
        post("/logout")
    assert counts["small"] == counts["large"]


def test_a_course_lists_its_lessons_with_the_viewers_in_scope(client, login, post, supervisors):
    login(supervisors["district"])
    c1 = db.session.scalar(select(Course).where(Course.title == "C1 Theory"))
    courses = html(client, f"/reports/courses?year={YEAR}")
    assert f"/reports/courses/{c1.id}?year={YEAR}" in courses

    page = html(client, f"/reports/courses/{c1.id}?year={YEAR}")
    rows = table_rows(page, "lessons")
    # C1 one: a1, a2, a3 and b1 played all of it; C1 two: a1, a3 and b1.
    assert rows == [
        ["C1 one", "10:00", "4", "4", "100.0%", "Audience curve of C1 one"],
        ["C1 two", "10:00", "3", "3", "100.0%", "Audience curve of C1 two"],
    ]

    export = xlsx_rows(client.get(f"/reports/export/lessons.xlsx?year={YEAR}&course={c1.id}"))
    assert export == [
        ["Lesson", "Length (minutes)", "Viewers", "Completed", "Average coverage"],
        ["C1 one", 10, 4, 4, 1],
        ["C1 two", 10, 3, 3, 1],
    ]
    assert client.get(f"/reports/export/lessons.csv?year={YEAR}").status_code == 404

    post("/logout")
    login(supervisors["b"])  # Bureau B sees b1 only
    rows = table_rows(html(client, f"/reports/courses/{c1.id}?year={YEAR}"), "lessons")
    assert [row[:4] for row in rows] == [
        ["C1 one", "10:00", "1", "1"],
        ["C1 two", "10:00", "1", "1"],
    ]


def test_the_audience_curve_counts_only_the_viewers_in_scope(
    client, login, post, supervisors, district
):
    c2 = district["courses"][1]
    lesson = c2.lessons[0]  # a2 (Bureau A) played 250 s of 1000; b2 (Bureau B) all of it
    url = f"/reports/courses/{c2.id}/lessons/{lesson.id}/audience?year={YEAR}"
    login(supervisors["district"])
    page = html(client, url)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "2 viewers" in text and "1 completed (50%)" in text
    assert "62% average coverage" in text  # 1250 of 2000 seconds
    assert "Viewers among the cadres of District." in text
    curve = audience_json(page)["data"]["datasets"][0]["data"]
    assert curve[0] == 2 and curve[-1] == 1

    post("/logout")
    login(supervisors["a"])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(client, url)))
    assert "1 viewers" in text and "0 completed (0%)" in text and "25% average coverage" in text

    # Another bureau's unit is out of reach; a lesson of another course is not this course's.
    assert client.get(url + f"&unit={district['units']['b'].id}").status_code == 404
    c1_lesson = district["courses"][0].lessons[0]
    assert (
        client.get(f"/reports/courses/{c2.id}/lessons/{c1_lesson.id}/audience").status_code == 404
    )
    assert client.get("/reports/courses/999999").status_code == 404


def table_rows(page: str, name: str) -> list[list[str]]:
    """The body rows of the table marked ``data-table=name``, as cell texts."""
    table = re.search(rf'<table data-table="{name}">(.*?)</table>', page, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr.*?>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def audience_json(page: str) -> dict:
    match = re.search(
        r'<canvas data-chart.*?<script type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(match.group(1))
