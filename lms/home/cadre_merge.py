"""Duplicate cadre records: finding likely duplicates and merging two records into one.

It reads and rewrites the rows of nearly every feature (tracking, quizzes, offline training,
courses, the assessment, notifications, API tokens), so it lives on the top floor
(docs/architecture.md: pages that gather many features).

**Likely duplicates** (``find_duplicates``): two cadre records whose personnel numbers share the
normal form (lms.core.personnel; the unique index of migration 0014 leaves none, but a listing
that looked for them costs one grouped query), whose numbers differ only by leading zeros (a
roster once read from a sheet that dropped them), or with the same name and date of birth.

**A merge** (``merge_cadres``) moves everything of the *other* record to the one *kept*, in the
caller's transaction (a request's or the command's: one commit or none), and then deletes the
other account:

- the ledger (daily credit): rows of the same local date are summed into one. No rule caps a
  day's credit (docs/domain.md; rule 5 bounds each account's beats by real time), so the sum
  is kept whole: every credited second of both accounts stays, and hours after the merge are
  the sum of hours before, on every day, month and statistics year;
- viewing sessions (unchanged rows); lesson progress: for a lesson both studied, the coverage
  is the union of both (what completion and resuming read) and the credited seconds are the
  sum, so the per-course hours agree with the summed ledger (a union may be shorter than the
  sum: both accounts really watched the overlapping part, and each was credited for it);
- quiz attempts (renumbered per quiz in the order they were started) and results: a result of
  a quiz and statistics year only one had moves as is; one both had is recomputed from all
  the attempts by the quiz's counting rule, so its attempt count is the sum;
- offline training, exemptions, notifications, uploads, the mail outbox and audit entries
  (also where the other account recorded, reviewed or owned something);
- enrolments (one per course: required if either was, the earlier date) and the courses taught;
- course evaluations: that either evaluated a course (one mark per course; the anonymous
  answers are not tied to anyone and stay as they are);
- the assessment's stored results: a run that assessed both keeps the kept record's line (the
  next run assesses the merged figures); other runs' lines move;
- the other account's API tokens and login sessions end with it (deleted);
- empty fields of the kept record (category, rank, position, dates, e-mail, phone) are filled
  from the other; the kept account's username, number, unit and roles stay.

One audit entry (action ``merge``, entity ``cadre``) keeps who merged what, both records as
they were and the figures before and after.
"""

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from lms.accounts.models import LoginSession, Role, User, UserRole
from lms.api.models import ApiToken
from lms.assessment.models import AssessmentResult
from lms.classes.models import ACTIVE_STATUSES, ClassMember
from lms.core.errors import LmsError
from lms.core.personnel import digits_without_zeros
from lms.core.timeutil import utcnow
from lms.courses.models import Enrollment, course_instructor
from lms.evaluation.models import EvaluationSubmission
from lms.extensions import db
from lms.notify.models import Notification
from lms.offline.audit import CADRE_ENTITY
from lms.offline.models import AuditEntry, Exemption, OfflineTraining
from lms.org.models import Cadre
from lms.quizzes.filing import update_result
from lms.quizzes.models import Quiz, QuizAttempt, QuizResult
from lms.tracking.intervals import union
from lms.tracking.models import (
    CreditClock,
    CreditTotal,
    DailyCredit,
    LessonProgress,
    LessonView,
)

SAME_NUMBER, LEADING_ZEROS, NAME_AND_BIRTH = "same_number", "leading_zeros", "name_and_birth"


class MergeError(LmsError):
    """The two records cannot be merged; the message says why."""


# --- finding likely duplicates -----------------------------------------------------------


@dataclass
class DuplicateGroup:
    """Cadre records that are likely one person, and why they were grouped."""

    reason: str
    users: list  # User, kept first by the suggestion: the longest history, then the oldest


def find_duplicates() -> list[DuplicateGroup]:
    """Every group of likely duplicates, strongest reason first, then by name."""
    groups, seen = [], set()
    for reason, member_sets in (
        (SAME_NUMBER, _same_number_groups()),
        (LEADING_ZEROS, _zero_groups()),
        (NAME_AND_BIRTH, _name_and_birth_groups()),
    ):
        for ids in member_sets:
            key = frozenset(ids)
            if len(key) > 1 and key not in seen:
                seen.add(key)
                groups.append((reason, sorted(key)))
    listed = _users_with_history({i for _reason, ids in groups for i in ids})
    result = [
        DuplicateGroup(
            reason,
            [listed[i].user for i in sorted(ids, key=lambda i: (-listed[i].seconds, i))],
        )
        for reason, ids in groups
    ]
    order = {SAME_NUMBER: 0, LEADING_ZEROS: 1, NAME_AND_BIRTH: 2}
    result.sort(key=lambda g: (order[g.reason], g.users[0].display_name, g.users[0].id))
    return result


def _same_number_groups():
    keys = select(Cadre.personnel_key).group_by(Cadre.personnel_key).having(func.count() > 1)
    rows = db.session.execute(
        select(Cadre.personnel_key, Cadre.user_id).where(Cadre.personnel_key.in_(keys))
    )
    return _grouped(rows)


def _zero_groups():
    # Grouped in SQL by the number without leading zeros (one scan, whatever the size of
    # the province), then kept in Python only where the numbers are digits only.
    stripped = func.ltrim(Cadre.personnel_key, "0")
    twins = select(stripped).group_by(stripped).having(func.count() > 1)
    rows = db.session.execute(select(Cadre.personnel_key, Cadre.user_id).where(stripped.in_(twins)))
    return _grouped(
        (digits_without_zeros(key), user_id)
        for key, user_id in rows
        if digits_without_zeros(key) is not None
    )


def _name_and_birth_groups():
    pairs = (
        select(User.display_name, Cadre.date_of_birth)
        .join(Cadre, Cadre.user_id == User.id)
        .where(Cadre.date_of_birth.is_not(None))
        .group_by(User.display_name, Cadre.date_of_birth)
        .having(func.count() > 1)
        .subquery()
    )
    rows = db.session.execute(
        select(User.display_name, Cadre.date_of_birth, User.id)
        .join(Cadre, Cadre.user_id == User.id)
        .join(
            pairs,
            (pairs.c.display_name == User.display_name)
            & (pairs.c.date_of_birth == Cadre.date_of_birth),
        )
    )
    return _grouped(((name, born), user_id) for name, born, user_id in rows)


def _grouped(rows) -> list[list[int]]:
    groups = defaultdict(set)
    for key, user_id in rows:
        groups[key].add(user_id)
    return [sorted(ids) for ids in groups.values() if len(ids) > 1]


@dataclass
class _Listed:
    user: User
    seconds: float


def _users_with_history(user_ids: set[int]) -> dict[int, _Listed]:
    if not user_ids:
        return {}
    seconds = dict(
        db.session.execute(
            select(DailyCredit.user_id, func.sum(DailyCredit.seconds))
            .where(DailyCredit.user_id.in_(user_ids))
            .group_by(DailyCredit.user_id)
        ).all()
    )
    users = db.session.scalars(select(User).where(User.id.in_(user_ids)))
    return {u.id: _Listed(u, float(seconds.get(u.id) or 0.0)) for u in users}


# --- the figures shown before a merge and kept in its audit entry --------------------------


FIGURE_LABELS = {
    "credited_hours": _l("Credited hours"),
    "credit_days": _l("Days with credit"),
    "lesson_views": _l("Viewing sessions"),
    "lessons_studied": _l("Lessons studied"),
    "quiz_attempts": _l("Quiz attempts"),
    "quiz_results": _l("Quiz results"),
    "result_attempts": _l("Attempts counted in results"),
    "results_passed": _l("Results passed"),
    "offline_records": _l("Offline training records"),
    "offline_hours": _l("Offline training hours"),
    "exemptions": _l("Exemptions"),
    "enrolments": _l("Enrolments"),
    "notifications": _l("Notifications"),
    "assessment_results": _l("Assessment results"),
}


def figures(user_id: int) -> dict:
    """What a record holds, counted: what the confirmation page shows and the audit keeps."""

    def one(query):
        return db.session.scalar(query) or 0

    seconds = float(
        one(select(func.sum(DailyCredit.seconds)).where(DailyCredit.user_id == user_id))
    )
    return {
        "credited_hours": round(seconds / 3600, 4),
        "credit_days": one(select(func.count()).where(DailyCredit.user_id == user_id)),
        "lesson_views": one(select(func.count()).where(LessonView.user_id == user_id)),
        "lessons_studied": one(select(func.count()).where(LessonProgress.user_id == user_id)),
        "quiz_attempts": one(select(func.count()).where(QuizAttempt.user_id == user_id)),
        "quiz_results": one(select(func.count()).where(QuizResult.user_id == user_id)),
        "result_attempts": one(
            select(func.sum(QuizResult.attempt_count)).where(QuizResult.user_id == user_id)
        ),
        "results_passed": one(
            select(func.count()).where(QuizResult.user_id == user_id, QuizResult.is_passed)
        ),
        "offline_records": one(select(func.count()).where(OfflineTraining.user_id == user_id)),
        "offline_hours": float(
            one(select(func.sum(OfflineTraining.hours)).where(OfflineTraining.user_id == user_id))
        ),
        "exemptions": one(select(func.count()).where(Exemption.user_id == user_id)),
        "enrolments": one(select(func.count()).where(Enrollment.user_id == user_id)),
        "notifications": one(select(func.count()).where(Notification.user_id == user_id)),
        "assessment_results": one(select(func.count()).where(AssessmentResult.user_id == user_id)),
    }


def describe(user: User) -> dict:
    """A record as the audit keeps it: who it was and what it held."""
    cadre = user.cadre
    return {
        "user_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "personnel_number": cadre.personnel_number if cadre else None,
        "unit": user.unit.name_path if user.unit else None,
        "date_of_birth": cadre.date_of_birth.isoformat() if cadre and cadre.date_of_birth else None,
        "figures": figures(user.id),
    }


# --- merging -------------------------------------------------------------------------------


def check_mergeable(keep: User | None, other: User | None) -> None:
    """Raise MergeError unless ``other`` may be merged into ``keep``."""
    if keep is None or other is None:
        raise MergeError(
            _("One of the two records no longer exists (merged or deleted meanwhile).")
        )
    if keep.id == other.id:
        raise MergeError(_("Choose two different records."))
    if keep.cadre is None or other.cadre is None:
        raise MergeError(_("Only two cadre records can be merged."))
    if other.roles - {Role.CADRE}:
        # Staff accounts carry permissions and authored content; merging one away would
        # silently hand those to the kept account.
        raise MergeError(
            _(
                "%(name)s has roles besides cadre; remove them before merging this account "
                "into another.",
                name=other.username,
            )
        )


@dataclass
class MergeReport:
    keep_id: int
    other_id: int
    before_keep: dict
    before_other: dict
    after: dict
    audit_id: int


def merge_cadres(keep_id: int, other_id: int, actor: User | None) -> MergeReport:
    """Merge the record ``other_id`` into ``keep_id`` (module docstring); flushes, never
    commits: the caller's transaction keeps all of it or none."""
    keep, other = _lock(keep_id, other_id)
    check_mergeable(keep, other)
    before_keep, before_other = describe(keep), describe(other)
    _fill_empty_fields(keep, other)
    db.session.flush()
    _merge_ledger(keep_id, other_id)
    _merge_progress(keep_id, other_id)
    _merge_clock(keep_id, other_id)
    _merge_quizzes(keep_id, other_id)
    _merge_enrolments(keep_id, other_id)
    _merge_assessment(keep_id, other_id)
    _merge_evaluations(keep_id, other_id)
    _merge_class_places(keep_id, other_id)
    _repoint_everything_else(keep_id, other_id)
    _delete_account(other_id)
    db.session.flush()
    db.session.expire_all()
    keep = db.session.get(User, keep_id)
    after = figures(keep_id)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        at=utcnow(),
        action="merge",
        entity_type=CADRE_ENTITY,
        entity_id=keep.cadre.id,
        subject_user_id=keep_id,
        before={"kept": before_keep, "merged": before_other},
        after={**describe(keep), "figures": after},
    )
    db.session.add(entry)
    db.session.flush()
    return MergeReport(keep_id, other_id, before_keep, before_other, after, entry.id)


def _lock(keep_id: int, other_id: int) -> tuple[User | None, User | None]:
    """Lock both accounts, then their credit clocks, and read them as they are now."""
    ids = sorted({keep_id, other_id})
    # Two merges of one pair at once (a double click, two administrators): the second waits
    # here for the first, then finds the other account gone (PostgreSQL; SQLite's writer
    # lock serializes anyway).
    found = db.session.scalars(
        select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update()
    ).all()
    if len(found) < len(ids):
        return None, None
    # A beat locks its user's clock row before touching the views, progress and ledger
    # (README, Study time): holding both clocks makes a beat of either account wait for the
    # merge, so no credit lands on the other account after its ledger moved.
    for user_id in ids:
        if db.session.get(CreditClock, user_id) is None:
            db.session.add(CreditClock(user_id=user_id))
    db.session.flush()
    db.session.execute(
        select(CreditClock.user_id)
        .where(CreditClock.user_id.in_(ids))
        .order_by(CreditClock.user_id)
        .with_for_update()
    ).all()
    return (
        db.session.get(User, keep_id, populate_existing=True),
        db.session.get(User, other_id, populate_existing=True),
    )


_FILLED_CADRE = ("category_id", "rank", "position", "date_of_birth", "last_promoted_on")
_FILLED_USER = ("email", "phone", "preferred_language")


def _fill_empty_fields(keep: User, other: User) -> None:
    for name in _FILLED_CADRE:
        if getattr(keep.cadre, name) is None and getattr(other.cadre, name) is not None:
            setattr(keep.cadre, name, getattr(other.cadre, name))
    for name in _FILLED_USER:
        if getattr(keep, name) is None and getattr(other, name) is not None:
            setattr(keep, name, getattr(other, name))


def _merge_ledger(keep_id: int, other_id: int) -> None:
    kept = {
        row.local_date: row
        for row in db.session.scalars(select(DailyCredit).where(DailyCredit.user_id == keep_id))
    }
    for row in db.session.scalars(select(DailyCredit).where(DailyCredit.user_id == other_id)):
        if row.local_date in kept:
            kept[row.local_date].seconds = float(kept[row.local_date].seconds) + float(row.seconds)
            db.session.delete(row)
        else:
            row.user_id = keep_id
    db.session.flush()


def _merge_progress(keep_id: int, other_id: int) -> None:
    kept = {
        row.lesson_id: row
        for row in db.session.scalars(
            select(LessonProgress).where(LessonProgress.user_id == keep_id)
        )
    }
    for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == other_id)):
        mine = kept.get(row.lesson_id)
        if mine is None:
            row.user_id = keep_id
            continue
        mine.coverage = [list(part) for part in union([*mine.coverage, *row.coverage])]
        mine.credited_seconds = float(mine.credited_seconds) + float(row.credited_seconds)
        if row.updated_at > mine.updated_at:
            mine.position_seconds = row.position_seconds
            mine.updated_at = row.updated_at
        done = [at for at in (mine.completed_at, row.completed_at) if at is not None]
        mine.completed_at = min(done) if done else None
        db.session.delete(row)
    db.session.flush()


def _merge_clock(keep_id: int, other_id: int) -> None:
    mine, theirs = db.session.get(CreditClock, keep_id), db.session.get(CreditClock, other_id)
    if theirs is None:
        return
    times = [t for t in (mine.last_beat_at, theirs.last_beat_at) if t is not None]
    mine.last_beat_at = max(times) if times else None
    db.session.delete(theirs)
    db.session.flush()


def _merge_quizzes(keep_id: int, other_id: int) -> None:
    moved = list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == other_id)))
    for attempt in moved:
        attempt.user_id = keep_id
    db.session.flush()
    for quiz_id in {a.quiz_id for a in moved}:
        attempts = db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == keep_id, QuizAttempt.quiz_id == quiz_id)
            .order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
        for number, attempt in enumerate(attempts, start=1):
            attempt.number = number
    kept = {
        (r.quiz_id, r.year)
        for r in db.session.scalars(select(QuizResult).where(QuizResult.user_id == keep_id))
    }
    recompute = set()
    for result in db.session.scalars(select(QuizResult).where(QuizResult.user_id == other_id)):
        if (result.quiz_id, result.year) in kept:
            recompute.add((result.quiz_id, result.year))
            db.session.delete(result)
        else:
            result.user_id = keep_id
    db.session.flush()
    for quiz_id, year in sorted(recompute):
        update_result(keep_id, db.session.get(Quiz, quiz_id), year)


def _merge_enrolments(keep_id: int, other_id: int) -> None:
    kept = {
        row.course_id: row
        for row in db.session.scalars(select(Enrollment).where(Enrollment.user_id == keep_id))
    }
    for row in db.session.scalars(select(Enrollment).where(Enrollment.user_id == other_id)):
        mine = kept.get(row.course_id)
        if mine is None:
            row.user_id = keep_id
            continue
        mine.is_required = mine.is_required or row.is_required
        mine.created_at = min(mine.created_at, row.created_at)
        db.session.delete(row)
    taught = select(course_instructor.c.course_id).where(course_instructor.c.user_id == keep_id)
    db.session.execute(
        delete(course_instructor).where(
            course_instructor.c.user_id == other_id, course_instructor.c.course_id.in_(taught)
        )
    )
    db.session.execute(
        update(course_instructor)
        .where(course_instructor.c.user_id == other_id)
        .values(user_id=keep_id)
    )
    db.session.flush()


def _merge_assessment(keep_id: int, other_id: int) -> None:
    runs = select(AssessmentResult.run_id).where(AssessmentResult.user_id == keep_id)
    db.session.execute(
        delete(AssessmentResult).where(
            AssessmentResult.user_id == other_id, AssessmentResult.run_id.in_(runs)
        )
    )
    db.session.execute(
        update(AssessmentResult).where(AssessmentResult.user_id == other_id).values(user_id=keep_id)
    )


def _merge_evaluations(keep_id: int, other_id: int) -> None:
    # Who evaluated a course, once each: a course both evaluated keeps one mark (both
    # anonymous responses stay, as neither can be told from the others).
    evaluated = select(EvaluationSubmission.course_id).where(
        EvaluationSubmission.user_id == keep_id
    )
    db.session.execute(
        delete(EvaluationSubmission).where(
            EvaluationSubmission.user_id == other_id,
            EvaluationSubmission.course_id.in_(evaluated),
        )
    )
    db.session.execute(
        update(EvaluationSubmission)
        .where(EvaluationSubmission.user_id == other_id)
        .values(user_id=keep_id)
    )


def _merge_class_places(keep_id: int, other_id: int) -> None:
    # One place per cadre and class: where both accounts have one, the kept account keeps a
    # place that still counts (signed up, waiting, nominated, confirmed) over one that ended.
    kept = {
        row.class_id: row
        for row in db.session.scalars(select(ClassMember).where(ClassMember.user_id == keep_id))
    }
    for row in db.session.scalars(select(ClassMember).where(ClassMember.user_id == other_id)):
        mine = kept.get(row.class_id)
        if mine is None:
            row.user_id = keep_id
        elif mine.status not in ACTIVE_STATUSES and row.status in ACTIVE_STATUSES:
            db.session.delete(mine)
            db.session.flush()
            row.user_id = keep_id
        else:
            db.session.delete(row)
    db.session.flush()


#: Columns referring to a user that the steps above merge, or that end with the account.
_HANDLED = {
    ("daily_credit", "user_id"),
    # The totals follow the ledger's rows as they move (lms.tracking.totals' mapper events);
    # the other account's, emptied so, end with it.
    ("credit_total", "user_id"),
    # Moving ledger days before today clears the day's recent-weeks sums (lms.tracking.recent),
    # which the next build makes again from the merged ledger.
    ("recent_credit", "user_id"),
    ("lesson_progress", "user_id"),
    # Lessons done per course are recounted as progress rows move (lms.tracking.course_totals).
    ("course_done", "user_id"),
    ("credit_clock", "user_id"),
    ("quiz_attempt", "user_id"),
    ("quiz_result", "user_id"),
    ("enrollment", "user_id"),
    ("course_instructor", "user_id"),
    ("assessment_result", "user_id"),
    ("evaluation_submission", "user_id"),
    ("api_token", "user_id"),
    ("login_session", "user_id"),
    ("user_role", "user_id"),
    ("cadre", "user_id"),
    ("class_member", "user_id"),
}


def user_references() -> list[tuple]:
    """(table, column, unique) of every column that refers to a user and no step above
    merges; ``unique`` when a unique constraint or index includes it."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != User.__tablename__ or fk.column.name != "id":
                continue
            column = fk.parent
            if (table.name, column.name) in _HANDLED:
                continue
            uniques = [
                c
                for c in (*table.constraints, *table.indexes)
                if getattr(c, "unique", c.__class__.__name__ == "UniqueConstraint")
                and column.name in {col.name for col in getattr(c, "columns", [])}
                and c.__class__.__name__ != "PrimaryKeyConstraint"
            ]
            found.append((table, column, bool(uniques or column.unique or column.primary_key)))
    return found


def _repoint_everything_else(keep_id: int, other_id: int) -> None:
    # Viewing sessions, offline records and exemptions, notifications, uploads, the outbox,
    # audit entries, and whatever the other account recorded, reviewed or created: plain
    # references, moved as they are. A table added later with one row per user would need
    # a rule of its own (summing, like the ledger): refuse rather than break its constraint.
    for table, column, unique in user_references():
        if unique:
            raise MergeError(
                _(
                    "The table %(table)s keeps one row per user; merging needs a rule for it.",
                    table=table.name,
                )
            )
        db.session.execute(update(table).where(column == other_id).values({column.name: keep_id}))


def _delete_account(other_id: int) -> None:
    # The other account's tokens and logins end with it; nothing else refers to it now.
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == other_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    for model in (ApiToken, LoginSession, UserRole, Cadre, CreditTotal):
        db.session.execute(delete(model).where(model.user_id == other_id))
    db.session.execute(delete(User).where(User.id == other_id))
