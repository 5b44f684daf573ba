"""An administrator hands a unit's new cadres their first passwords, in Chromium with the
keyboard: tick them on the user list, confirm, print the sheet; a cadre logs in with one and
is asked only for a password of their own."""

import re

from axe_playwright_python.sync_playwright import Axe

from lms.extensions import db


def test_ticked_users_get_a_printable_sheet_and_log_in_with_it(
    page, live_server, browser_login, make_user, make_unit, browser
):
    unit = make_unit("未央区/区财政局")
    make_user("wangfang", unit=unit, display_name="王芳", preferred_language="zh_CN")
    make_user("lijun", unit=unit, display_name="李军", preferred_language="zh_CN")
    admin = make_user("ada", roles=["admin"], preferred_language="en")
    db.session.commit()
    browser_login(admin)
    page.goto(f"{live_server}/admin/users/")
    page.get_by_label("Tick wangfang").check()
    page.get_by_label("Tick lijun").check()
    page.get_by_role("button", name="One-time passwords for the ticked users").press("Enter")
    page.wait_for_url("**/admin/users/one-time-passwords?*")
    assert "2 accounts get a new one-time password." in page.inner_text("main")
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Issue one-time passwords").press("Enter")
    page.wait_for_selector("table.password-sheet")
    assert questions == ["Issue new one-time passwords to 2 accounts?"]
    rows = page.locator("table.password-sheet tbody tr")
    assert rows.count() == 2
    sheet = {
        rows.nth(i).locator("td").nth(2).inner_text(): rows.nth(i)
        .locator("code.one-time")
        .inner_text()
        for i in range(2)
    }
    assert set(sheet) == {"wangfang", "lijun"}
    assert all(re.fullmatch(r"[A-Za-z0-9]{12}", p) for p in sheet.values())
    assert page.get_by_role("button", name="Print").is_visible()
    serious = [
        v["id"]
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # Printed, the sheet is the table alone: no header, buttons or notice.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    assert rows.first.is_visible()

    cadre = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    cadre.goto(f"{live_server}/login")
    cadre.fill("#username", "wangfang")
    cadre.fill("#password", sheet["wangfang"])
    cadre.locator("#password").press("Enter")
    cadre.wait_for_url("**/account/password")
    assert cadre.locator("#current_password").count() == 0
    cadre.fill("#new_password", "my-own-pass-9")
    cadre.fill("#confirm", "my-own-pass-9")
    cadre.locator("#confirm").press("Enter")
    cadre.wait_for_url("**/account")
    cadre.goto(f"{live_server}/")
    assert "王芳" in cadre.inner_text("h1")
