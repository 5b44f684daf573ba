"""Browser-test fixtures (imported by tests/conftest.py, so every folder shares one Chromium)."""

import shutil
import socket
import threading

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The tests' pages stand for cadres studying in their own browser: they do not say they are
# automated (navigator.webdriver, a "HeadlessChrome" user agent), or every honest session
# would carry the automation signal (lms/tracking/risk.py). ``automated_page`` keeps both.
PERSON_ARGS = ["--disable-blink-features=AutomationControlled"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The test app served by waitress in a thread; yields its base URL."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("browser tests run once, on SQLite")
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=_free_port(), threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *PERSON_ARGS]
        )
        yield instance
        instance.close()


@pytest.fixture
def page(app, browser):
    """A phone-sized page (most cadres study on phones)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", user_agent=_person_agent(browser)
    )
    tab = _held_page(context)
    yield tab
    context.close()


@pytest.fixture
def automated_page(app, browser):
    """A page of a Chromium that says it is driven by automation, as Playwright leaves it:
    navigator.webdriver true and a headless user agent (the scripts cadres buy)."""
    instance = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    tab = _held_page(instance.new_context(locale="zh-CN"))
    yield tab
    instance.close()


def _person_agent(browser) -> str:
    return (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{browser.version} Safari/537.36"
    )


def _held_page(context):
    from lms.extensions import db

    tab = context.new_page()
    tab.set_default_timeout(15000)
    # Outside a request the test's own transaction holds SQLite's write lock (BEGIN
    # IMMEDIATE), which would make the live server wait. Playwright delivers events on
    # the test's thread, so ending the test's transaction whenever the browser sends a
    # request lets the server in, and the test reads fresh data afterwards.
    # (Handlers run in Playwright's greenlet, outside the app context: hold the session.)
    session = db.session()
    tab.on("request", lambda _request: session.commit())
    return tab


@pytest.fixture
def browser_login(page, live_server):
    """``browser_login(user)`` logs in through the real form."""

    def _login(user, password="secret-pass-1"):
        username = user.username
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button.primary")
        page.wait_for_url(f"{live_server}/")
        return page

    return _login
