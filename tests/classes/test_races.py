"""PostgreSQL, real threads: two cadres race for the last seat, and a freed seat races a new
sign-up. The class's row lock (SELECT … FOR UPDATE) lets exactly one win; nobody over-books."""

import contextlib
import threading

import pytest
from sqlalchemy import event, select

from lms.classes.models import ClassMember
from lms.extensions import db
from tests.conftest import csrf_token


def _statuses(training_class) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.execute(
        select(ClassMember.user_id, ClassMember.status).where(
            ClassMember.class_id == training_class.id
        )
    )
    return dict(rows.all())


def _logged_in(app, user):
    browser = app.test_client()
    browser.post(
        "/login",
        data={
            "username": user.username,
            "password": "secret-pass-1",
            "csrf_token": csrf_token(browser),
        },
    )
    return browser, csrf_token(browser, "/classes/")


def _at_once(app, requests):
    """Send the requests from threads that all reach the class's row lock before any takes
    it; each request runs in a context (and database session) of its own."""
    barrier = threading.Barrier(len(requests), timeout=10)

    def wait_for_the_others(_conn, _cursor, statement, *_args):
        if "FOR UPDATE" in statement.upper():
            # Later lock statements of the same request find the barrier broken: go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    results = []

    def run(browser, path, token):
        with app.app_context():
            results.append(browser.post(path, data={"csrf_token": token}).status_code)

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", wait_for_the_others)
    try:
        threads = [threading.Thread(target=run, args=request) for request in requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", wait_for_the_others)
    return results


@pytest.fixture
def postgresql_only(app, client):
    # ``client`` makes app.test_client() give clients that run each request in a context of
    # its own (tests/conftest.py), so the logins do not share Flask-Login's cache.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the requests cannot overlap")


def test_two_cadres_race_for_the_last_seat_and_exactly_one_gets_it(
    postgresql_only, clock, app, org, make_class
):
    training_class = make_class(capacity=1)
    path = f"/classes/{training_class.id}/signup"
    requests = [(*_logged_in(app, org[name]), path) for name in ("ann", "bob")]
    results = _at_once(app, [(browser, path, token) for browser, token, path in requests])
    assert results == [302, 302]
    statuses = sorted(_statuses(training_class).values())
    assert statuses == ["requested", "waiting"]


def test_a_freed_seat_goes_to_the_waiting_list_even_while_another_cadre_signs_up(
    postgresql_only, clock, app, org, make_class, make_user
):
    training_class = make_class(capacity=1)
    dan = make_user("dan", roles=["cadre"], unit=org["units"]["a"])
    signups = {}
    for user in (org["ann"], org["bob"]):  # ann holds the seat, bob waits
        browser, token = _logged_in(app, user)
        browser.post(f"/classes/{training_class.id}/signup", data={"csrf_token": token})
        signups[user.id] = (browser, token)
    ann_browser, ann_token = signups[org["ann"].id]
    dan_browser, dan_token = _logged_in(app, dan)
    results = _at_once(
        app,
        [
            (ann_browser, f"/classes/{training_class.id}/cancel", ann_token),
            (dan_browser, f"/classes/{training_class.id}/signup", dan_token),
        ],
    )
    assert sorted(results) == [302, 302]
    statuses = _statuses(training_class)
    assert statuses[org["ann"].id] == "cancelled"
    # Whichever ran first, one seat is held and the other cadre waits: never two.
    held = [uid for uid, status in statuses.items() if status == "requested"]
    assert len(held) == 1
    assert statuses[org["bob"].id] in ("requested", "waiting")
    assert sorted(statuses[uid] for uid in (org["bob"].id, dan.id)) == ["requested", "waiting"]
