"""Lessons completed per user and course, kept with the lesson progress (``CourseDone``).

The completion rule (``lms.tracking.completion``) needs, for each user and course, how many
of the course's lessons the user has completed. Grouping every ``lesson_progress`` row for
that costs a province's dashboards a quarter of a second (half a million rows, each carrying
its coverage), so the count is kept:

- a beat that completes a lesson adds one, in its transaction, by an atomic upsert
  (``add_completed``; the user's clock lock orders their beats);
- any other write of progress through the ORM (a merge of two cadres, fixtures, the demo)
  recounts the (user, course) pairs it touched, in the same flush (``recount``);
- a deleted lesson takes its progress rows with it (ON DELETE CASCADE): its course is
  recounted for everyone;
- ``check`` compares the counts with the progress rows and ``rebuild`` writes them again
  (``flask --app lms totals check [--fix]``). SQL that writes ``lesson_progress`` on a bare
  connection bypasses the events and must be followed by ``rebuild``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, event, func, inspect, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lms.courses.models import Lesson
from lms.tracking.models import CourseDone, LessonProgress

_DONE, _PROGRESS, _LESSON = CourseDone.__table__, LessonProgress.__table__, Lesson.__table__


def _upsert(dialect: str):
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(_DONE)
    existing, new = _DONE.c.last_done_at, statement.excluded.last_done_at
    return statement.on_conflict_do_update(
        index_elements=[_DONE.c.user_id, _DONE.c.course_id],
        set_={
            "lessons_done": _DONE.c.lessons_done + statement.excluded.lessons_done,
            # greatest() on PostgreSQL, but SQLite's max(NULL, x) is NULL: spelled out.
            "last_done_at": case((existing.is_(None), new), (new > existing, new), else_=existing),
        },
    )


_UPSERT = {dialect: _upsert(dialect) for dialect in ("postgresql", "sqlite")}


def add_completed(connection, user_id: int, course_id: int, at: datetime) -> None:
    """One more lesson of ``course_id`` completed by ``user_id`` at ``at`` (a beat's)."""
    connection.execute(
        _UPSERT[connection.dialect.name],
        {"user_id": user_id, "course_id": course_id, "lessons_done": 1, "last_done_at": at},
    )


def counted_from_progress(*conditions):
    """A select of what ``course_done`` must hold, from the progress rows (``conditions`` on
    ``lesson_progress`` and ``lesson`` limit it)."""
    return (
        select(
            _PROGRESS.c.user_id,
            _LESSON.c.course_id,
            func.count(_PROGRESS.c.completed_at).label("lessons_done"),
            func.max(_PROGRESS.c.completed_at).label("last_done_at"),
        )
        .join(_LESSON, _LESSON.c.id == _PROGRESS.c.lesson_id)
        .where(_PROGRESS.c.completed_at.is_not(None), *conditions)
        .group_by(_PROGRESS.c.user_id, _LESSON.c.course_id)
    )


def _write(connection, deleting, counting) -> int:
    connection.execute(deleting)
    query = counted_from_progress(*counting)
    result = connection.execute(
        _DONE.insert().from_select([c.name for c in query.selected_columns], query)
    )
    return max(result.rowcount or 0, 0)


def recount(connection, pairs: Iterable[tuple[int, int]]) -> None:
    """Count again the lessons done of these (user id, course id) pairs."""
    pairs = sorted(set(pairs))
    for start in range(0, len(pairs), 400):  # SQLite's cap on bound parameters
        chunk = pairs[start : start + 400]
        _write(
            connection,
            delete(_DONE).where(tuple_(_DONE.c.user_id, _DONE.c.course_id).in_(chunk)),
            [tuple_(_PROGRESS.c.user_id, _LESSON.c.course_id).in_(chunk)],
        )


def recount_course(connection, course_id: int) -> None:
    """Count again every user's lessons done of one course (after a lesson was deleted)."""
    _write(
        connection,
        delete(_DONE).where(_DONE.c.course_id == course_id),
        [_LESSON.c.course_id == course_id],
    )


def rebuild(connection) -> int:
    """Write every count again from the progress rows; returns how many rows were written."""
    return _write(connection, delete(_DONE), [])


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    course_id: int
    kept: int
    counted: int

    def __str__(self) -> str:
        return (
            f"user {self.user_id} course {self.course_id} lessons done: "
            f"kept {self.kept} != counted {self.counted}"
        )


def check(connection) -> list[Mismatch]:
    """Every (user, course) whose kept count differs from the progress rows' (a missing row
    counts as none; the time of the latest completion is compared too)."""
    counted = {
        (row.user_id, row.course_id): (row.lessons_done, row.last_done_at)
        for row in connection.execute(counted_from_progress())
    }
    kept = {
        (row.user_id, row.course_id): (row.lessons_done, row.last_done_at)
        for row in connection.execute(select(_DONE))
    }
    mismatches = []
    for key in sorted(set(counted) | set(kept)):
        have, want = kept.get(key, (0, None)), counted.get(key, (0, None))
        if have[0] == 0 and want[0] == 0:
            continue
        if have != want:
            mismatches.append(Mismatch(*key, have[0], want[0]))
    return mismatches


# --- the ORM's writes of progress ----------------------------------------------------------


def _course_of(connection, lesson_id: int) -> int | None:
    return connection.scalar(select(_LESSON.c.course_id).where(_LESSON.c.id == lesson_id))


def _before(target, attribute: str):
    history = inspect(target).attrs[attribute].history
    return history.deleted[0] if history.deleted else getattr(target, attribute)


def _touched(connection, target, old: bool) -> list[tuple[int, int]]:
    pairs = []
    for user_id, lesson_id in {
        (target.user_id, target.lesson_id),
        *(((_before(target, "user_id"), _before(target, "lesson_id")),) if old else ()),
    }:
        course_id = _course_of(connection, lesson_id)
        if course_id is not None:
            pairs.append((user_id, course_id))
    return pairs


@event.listens_for(LessonProgress, "after_insert")
def _progress_added(_mapper, connection, target) -> None:
    if target.completed_at is not None:
        recount(connection, _touched(connection, target, old=False))


@event.listens_for(LessonProgress, "after_update")
def _progress_changed(_mapper, connection, target) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in _COUNTED_BY):
        recount(connection, _touched(connection, target, old=True))


_COUNTED_BY = ("user_id", "lesson_id", "completed_at")


@event.listens_for(LessonProgress, "after_delete")
def _progress_removed(_mapper, connection, target) -> None:
    recount(connection, _touched(connection, target, old=True))


@event.listens_for(Lesson, "after_delete")
def _lesson_removed(_mapper, connection, target) -> None:
    """The lesson's progress rows went with it (ON DELETE CASCADE): recount its course."""
    recount_course(connection, target.course_id)


@event.listens_for(Session, "do_orm_execute")
def _progress_rows_inserted(state) -> None:
    """``session.execute(insert(LessonProgress), rows)`` runs no mapper event: the pairs
    of its completed rows are recounted after it, in its transaction."""
    if not state.is_insert or getattr(state.statement.table, "name", None) != _PROGRESS.name:
        return
    parameters = state.parameters
    if not parameters:
        return  # ``insert(...).values(...)``: no rows to read here (documented)
    if isinstance(parameters, dict):
        parameters = [parameters]
    result = state.invoke_statement()
    connection = state.session.connection()
    lessons = {p["lesson_id"] for p in parameters if p.get("completed_at") is not None}
    if lessons:
        courses = dict(
            connection.execute(
                select(_LESSON.c.id, _LESSON.c.course_id).where(_LESSON.c.id.in_(lessons))
            ).all()
        )
        recount(
            connection,
            (
                (p["user_id"], courses[p["lesson_id"]])
                for p in parameters
                if p.get("completed_at") is not None and p["lesson_id"] in courses
            ),
        )
    return result
