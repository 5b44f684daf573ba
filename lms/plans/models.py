"""Training years, quota rules with their audiences, and assignments of courses and exams."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from lms.core import statsyear
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.plans import rules


class TrainingYear(db.Model):
    """One year's plan: its statistics cut-off and the parameters of its rules.

    The defaults come from the settings when the plan is created; afterwards the plan
    keeps its own values, so changing a setting never rewrites a past year.
    """

    __tablename__ = "training_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    cutoff_month: Mapped[int] = mapped_column(default=11)
    cutoff_day: Mapped[int] = mapped_column(default=30)
    hours_per_training_day: Mapped[float] = mapped_column(default=8.0)
    young_age_limit: Mapped[int] = mapped_column(default=40)
    newly_promoted_months: Mapped[int] = mapped_column(default=24)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    quota_rules = relationship(
        "QuotaRule",
        back_populates="training_year",
        cascade="all, delete-orphan",
        order_by="QuotaRule.id",
    )

    @property
    def cutoff(self) -> tuple[int, int]:
        return self.cutoff_month, self.cutoff_day

    def window_after(self, previous_cutoff: tuple[int, int]) -> tuple[date, date]:
        """The local dates whose hours count toward this year's figures: from the day after
        ``previous_cutoff`` (the previous year's: ``plans.years.plan_window`` looks it up)
        through this plan's cut-off."""
        return statsyear.window_of(self.year, self.cutoff, previous_cutoff)

    @property
    def limits(self) -> rules.Limits:
        return rules.Limits(self.young_age_limit, self.newly_promoted_months)

    @property
    def as_of(self) -> date:
        return rules.reference_date(self.year)


class AudienceMixin:
    """An audience stored as a rule, never as a list: unit, category, rank, priority group."""

    @declared_attr
    def unit_id(cls) -> Mapped[int | None]:
        # A unit can only be deleted when empty, so nobody loses a rule that applied to them.
        return mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)

    include_sub_units: Mapped[bool] = mapped_column(default=True)

    @declared_attr
    def category_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("cadre_category.id"))

    rank: Mapped[str | None] = mapped_column(String(100))
    priority_group: Mapped[str | None] = mapped_column(String(20))

    @declared_attr
    def unit(cls):
        return relationship("Unit", lazy="joined")

    @declared_attr
    def category(cls):
        return relationship("CadreCategory", lazy="joined")

    @property
    def audience(self) -> rules.Audience:
        return rules.Audience(
            unit_id=self.unit_id,
            unit_tree_path=self.unit.tree_path if self.unit else None,
            include_sub_units=self.include_sub_units,
            category_id=self.category_id,
            rank=rules.normalize_rank(self.rank) or None,
            priority_group=self.priority_group or None,
        )


class QuotaRule(AudienceMixin, db.Model):
    """Online hours (part of them from required courses) and training days an audience owes."""

    __tablename__ = "quota_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_year_id: Mapped[int] = mapped_column(
        ForeignKey("training_year.id", ondelete="CASCADE"), index=True
    )
    online_hours: Mapped[float] = mapped_column(default=0.0)
    required_hours: Mapped[float] = mapped_column(default=0.0)
    # Training days online and offline together; a day is the plan's hours_per_training_day.
    offline_days: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_year = relationship("TrainingYear", back_populates="quota_rules")

    @property
    def figures(self) -> rules.RuleFigures:
        return rules.RuleFigures(
            self.id, self.audience, self.online_hours, self.required_hours, self.offline_days
        )


class Assignment(AudienceMixin, db.Model):
    """A course (required for the audience) or an exam assigned with a due date."""

    __tablename__ = "plan_assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    training_year_id: Mapped[int] = mapped_column(
        ForeignKey("training_year.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_year = relationship("TrainingYear")
    course = relationship("Course", lazy="joined")
    quiz = relationship("Quiz", lazy="joined")
    created_by = relationship("User")
