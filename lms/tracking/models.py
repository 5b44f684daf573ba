"""Viewing sessions, each user's coverage of each lesson, and credit booked by local date."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class LessonView(db.Model):
    """One viewing session (rule 8): opened, last beat, what it played, what it earned.

    No row per beat: a province of cadres at 70 hours each would be billions of rows. The
    view keeps the union of what it played and the seconds it was credited, which is enough
    to trace any credited second to the session that earned it.
    """

    __tablename__ = "lesson_view"
    __table_args__ = (
        Index("ix_lesson_view_user_lesson", "user_id", "lesson_id"),
        Index("ix_lesson_view_device_opened", "device_id", "opened_at"),
        Index("ix_lesson_view_address_opened", "address", "opened_at"),
        Index("ix_lesson_view_user_opened", "user_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)  # unguessable view_id
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_beat_at: Mapped[datetime | None] = mapped_column()
    last_seq: Mapped[int | None] = mapped_column()
    last_answer: Mapped[dict | None] = mapped_column(JSON)  # replayed for a repeated seq
    played: Mapped[list] = mapped_column(JSON, default=list)  # union of reported segments
    credited_seconds: Mapped[float] = mapped_column(default=0.0)
    position_seconds: Mapped[float] = mapped_column(default=0.0)
    max_rate: Mapped[float] = mapped_column(default=1.0)  # highest rate the player reported
    user_agent: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64))  # the browser's own, localStorage
    # One playback per account (lms.tracking.playback): when another view took over, and the
    # user's clock then, which bounds the one closing beat this view may still be credited.
    superseded_at: Mapped[datetime | None] = mapped_column()
    handover_from: Mapped[datetime | None] = mapped_column()
    # What the player and the server observed over the session, summed as it goes (no row
    # per beat), and the risk level judged from it (lms.tracking.risk).
    evidence: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    risk_level: Mapped[str] = mapped_column(String(8), default="low", server_default="low")
    risk_signals: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    lesson = relationship("Lesson")


class LessonProgress(db.Model):
    """A user's coverage of a lesson over every view and day (rule 4)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    coverage: Mapped[list] = mapped_column(JSON, default=list)  # credited [start, end] pairs
    credited_seconds: Mapped[float] = mapped_column(default=0.0)
    position_seconds: Mapped[float] = mapped_column(default=0.0)  # where to resume
    completed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DailyCredit(db.Model):
    """Seconds credited to a user on one local date (rule 7), the unit of every hour report."""

    __tablename__ = "daily_credit"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date"),
        # Covering index of the dashboards: a cadre's hours in a window are summed from the
        # index alone, for a subtree's cadres at a time (lms/reports).
        Index("ix_daily_credit_user_date_seconds", "user_id", "local_date", "seconds"),
        # And by date: the forecast's recent weeks of every cadre (and a date's total) are
        # read from this index alone, without the table (lms.reports.figures).
        Index("ix_daily_credit_date_user_seconds", "local_date", "user_id", "seconds"),
    )

    # The old values are loaded before a change through the ORM: the totals kept with the
    # ledger take the difference (lms.tracking.totals).
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), active_history=True
    )
    local_date: Mapped[date] = mapped_column(active_history=True)
    seconds: Mapped[float] = mapped_column(default=0.0, active_history=True)


class CreditClock(db.Model):
    """When a user's last beat was accepted, on any view: the real-time bound of rule 5.

    Locked for the duration of a beat, so two tabs beating at once are credited one after
    the other, never both for the same stretch of time.
    """

    __tablename__ = "credit_clock"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    last_beat_at: Mapped[datetime | None] = mapped_column()
    # The one view of the user allowed to play now, and since when (lms.tracking.playback).
    playing_view_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_view.id", ondelete="SET NULL", use_alter=True)
    )
    playing_since: Mapped[datetime | None] = mapped_column()
    # Seconds credited in the current night's hours, for the whole-night signal.
    night_date: Mapped[date | None] = mapped_column()
    night_seconds: Mapped[float] = mapped_column(default=0.0, server_default="0")


MONTHS_IN_WINDOW = 24  # a window runs from January of the year before through December at most


class CreditTotal(db.Model):
    """A cadre's online seconds in one statistics year, kept with the ledger (``DailyCredit``).

    Each beat adds what it books to the ledger's days and, in the same transaction and by
    the same kind of atomic upsert, to the totals of the years those days count toward
    (``lms.tracking.totals``). The dashboards read these rows instead of summing the ledger.
    ``month_NN`` holds the seconds of the NN-th calendar month of the year's window (00: the
    month of its first day), so a year's hours by month are a sum over one row per cadre.
    Which year and month a day falls in depends on the plans' cut-offs: a changed cut-off
    re-totals the years it moves days between (``lms.tracking.totals.retotal``).
    """

    __tablename__ = "credit_total"
    __table_args__ = (Index("ix_credit_total_year_user", "year", "user_id", "seconds"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seconds: Mapped[float] = mapped_column(default=0.0)
    weekend_seconds: Mapped[float] = mapped_column(default=0.0)  # Saturdays and Sundays


for _month in range(MONTHS_IN_WINDOW):
    CreditTotal.__table__.append_column(
        db.Column(f"month_{_month:02d}", db.Double, nullable=False, server_default="0")
    )


class CourseDone(db.Model):
    """How many lessons of a course a user has completed, kept with their lesson progress.

    The completion rule (``lms.tracking.completion``) compares this count with the course's
    lessons; keeping it spares the dashboards grouping every lesson-progress row of a
    province per cadre and course. A beat that completes a lesson adds one in its transaction
    (``lms.tracking.course_totals``); other writes of progress (merges, fixtures, a lesson
    deleted) recount the rows they touch. ``last_done_at`` is when the latest was completed.
    """

    __tablename__ = "course_done"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    lessons_done: Mapped[int] = mapped_column(default=0)
    last_done_at: Mapped[datetime | None] = mapped_column()


class RecentCredit(db.Model):
    """A cadre's ledger seconds in the forecast's recent weeks before today, summed once a
    day ahead of the dashboards (``lms.tracking.recent``); valid only as the one
    ``RecentCreditState`` row says."""

    __tablename__ = "recent_credit"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    seconds: Mapped[float] = mapped_column(default=0.0)


class RecentCreditState(db.Model):
    """Which days ``recent_credit`` sums (``from_date`` up to the day before ``as_of``) and
    whether it still equals the ledger (``valid``): a ledger write to one of those days
    clears it until the next build. One row (id 1), also the lock a build holds."""

    __tablename__ = "recent_credit_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    from_date: Mapped[date] = mapped_column()
    as_of: Mapped[date] = mapped_column()
    valid: Mapped[bool] = mapped_column(default=False)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
