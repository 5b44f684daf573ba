"""A cadre on a phone finds an open class, signs up with the keyboard, and cancels after the
confirmation page."""

from datetime import time, timedelta

from sqlalchemy import select

from lms.classes.models import ClassMember
from lms.core.timeutil import local_today
from lms.extensions import db
from tests.classes.conftest import make_class, org  # noqa: F401 - fixtures


def _status(user):
    db.session.expire_all()
    return db.session.scalar(select(ClassMember.status).where(ClassMember.user_id == user.id))


def test_a_cadre_signs_up_for_a_class_and_cancels_it(
    page,
    live_server,
    browser_login,
    org,  # noqa: F811
    make_class,  # noqa: F811
):
    today = local_today()
    training_class = make_class(
        title="周末班：乡村振兴",
        enrol_opens_on=today - timedelta(days=1),
        enrol_closes_on=today + timedelta(days=10),
        cancel_until=today + timedelta(days=12),
        sessions=[(today + timedelta(days=14), time(9), time(12))],
    )
    browser_login(org["ann"])
    page.goto(f"{live_server}/classes/")
    link = page.get_by_role("link", name="周末班：乡村振兴")
    link.wait_for()
    link.click()
    page.wait_for_url(f"{live_server}/classes/{training_class.id}")
    sign_up = page.locator(f"form[action='/classes/{training_class.id}/signup'] button")
    sign_up.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/classes/{training_class.id}")
    page.locator(".tag.warn").first.wait_for()
    assert _status(org["ann"]) == "requested"
    # Cancelling asks first, on a page of its own.
    page.click(f"a[href='/classes/{training_class.id}/cancel']")
    page.wait_for_url(f"{live_server}/classes/{training_class.id}/cancel")
    assert _status(org["ann"]) == "requested"
    page.click("form button.danger")
    page.wait_for_url(f"{live_server}/classes/")
    assert _status(org["ann"]) == "cancelled"
    # The list page on a phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_class_pages_pass_axe_on_a_phone(
    page,
    live_server,
    browser_login,
    org,  # noqa: F811
    make_class,  # noqa: F811
):
    from axe_playwright_python.sync_playwright import Axe

    today = local_today()
    training_class = make_class(
        enrol_opens_on=today - timedelta(days=1),
        enrol_closes_on=today + timedelta(days=10),
        cancel_until=today + timedelta(days=12),
        sessions=[(today + timedelta(days=14), time(9), time(12))],
    )
    axe = Axe()
    problems = {}
    for user, paths in (
        (org["ann"], ["/classes/", f"/classes/{training_class.id}"]),
        (
            org["admin"],
            [
                "/classes/",
                f"/classes/{training_class.id}",
                f"/classes/{training_class.id}/edit",
                "/classes/new",
                "/classes/blackouts",
            ],
        ),
    ):
        page.context.clear_cookies()
        browser_login(user)
        for path in paths:
            assert page.goto(f"{live_server}{path}").status == 200, path
            found = [
                f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
                for v in axe.run(page).response["violations"]
                if v["impact"] in {"serious", "critical"}
            ]
            if page.evaluate("document.scrollingElement.scrollWidth") > 390:
                found.append("wider than the phone")
            if found:
                problems[path] = found
    assert not problems, problems
