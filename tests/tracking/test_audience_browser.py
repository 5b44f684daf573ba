"""The audience chart is drawn by charts.js with the vendored Chart.js in a real browser."""

from lms.extensions import db
from lms.tracking.models import LessonProgress


def test_the_audience_chart_is_drawn(page, live_server, browser_login, make_user, make_lesson):
    teacher = make_user("teacher", roles=["instructor"])
    lesson = make_lesson(duration=10.0, instructors=[teacher])
    for index, coverage in enumerate([[[0, 10]], [[0, 5]]]):
        viewer = make_user(f"viewer{index}")
        db.session.add(
            LessonProgress(
                user_id=viewer.id,
                lesson_id=lesson.id,
                coverage=coverage,
                credited_seconds=sum(e - s for s, e in coverage),
            )
        )
    db.session.commit()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(teacher)
    page.goto(f"{live_server}/learning/lessons/{lesson.id}/audience")
    page.wait_for_selector("canvas[data-chart-ready]", state="attached")
    drawn = page.evaluate(
        """() => {
            const chart = document.querySelector("canvas[data-chart]").chart;
            const dataset = chart.data.datasets[0];
            return {type: chart.config.type, data: dataset.data, colour: dataset.borderColor,
                    height: chart.height};
        }"""
    )
    assert drawn["type"] == "line"
    assert drawn["data"] == [2, 2, 2, 2, 2, 1, 1, 1, 1, 1]
    assert drawn["colour"] == "#0072B2"  # Okabe-Ito blue
    assert drawn["height"] > 100
    assert errors == []
    # The table alternative opens from its summary.
    page.click("details.chart-table summary")
    assert page.locator("details.chart-table table tbody tr").count() == 10
