"""The site in a real browser, at phone size."""

import re

from lms.extensions import db


def test_login_shows_chinese_first_and_switches_to_english(app, page, live_server, make_user):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    make_user("ann", preferred_language=None)
    page.goto(f"{live_server}/login")
    assert page.locator("h1").inner_text() == "登录"
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Log in"


def test_cadre_logs_in_and_sees_their_record(
    page, live_server, browser_login, make_unit, make_user
):
    unit = make_unit("未央区/区财政局")
    user = make_user("ann", unit=unit, display_name="Ann")
    db.session.commit()
    browser_login(user)
    body = page.locator("main").inner_text()
    assert "未央区/区财政局" in body
    assert user.cadre.personnel_number in body
    # Large, readable type on a phone: the body text is at least 16 CSS pixels.
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16


def test_destructive_action_asks_first(page, live_server, browser_login, make_user):
    from lms.api.services import issue_token

    user = make_user("ann", preferred_language="en")
    issue_token(user, name="phone app")
    db.session.commit()
    browser_login(user)
    page.goto(f"{live_server}/account")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("button:has-text('Revoke')")
    assert questions and re.search("Revoke this token", questions[0])
    # Dismissed: the token is still active.
    assert page.locator("td", has_text="Active").count() == 1
