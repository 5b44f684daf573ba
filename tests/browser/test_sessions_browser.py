"""Ending another device's login from the sessions page, with the keyboard alone."""

import re

from lms.extensions import db


def test_end_another_session_with_the_keyboard(
    app, browser, page, live_server, browser_login, make_user
):
    user = make_user("ann", preferred_language="en")
    db.session.commit()
    # A second device: another browser context, with its own cookies.
    phone = browser.new_context(locale="en")
    phone_page = phone.new_page()
    session = db.session()
    phone_page.on("request", lambda _request: session.commit())
    try:
        phone_page.goto(f"{live_server}/login")
        phone_page.fill("#username", "ann")
        phone_page.fill("#password", "secret-pass-1")
        phone_page.click("button.primary")
        phone_page.wait_for_url(f"{live_server}/")

        browser_login(user)
        page.goto(f"{live_server}/account")
        page.get_by_role("link", name="Active sessions").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server}/account/sessions")
        rows = page.get_by_role("row")
        assert rows.count() == 3  # the header and two logins
        assert page.get_by_role("rowheader").filter(has_text="This device").count() == 1
        # The button names the device and when it was last seen, for a screen reader.
        end = page.get_by_role("button", name=re.compile(r"^End the session on .+, last seen "))
        assert end.count() == 1
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        end.focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        page.get_by_text("that device is logged out").wait_for()
        assert questions and "That device is logged out" in questions[0]
        assert page.get_by_role("row").count() == 2

        phone_page.goto(f"{live_server}/account")
        assert "/login" in phone_page.url
    finally:
        phone.close()
