"""The health score: a pure function within its bounds (Hypothesis), its reasons, and the
page that shows them to a course's instructors and to supervisors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.evaluation.health import (
    WEIGHTS,
    HealthSignals,
    LessonSignal,
    Reason,
    course_health,
    stop_point,
)
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizResult
from tests.evaluation.conftest import complete

counts = st.integers(min_value=0, max_value=10_000)
ratings = st.lists(st.integers(min_value=1, max_value=5), max_size=60)
lessons = st.lists(
    st.builds(
        LessonSignal,
        title=st.text(max_size=10),
        viewers=st.integers(min_value=0, max_value=500),
        average_coverage=st.floats(min_value=0, max_value=1),
        curve=st.lists(st.floats(min_value=0, max_value=500), max_size=30),
        bucket_seconds=st.floats(min_value=0, max_value=60),
    ),
    max_size=5,
)


@st.composite
def signals(draw):
    starters = draw(counts)
    results = draw(counts)
    return HealthSignals(
        lessons=draw(lessons),
        starters=starters,
        completers=draw(st.integers(min_value=0, max_value=starters)),
        test_results=results,
        tests_passed=draw(st.integers(min_value=0, max_value=results)),
        respondents=draw(counts),
        ratings=draw(st.dictionaries(st.sampled_from(["relevance", "clarity"]), ratings)),
    )


@given(signals(), st.integers(min_value=1, max_value=50))
def test_the_score_is_within_0_and_100_or_unknown(found, threshold):
    health = course_health(found, threshold)
    assert set(health.parts) <= set(WEIGHTS)
    assert all(0.0 <= value <= 1.0 for value in health.parts.values())
    if health.parts:
        assert 0 <= health.score <= 100
    else:
        assert health.score is None


@given(signals(), st.integers(min_value=1, max_value=50))
def test_ratings_never_count_below_the_threshold(found, threshold):
    health = course_health(found, threshold)
    if found.respondents < threshold:
        assert "ratings" not in health.parts
        assert not [r for r in health.reasons if r.code == "rated_low"]


@given(signals(), st.integers(min_value=0, max_value=10_000))
def test_more_completers_never_lower_the_score(found, extra):
    better = HealthSignals(
        lessons=found.lessons,
        starters=found.starters + extra,
        completers=found.completers + extra,
        test_results=found.test_results,
        tests_passed=found.tests_passed,
        respondents=found.respondents,
        ratings=found.ratings,
    )
    before, after = course_health(found, 10).score, course_health(better, 10).score
    if before is not None:
        assert after >= before


def test_stop_point_is_where_the_audience_halves():
    assert stop_point([10, 10, 8, 4, 1], 5.0) == 15.0
    assert stop_point([10, 9, 8], 5.0) is None
    assert stop_point([], 5.0) is None
    assert stop_point([0, 0], 5.0) is None


def test_reasons_in_figures():
    found = HealthSignals(
        lessons=(
            LessonSignal("Lecture 1", 10, 0.76, curve=(10,) * 152 + (0,) * 48, bucket_seconds=5),
        ),
        starters=10,
        completers=2,
        test_results=10,
        tests_passed=3,
        respondents=32,
        ratings={"relevance": [1] * 13 + [5] * 19, "clarity": [5] * 32},
    )
    health = course_health(found, 10)
    assert health.parts == pytest.approx(
        {"retention": 0.76, "completion": 0.2, "tests": 0.3, "ratings": (268 / 64 - 1) / 4}
    )
    assert Reason("viewers_stop", {"seconds": 760.0, "lesson": "Lecture 1"}) in health.reasons
    assert Reason("rated_low", {"aspect": "relevance", "percent": 41, "respondents": 32}) in (
        health.reasons
    )
    assert Reason("low_completion", {"percent": 20, "starters": 10}) in health.reasons
    assert Reason("tests_failed", {"percent": 70, "results": 10}) in health.reasons


def test_a_course_nobody_studied_has_no_score():
    assert course_health(HealthSignals(), 10).score is None


# --- the page ----------------------------------------------------------------------------


def test_the_health_page_gives_the_reasons_in_words(
    client, login, course, teacher, completer, make_user, bureau, evaluated, app
):
    # Ten cadres stop at 12:40 of the 1000-second lesson; ten completed it (and rated it).
    for _ in range(10):
        complete(make_user(unit=bureau), course, coverage=[[0.0, 760.0]])
    quiz = Quiz(course_id=course.id, title="Test", is_published=True)
    db.session.add(quiz)
    db.session.flush()
    users = evaluated(10, ratings=(1, 4, 4))
    for number, user in enumerate(users):
        db.session.add(
            QuizResult(user_id=user.id, quiz_id=quiz.id, year=2026, is_passed=number >= 8)
        )
    db.session.commit()
    login(teacher)
    response = client.get(f"/evaluation/courses/{course.id}/health")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Most viewers stop at" not in html  # half of the viewers watched it all
    assert "Rated low for relevance to my work by 100 % of 10 respondents." in html
    assert "80 % of 10 test results are fails." in html
    assert 'data-score="' in html

    listing = client.get("/evaluation/courses").get_data(as_text=True)
    assert course.title in listing


def test_most_viewers_stop_at_a_point(client, login, course, make_user, bureau):
    for _ in range(4):
        complete(make_user(unit=bureau), course, coverage=[[0.0, 760.0]])
    complete(make_user(unit=bureau), course)
    supervisor = make_user("sup", roles=["supervisor"], unit=bureau)
    login(supervisor)
    html = client.get(f"/evaluation/courses/{course.id}/health").get_data(as_text=True)
    assert "Most viewers stop at 12:40 in Lecture 1." in html
    assert "Ratings count from 10 respondents on" not in html  # nobody rated: nothing to say


def test_below_the_threshold_the_score_leaves_ratings_out(
    client, login, course, teacher, evaluated
):
    evaluated(9, ratings=(1, 1, 1))
    login(teacher)
    html = client.get(f"/evaluation/courses/{course.id}/health").get_data(as_text=True)
    assert "Rated low" not in html
    assert "Ratings count from 10 respondents on" in html
    assert "Ratings</th>" not in html
