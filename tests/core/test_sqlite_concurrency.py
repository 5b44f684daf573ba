"""Concurrent read-then-write transactions on SQLite wait for each other instead of failing."""

import threading

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.org.models import CadreCategory


def test_concurrent_read_then_write_does_not_fail_with_database_is_locked(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    db.session.add(CadreCategory(code="counter", name_zh="计数", name_en="Counter", sort_order=0))
    db.session.commit()
    errors, workers, rounds = [], 8, 15

    def work():
        try:
            with app.app_context():
                for _ in range(rounds):
                    # Read, then write from what was read: the lost-update shape that fails
                    # with deferred transactions ("database is locked") or loses increments.
                    row = db.session.scalar(
                        select(CadreCategory).where(CadreCategory.code == "counter")
                    )
                    row.sort_order = row.sort_order + 1
                    db.session.commit()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    value = db.session.scalar(
        select(CadreCategory.sort_order).where(CadreCategory.code == "counter")
    )
    assert value == workers * rounds
