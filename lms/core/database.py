"""SQLite tuning (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writing requests), and
the filter by a set of users that set-based reads share."""

import sqlite3

from flask import g, has_request_context, request
from sqlalchemy import Select, event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 15000


def _is_sqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself: pysqlite's own implicit
    # BEGIN is deferred, which is what makes read-then-write transactions fail with
    # "database is locked" when two writers upgrade their read locks at once.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Lets "tree_path LIKE '/1/4/%'" use the index; case-insensitive searches use ilike().
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    # Pages that only read (GET) take a deferred transaction, so readers never queue
    # behind one another; everything else (form posts, API writes, CLI commands, jobs)
    # takes the write lock up front and waits for it within the busy timeout.
    if has_request_context() and request.method in SAFE_METHODS and not g.get("lms_writes"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def will_write() -> None:
    """Declare, before the request's first query, that a GET request will write."""
    g.lms_writes = True


def user_ids_filter(column, users):
    """``column IN (...)`` for ``users``: a select of user ids (a scope of any size) or a
    collection of a few ids; None for an empty collection (there is nothing to read).

    A scope is passed as a subquery, never as a list of its ids: SQLite caps the parameters
    of one statement (32,766), which a province's cadres exceed, and a long IN list is slow
    to bind and plan on PostgreSQL.
    """
    if isinstance(users, Select):
        return column.in_(users)
    ids = sorted(set(users))
    return column.in_(ids) if ids else None
