"""The dashboard in a real browser: the demo supervisor finds the charts drawn."""

from datetime import timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.core.timeutil import local_today
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.org.models import Cadre
from lms.tracking.models import DailyCredit

CHART_DRAWN = """canvas => {
  const chart = window.Chart && Chart.getChart(canvas);
  if (!chart) return 0;
  const box = canvas.getBoundingClientRect();
  return box.width > 0 && box.height > 0 ? chart.data.datasets[0].data.length : 0;
}"""


def _study_a_little():
    """A few weeks of credited hours for the demo cadres, up to today (unless the demo
    already brings its own)."""
    if db.session.scalar(select(DailyCredit.id).limit(1)) is not None:
        return
    today = local_today()
    users = db.session.scalars(select(User).join(Cadre, Cadre.user_id == User.id)).all()
    for index, user in enumerate(users):
        for days_ago in range(0, 60, 6 + index % 5):
            seconds = 1800 * (1 + (index + days_ago) % 4)
            db.session.add(
                DailyCredit(
                    user_id=user.id, local_date=today - timedelta(days=days_ago), seconds=seconds
                )
            )
    db.session.commit()


def test_the_demo_supervisor_sees_the_charts_drawn(page, live_server, browser_login, tmp_path):
    seed_demo(password="demo1234", with_media=False)
    db.session.commit()
    _study_a_little()
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    browser_login(supervisor, password="demo1234")
    page.emulate_media(reduced_motion="reduce")  # charts.js then draws without animation

    page.goto(f"{live_server}/reports/")
    page.wait_for_selector("canvas[data-chart-ready]")
    for name in ("outlook", "months", "week"):
        canvas = page.locator(f'canvas[data-chart-name="{name}"]')
        assert canvas.evaluate(CHART_DRAWN) > 0, name
    # The months chart holds the hours the table shows: some month has hours.
    hours = page.locator('canvas[data-chart-name="months"]').evaluate(
        "c => Chart.getChart(c).data.datasets[0].data.reduce((a, b) => a + b, 0)"
    )
    assert hours > 0
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000

    # Drill down: the ranking's chart, then a unit's page.
    page.goto(f"{live_server}/reports/units")
    page.wait_for_selector('canvas[data-chart-name="ranking"][data-chart-ready]')
    ranking = page.locator('canvas[data-chart-name="ranking"]')
    assert ranking.evaluate(CHART_DRAWN) > 0
    page.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)
    page.locator('table[data-table="units"] tbody a').first.click()
    page.wait_for_selector('section[aria-labelledby="ranking-heading"]')
    assert "/reports/units/" in page.url

    # Per course, per lesson: the audience curve over the supervisor's own cadres.
    page.goto(f"{live_server}/reports/courses")
    rows = page.locator('table[data-table="courses"] tbody tr')
    coverage = [rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count())]
    watched = next(i for i, value in enumerate(coverage) if value != "0.0%")  # someone in scope
    rows.nth(watched).locator("th a").click()
    page.wait_for_selector('table[data-table="lessons"]')
    page.locator('table[data-table="lessons"] tbody a').first.click()
    page.wait_for_selector("canvas[data-chart-ready]")
    assert page.locator("[data-audience-scope]").is_visible()
    assert page.locator("canvas[data-chart]").evaluate(CHART_DRAWN) > 0
    page.screenshot(path=str(tmp_path / "audience.png"), full_page=True)
