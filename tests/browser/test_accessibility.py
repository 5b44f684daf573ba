"""Each role's main pages in Chromium, on a phone (390×844) and a laptop (1280×800): axe-core
finds no serious or critical violation (text contrast at WCAG AA included), and on the phone
no page scrolls sideways (wide tables scroll inside their own box)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from lms.extensions import db

PAGES = {
    "cadre": [
        "/",
        "/courses/",
        "/courses/mine",
        "/learning/",
        "/quizzes/",
        "/archive/",
        "/offline/mine",
        "/notifications/",
        "/account",
    ],
    "instructor": ["/", "/courses/teaching", "/courses/new", "/banks/", "/quizzes/"],
    "supervisor": [
        "/",
        "/reports/",
        "/reports/units",
        "/reports/courses",
        "/org/units",
        "/offline/",
        "/assessment/",
        "/assessment/non-participation",
        "/plan/",
        "/roster/",
        "/evaluation/courses",
    ],
    "admin": [
        "/",
        "/admin/users/",
        "/org/categories",
        "/courses/categories",
        "/notifications/outbox",
        "/evaluation/questionnaire",
        "/faculty/",
        "/faculty/new",
    ],
}
VIEWPORTS = {"phone": (390, 844), "laptop": (1280, 800)}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def people(make_unit, make_user):
    unit = make_unit("未央区/区财政局")
    users = {
        "cadre": make_user("ann", unit=unit, display_name="王芳", preferred_language="zh_CN"),
        "instructor": make_user("ian", roles=["instructor"], preferred_language="zh_CN"),
        "supervisor": make_user(
            "sue", roles=["supervisor"], unit=unit.parent, preferred_language="zh_CN"
        ),
        "admin": make_user("ada", roles=["admin"], preferred_language="zh_CN"),
    }
    db.session.commit()
    return users


def _problems(page, axe: Axe) -> list[str]:
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", PAGES)
def test_main_pages_pass_axe_and_fit_the_screen(
    page, live_server, browser_login, people, role, viewport
):
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    browser_login(people[role])
    axe = Axe()
    problems = {}
    for path in PAGES[role]:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        found = _problems(page, axe)
        overflow = page.evaluate("document.scrollingElement.scrollWidth")
        if overflow > width:
            found.append(f"page is {overflow} px wide on a {width} px screen")
        if found:
            problems[path] = found
    assert not problems, problems
