"""The plan's pure core: audiences, priority groups at their edges, quotas."""

from datetime import date

import pytest

from lms.plans import rules
from lms.plans.rules import Audience, CadreFacts, Limits, RuleFigures

AS_OF = date(2026, 1, 1)
DISTRICT, BUREAU_A, SECTION, BUREAU_B = "/1/", "/1/2/", "/1/2/5/", "/1/3/"


def facts(**fields) -> CadreFacts:
    fields.setdefault("user_id", 1)
    fields.setdefault("unit_id", 5)
    fields.setdefault("unit_tree_path", SECTION)
    return CadreFacts(**fields)


# --- priority groups at their edges --------------------------------------------------------

YOUNG = Audience(priority_group=rules.YOUNG)
NEW = Audience(priority_group=rules.NEWLY_PROMOTED)


def test_a_cadre_aged_exactly_40_on_the_reference_date_is_young():
    assert rules.matches(YOUNG, facts(date_of_birth=date(1986, 1, 1)), AS_OF)  # 40 today


def test_a_cadre_turning_41_on_the_reference_date_is_not_young():
    assert not rules.matches(YOUNG, facts(date_of_birth=date(1985, 1, 1)), AS_OF)
    # One day younger: still 40 on the reference date.
    assert rules.matches(YOUNG, facts(date_of_birth=date(1985, 1, 2)), AS_OF)


def test_the_young_age_limit_is_the_plans():
    born = facts(date_of_birth=date(1991, 1, 1))  # 35 on the reference date
    assert rules.matches(YOUNG, born, AS_OF, Limits(young_age_limit=35))
    assert not rules.matches(YOUNG, born, AS_OF, Limits(young_age_limit=34))


def test_without_a_date_of_birth_nobody_is_young_or_newly_promoted():
    assert not rules.matches(YOUNG, facts(), AS_OF)
    assert not rules.matches(NEW, facts(), AS_OF)


def test_promoted_exactly_24_months_before_is_newly_promoted():
    assert rules.matches(NEW, facts(last_promoted_on=date(2024, 1, 1)), AS_OF)
    assert not rules.matches(NEW, facts(last_promoted_on=date(2023, 12, 31)), AS_OF)


def test_a_promotion_during_the_plan_year_counts():
    assert rules.matches(NEW, facts(last_promoted_on=date(2026, 6, 1)), AS_OF)


def test_newly_promoted_months_are_the_plans():
    promoted = facts(last_promoted_on=date(2025, 1, 1))
    assert rules.matches(NEW, promoted, AS_OF, Limits(newly_promoted_months=12))
    assert not rules.matches(NEW, promoted, AS_OF, Limits(newly_promoted_months=11))


def test_month_arithmetic_cuts_to_the_month_end():
    assert rules.promoted_since(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert rules.young_born_after(date(2024, 2, 29), 40) == date(1983, 2, 28)


@pytest.mark.parametrize(
    ("group", "field"), [(rules.RESERVE, "is_reserve"), (rules.KEY_POSITION, "is_key_position")]
)
def test_reserve_and_key_position_follow_the_record(group, field):
    audience = Audience(priority_group=group)
    assert rules.matches(audience, facts(**{field: True}), AS_OF)
    assert not rules.matches(audience, facts(**{field: False}), AS_OF)


def test_an_unknown_group_is_an_error():
    with pytest.raises(ValueError):
        rules.matches(Audience(priority_group="famous"), facts(), AS_OF)


# --- units, categories, ranks ------------------------------------------------------------


def test_a_unit_with_its_sub_units():
    audience = Audience(unit_id=2, unit_tree_path=BUREAU_A, include_sub_units=True)
    assert rules.matches(audience, facts(unit_id=2, unit_tree_path=BUREAU_A), AS_OF)
    assert rules.matches(audience, facts(unit_id=5, unit_tree_path=SECTION), AS_OF)
    assert not rules.matches(audience, facts(unit_id=3, unit_tree_path=BUREAU_B), AS_OF)
    assert not rules.matches(audience, facts(unit_id=1, unit_tree_path=DISTRICT), AS_OF)


def test_a_unit_without_its_sub_units():
    audience = Audience(unit_id=2, unit_tree_path=BUREAU_A, include_sub_units=False)
    assert rules.matches(audience, facts(unit_id=2, unit_tree_path=BUREAU_A), AS_OF)
    assert not rules.matches(audience, facts(unit_id=5, unit_tree_path=SECTION), AS_OF)


def test_a_path_prefix_is_not_a_sub_unit():
    # Unit 1 and unit 12: "/12/" does not start with "/1/".
    audience = Audience(unit_id=1, unit_tree_path="/1/")
    assert not rules.matches(audience, facts(unit_id=12, unit_tree_path="/12/"), AS_OF)


def test_a_cadre_without_a_unit_is_outside_every_unit():
    audience = Audience(unit_id=1, unit_tree_path=DISTRICT)
    assert not rules.matches(audience, facts(unit_id=None, unit_tree_path=None), AS_OF)
    assert rules.matches(Audience(), facts(unit_id=None, unit_tree_path=None), AS_OF)


def test_category_and_rank_must_both_hold():
    audience = Audience(category_id=7, rank="科级")
    assert rules.matches(audience, facts(category_id=7, rank=" 科级 "), AS_OF)
    assert not rules.matches(audience, facts(category_id=7, rank="处级"), AS_OF)
    assert not rules.matches(audience, facts(category_id=8, rank="科级"), AS_OF)


# --- quotas ------------------------------------------------------------------------------


def test_the_highest_of_each_figure_applies_across_matching_rules():
    rule_list = [
        RuleFigures(1, Audience(), online_hours=50, required_hours=10),
        RuleFigures(2, Audience(category_id=7), online_hours=70, required_hours=5),
        RuleFigures(3, Audience(priority_group=rules.RESERVE), offline_days=60),
        RuleFigures(4, Audience(category_id=8), online_hours=90, required_hours=40),
    ]
    quota = rules.resolve_quota(rule_list, facts(category_id=7, is_reserve=True), AS_OF)
    assert quota == rules.Quota(70, 10, 60, (1, 2, 3))


def test_no_matching_rule_owes_nothing():
    quota = rules.resolve_quota([RuleFigures(1, Audience(category_id=7), 50)], facts(), AS_OF)
    assert quota == rules.Quota()
    assert quota.rule_ids == ()
