"""The Content-Security-Policy breaks nothing: each main page of each role runs without a
single violation in a real browser (player, charts, quiz and upload pages included)."""

from datetime import date

import pytest

from lms.assessment import services as assessment
from lms.banks.models import Bank, Option, Question
from lms.courses.models import Course
from lms.extensions import db
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.quizzes.models import Quiz, QuizQuestion
from lms.tracking.models import DailyCredit

# Every securitypolicyviolation event of every page, kept across navigations in the tab.
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const seen = JSON.parse(sessionStorage.getItem("csp-violations") || "[]");
  seen.push(`${event.violatedDirective} ${event.blockedURI} on ${location.pathname}`);
  sessionStorage.setItem("csp-violations", JSON.stringify(seen));
});
"""


class Watch:
    """What the browser reported: CSP messages in the console, uncaught script errors, and
    the securitypolicyviolation events the page itself saw."""

    def __init__(self, page):
        self.page = page
        self.console = []
        self.errors = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def events(self) -> list[str]:
        return self.page.evaluate("JSON.parse(sessionStorage.getItem('csp-violations') || '[]')")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response.status == 200, url
        self.page.wait_for_load_state("load")
        self.assert_clean()

    def assert_clean(self) -> None:
        assert self.console == [] and self.errors == [] and self.events() == []


@pytest.fixture
def campus(app, make_unit, make_user, make_ready_lesson):
    """A district with a supervisor, an instructor, a cadre with hours, a course with a
    processed video lesson, a bank, a published quiz and a 2026 assessment run."""
    district = make_unit("District")
    bureau = make_unit("District/Bureau A")
    people = {
        "admin": make_user("root", roles=["admin"], preferred_language="en"),
        "supervisor": make_user(
            "boss", roles=["supervisor"], unit=district, preferred_language="en"
        ),
        "instructor": make_user("teacher", roles=["instructor"], preferred_language="en"),
        "cadre": make_user("ann", unit=bureau, preferred_language="en"),
    }
    plan = ensure_plan(2026)
    save_rule(plan, None, AudienceInput(), 50, 0, 0)
    db.session.add(
        DailyCredit(user_id=people["cadre"].id, local_date=date(2026, 5, 2), seconds=7200)
    )
    course = Course(title="Weekend class", is_published=True, instructors=[people["instructor"]])
    lesson = make_ready_lesson("video", 6, course=course)
    bank = Bank(title="Party history", course=course, owner=people["instructor"])
    question = Question(bank=bank, kind="single", text="Founded in?", points=1.0)
    question.options = [
        Option(text=text, is_correct=i == 1, position=i) for i, text in enumerate(["1919", "1921"])
    ]
    db.session.add_all([bank, question])
    db.session.flush()
    quiz = Quiz(
        title="Final test",
        course_id=course.id,
        created_by_id=people["instructor"].id,
        is_published=True,
    )
    quiz.fixed_questions = [QuizQuestion(question_id=question.id, position=0)]
    db.session.add(quiz)
    db.session.commit()
    run = assessment.run_assessment(2026, district)
    db.session.commit()
    return {
        **people,
        "district": district,
        "course": course,
        "lesson": lesson,
        "bank": bank,
        "quiz": quiz,
        "run": run,
    }


def test_each_role_s_pages_run_without_a_policy_violation(
    app, page, live_server, browser_login, campus
):
    app.config.update(PRESENCE_CHECK_MINUTES=0)
    watch = Watch(page)
    course, lesson, quiz = campus["course"].id, campus["lesson"].id, campus["quiz"].id

    # Cadre: home, course menu, course, player, My learning, a quiz taken to its attempt page.
    browser_login(campus["cadre"])
    for path in ["/", "/courses/", f"/courses/{course}", "/learning/", "/archive/", "/account"]:
        watch.visit(live_server + path)
    watch.visit(f"{live_server}/media/play/{lesson}")
    # The video plays through hls.js: its blob: MediaSource and blob: worker are allowed.
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=15000)
    page.evaluate("document.querySelector('video').play()")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    assert page.evaluate("!!window.Hls && window.Hls.isSupported()")
    watch.assert_clean()
    watch.visit(f"{live_server}/quizzes/{quiz}")
    page.click(f"form[action='/quizzes/{quiz}/start'] button")
    page.wait_for_url("**/quizzes/attempts/*")
    page.check("input[type=radio] >> nth=1")
    page.wait_for_load_state("networkidle")
    watch.assert_clean()

    # Instructor: course editing, the media upload page, the bank, quiz results.
    page.context.clear_cookies()
    browser_login(campus["instructor"])
    for path in [
        f"/courses/{course}/edit",
        f"/media/lessons/{lesson}",
        f"/banks/{campus['bank'].id}",
        f"/quizzes/{quiz}/results",
        f"/learning/lessons/{lesson}/audience",
    ]:
        watch.visit(live_server + path)

    # Supervisor: dashboards (with their charts), assessment, offline training.
    page.context.clear_cookies()
    browser_login(campus["supervisor"])
    for path in [
        "/reports/?year=2026",
        "/reports/units?year=2026",
        f"/reports/units/{campus['district'].id}?year=2026",
        "/reports/courses?year=2026",
        "/assessment/",
        f"/assessment/runs/{campus['run'].id}",
        "/assessment/non-participation?year=2026",
        "/offline/",
        "/offline/exemptions",
        "/quizzes/my-cadres",
        "/reports/monthly/",
        "/plan/",
    ]:
        watch.visit(live_server + path)
    page.goto(f"{live_server}/reports/?year=2026")
    page.wait_for_selector("canvas[data-chart-ready]")  # Chart.js drew under the policy
    watch.assert_clean()

    # Administrator: users and units.
    page.context.clear_cookies()
    browser_login(campus["admin"])
    for path in [
        "/",
        "/admin/users/",
        "/org/units",
        f"/org/units/{campus['district'].id}",
        "/notifications/outbox",
    ]:
        watch.visit(live_server + path)

    # The watch sees a violation when there is one: an inline script is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in event for event in watch.events())
