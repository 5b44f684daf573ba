"""The dashboards' SQL against the hand-computed district and against the pure rules."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.core.pagination import Page
from lms.extensions import db
from lms.offline.models import Exemption
from lms.org.models import Cadre
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import quotas_for_cadres, save_rule
from lms.plans.years import ensure_plan
from lms.reports import cadres, course_figures, figures, overview
from lms.reports import units as unit_figures
from lms.reports.sql import EXEMPT
from lms.tracking.forecast import Outlook, forecast
from tests.reports.conftest import YEAR, credit


def context(today=date(2025, 3, 1)):
    return figures.make_context(YEAR, today=today)


def test_the_quota_in_sql_is_the_highest_rule_like_the_python_rules(district):
    plan = district["plan"]
    in_sql = dict(db.session.execute(cadres.cadre_quotas_query(plan)).all())
    in_python = {user_id: q.online_hours for user_id, q in quotas_for_cadres(plan).items()}
    assert in_sql == pytest.approx(in_python)
    people = district["people"]
    expected = {"a1": 70, "a2": 55, "a3": 50, "a4": 52, "b1": 60, "b2": 60}
    assert {name: in_sql[people[name].id] for name in expected} == expected


def test_one_rule_or_none_still_gives_a_quota_column(district):
    plan = district["plan"]
    for rule in plan.quota_rules[1:]:
        db.session.delete(rule)
    db.session.flush()
    db.session.expire(plan)
    assert set(dict(db.session.execute(cadres.cadre_quotas_query(plan)).all()).values()) == {50}
    db.session.delete(plan.quota_rules[0])
    db.session.flush()
    db.session.expire(plan)
    assert set(dict(db.session.execute(cadres.cadre_quotas_query(plan)).all()).values()) == {0}


def test_overview_of_the_whole_district(district):
    data = overview.build_overview(figures.Scope(unit=district["units"]["district"]), context())
    assert data.cadre_count == 6
    # Took part (figures.took_part): not exempted, hours >= 10 % of quota: a1 75/70, a2 8/55
    # (5.5 needed), b1 60/60; a3 and b2 have none, a4 (2 h) is exempted and out of the base.
    assert data.participants == 3
    assert data.participation_rate == pytest.approx(3 / 5)
    assert data.exempt == 1
    assert data.expected == 5
    assert data.meeting_quota == 2
    assert data.credited_hours == pytest.approx(145)
    assert data.average_hours == pytest.approx(145 / 6)
    assert data.median_hours == pytest.approx(5)
    assert data.average_quota == pytest.approx(347 / 6)
    # A past year is seen from its cut-off: met, or behind.
    assert data.outlooks == {
        "met": 2,
        "on_track": 0,
        "at_risk": 0,
        "behind": 3,
        "early": 0,
        "no_quota": 0,
        "exempt": 1,
    }
    assert data.outlook_share("behind") == pytest.approx(3 / 5)
    months = {m.strftime("%Y-%m"): h for m, h in data.months}
    assert list(months) == ["2023-12"] + [f"2024-{m:02d}" for m in range(1, 12)]
    assert months["2023-12"] == pytest.approx(5)
    assert months["2024-03"] == pytest.approx(45)
    assert months["2024-05"] == pytest.approx(80)
    assert months["2024-06"] == pytest.approx(15)
    assert sum(months.values()) == pytest.approx(145)
    assert data.weekend_hours == pytest.approx(107)
    assert data.weekday_hours == pytest.approx(38)
    assert [(e.kind, e.enrolled, e.completed) for e in data.enrollments] == [
        ("required", 4, 2),
        ("elective", 2, 1),
    ]
    [quiz] = data.quizzes
    assert (quiz.results, quiz.passed, quiz.average_percent) == (3, 2, pytest.approx(70))


def test_the_whole_tree_is_figured_without_a_unit_filter_and_counts_the_same(
    district, make_unit, make_user
):
    root = district["units"]["district"]
    staff = make_user("clerk", roles=["supervisor"], unit=root)
    credit(staff, 9, date(2024, 3, 2))  # not a cadre: never counted, filtered or not
    db.session.commit()
    whole = figures.Scope.of(root)
    assert whole.whole_tree and whole.is_everyone
    overviews = [overview.build_overview(s, context()) for s in (figures.Scope(unit=root), whole)]
    overviews.append(overview.build_overview(figures.Scope(), context()))
    assert len({repr(f) for f in overviews}) == 1
    assert overviews[0].credited_hours == pytest.approx(145)
    assert [(e.kind, e.enrolled, e.completed) for e in overviews[1].enrollments] == [
        ("required", 4, 2),
        ("elective", 2, 1),
    ]
    ranked = unit_figures.unit_ranking(root, figures.Scope(unit=root), context())
    assert unit_figures.unit_ranking(root, whole, context()) == ranked
    assert not figures.Scope.of(district["units"]["a"]).whole_tree

    other = make_user("elsewhere", unit=make_unit("Other district"))
    credit(other, 4, date(2024, 3, 2))
    db.session.commit()
    assert not figures.Scope.of(root).whole_tree
    assert overview.build_overview(figures.Scope.of(root), context()).credited_hours == (
        pytest.approx(145)
    )
    assert overview.build_overview(figures.Scope(), context()).credited_hours == (
        pytest.approx(149)
    )


def test_the_fixture_dates_are_the_weekdays_the_figures_assume():
    assert [date(2024, 3, 2).weekday(), date(2024, 5, 11).weekday()] == [5, 5]
    assert date(2023, 12, 3).weekday() == 6
    assert [date(2024, 3, 4).weekday(), date(2024, 6, 3).weekday()] == [0, 0]


def test_filters_by_unit_category_priority_group_and_course_kind(district):
    units = district["units"]
    a = overview.build_overview(figures.Scope(unit=units["a"]), context())
    # a1 and a2 took part; a3 has no hours, a4 is exempted (not a participant).
    assert (a.cadre_count, a.participants, a.expected, a.meeting_quota) == (4, 2, 3, 1)
    assert a.credited_hours == pytest.approx(85)
    assert a.quizzes[0].results == 2
    civil = db.session.scalar(
        select(Cadre.category_id).where(Cadre.user_id == district["people"]["b1"].id)
    )
    by_category = overview.build_overview(figures.Scope(category_id=civil), context())
    assert (by_category.cadre_count, by_category.credited_hours) == (2, pytest.approx(68))
    young = overview.build_overview(figures.Scope(priority_group="young"), context())
    assert (young.cadre_count, young.exempt) == (1, 1)
    required = overview.build_overview(figures.Scope(course_kind="required"), context())
    assert [(e.kind, e.enrolled, e.completed) for e in required.enrollments] == [("required", 4, 2)]


def test_an_empty_scope_gives_zeros_not_errors(district, make_unit):
    empty = make_unit("District/Empty")
    data = overview.build_overview(figures.Scope(unit=empty), context())
    assert (data.cadre_count, data.participation_rate, data.median_hours) == (0, None, 0)
    assert data.enrollments[0].rate is None
    assert unit_figures.unit_ranking(empty, figures.Scope(unit=empty), context()) == []


def test_unit_ranking_aggregates_each_subtree_and_ranks(district):
    units = district["units"]
    lines = unit_figures.unit_ranking(
        units["district"], figures.Scope(unit=units["district"]), context()
    )
    assert [
        (u.name, u.cadre_count, u.participants, u.meeting_quota, u.expected) for u in lines
    ] == [
        ("Bureau A", 4, 2, 1, 3),  # a1, a2 took part; a4 is exempted
        ("Bureau B", 2, 1, 1, 2),
    ]
    assert [round(u.credited_hours, 1) for u in lines] == [85, 60]
    assert all(u.has_children for u in lines)
    sections = unit_figures.unit_ranking(units["a"], figures.Scope(unit=units["a"]), context())
    assert [(u.name, u.participation_rate, u.meeting_rate, u.exempt) for u in sections] == [
        ("Section A1", 1.0, 0.5, 0),
        ("Section A2", 0.0, 0.0, 1),  # a3 none of 50 h; a4 exempted: 0 of 1
    ]
    assert not any(u.has_children for u in sections)


def test_cadres_of_a_unit_with_hours_quota_and_outlook(district):
    units = district["units"]
    query = cadres.cadres_query(units["a2"], figures.Scope(unit=units["a2"]), context())
    lines = cadres.cadre_lines(query)
    assert [(c.name, c.done_hours, c.quota_hours, c.outlook) for c in lines] == [
        ("A3", 0, 50, "behind"),
        ("A4", 2, 52, EXEMPT),
    ]
    page = Page.of_select(query, page=2, per_page=1, read=cadres.cadre_lines)
    assert (page.total, page.pages, page.page, [c.name for c in page.items]) == (2, 2, 2, ["A4"])


def test_course_report(district):
    lines = course_figures.course_report(
        figures.Scope(unit=district["units"]["district"]), context()
    )
    assert [
        (c.title, c.enrolled, c.in_progress, c.completed, c.quiz_results, c.quiz_passed)
        for c in lines
    ] == [("C1 Theory", 4, 2, 2, 3, 2), ("C2 Practice", 2, 1, 1, 0, 0)]
    assert lines[0].average_coverage == pytest.approx(0.875)
    assert lines[1].average_coverage == pytest.approx(0.625)
    bureau_a = course_figures.course_report(figures.Scope(unit=district["units"]["a"]), context())
    assert [(c.enrolled, c.in_progress, c.completed) for c in bureau_a] == [(3, 2, 1), (1, 1, 0)]
    assert bureau_a[0].average_coverage == pytest.approx(2.5 / 3)


def test_units_in_scope_cover_every_unit_with_its_subtree(district):
    lines = unit_figures.units_in_scope(district["units"]["a"], context())
    assert {u.path: (u.cadre_count, u.participants, round(u.credited_hours, 1)) for u in lines} == {
        "District/Bureau A": (4, 2, 85.0),  # a4's 2 h count as hours, not as taking part
        "District/Bureau A/Section A1": (2, 2, 83.0),
        "District/Bureau A/Section A2": (2, 0, 2.0),
    }


# The forecast in SQL against the pure function, mid-year: 2024 seen on 15 October.
PACES = [(55, 0), (40, 10), (30, 2), (10, 0), (5, 0), (0, 0), (49, 3), (44, 0), (7.9, 7.9)]


def test_the_sql_forecast_agrees_with_the_pure_function(app, make_unit, make_user):
    unit = make_unit("Forecast")
    plan = ensure_plan(YEAR)
    save_rule(plan, None, AudienceInput(), 50, 0, 0)
    today = date(2024, 10, 15)
    ctx = figures.make_context(YEAR, today=today)
    assert ctx.clock.weekends == 7 and ctx.clock.recent_days == 28
    people = []
    for index, (done, recent) in enumerate(PACES):
        person = make_user(f"pace{index}", unit=unit)
        if done - recent:
            credit(person, done - recent, date(2024, 2, 1))
        if recent:
            credit(person, recent, date(2024, 10, 1))  # within the last four weeks
        people.append(person)
    exempted = make_user("away", unit=unit)
    db.session.add(
        Exemption(
            user_id=exempted.id,
            kind="leave",
            start_date=date(2024, 7, 1),
            end_date=date(2024, 7, 2),
            status="approved",
        )
    )
    db.session.commit()
    lines = {
        c.user_id: c
        for c in cadres.cadre_lines(cadres.cadres_query(unit, figures.Scope(unit=unit), ctx))
    }
    config = app.config
    for person, (done, recent) in zip(people, PACES, strict=True):
        pure = forecast(
            done_hours=done,
            quota_hours=50,
            recent_hours=recent,
            recent_days=ctx.clock.recent_days,
            today=ctx.clock.today,
            cutoff=ctx.clock.cutoff,
            weekend_limit_hours=config["WEEKEND_HOURS_LIMIT"],
        )
        assert lines[person.id].outlook == pure.outlook.value, (done, recent)
    outlooks = {lines[p.id].outlook for p in people}
    assert outlooks == {"met", "on_track", "at_risk", "behind"}
    assert lines[exempted.id].outlook == EXEMPT
    # A cadre no rule reaches has no quota.
    plan.quota_rules[0].category_id = db.session.scalar(select(Cadre.category_id))
    assert Outlook.NO_QUOTA.value == "no_quota"
