"""Creating and editing classes, their sessions and the blackout periods, with the checks
that refuse a session in a blackout or clashing with another class of a member."""

from dataclasses import dataclass
from datetime import date, time

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lms.classes import rules
from lms.classes.access import can_manage_class
from lms.classes.errors import ClassError
from lms.classes.models import (
    ACTIVE_STATUSES,
    Blackout,
    ClassMember,
    ClassSession,
    MemberStatus,
    SeatQuota,
    TrainingClass,
)
from lms.extensions import db
from lms.org.models import Unit
from lms.org.visibility import can_see_unit
from lms.plans.audiences import AudienceInput, apply_audience

MAX_CAPACITY = 10_000


@dataclass
class ClassInput:
    """A class as submitted, objects looked up."""

    class_type: str
    title: str
    organizer_unit: Unit
    institution: str
    manager: object | None
    venue: str
    description: str
    enrol_opens_on: date
    enrol_closes_on: date
    cancel_until: date
    capacity: int
    audience: AudienceInput


#: Statuses that hold a seat: a sign-up waiting for approval keeps the seat it found free.
HOLDING = (MemberStatus.REQUESTED.value, MemberStatus.NOMINATED.value, MemberStatus.CONFIRMED.value)


def seats_held(training_class: TrainingClass) -> tuple[int, dict[int, int]]:
    """Open seats held (sign-ups waiting for approval or approved), and per unit the seats of
    its quota held (nominees, confirmed or not)."""
    rows = db.session.execute(
        select(ClassMember.quota_unit_id, func.count())
        .where(ClassMember.class_id == training_class.id, ClassMember.status.in_(HOLDING))
        .group_by(ClassMember.quota_unit_id)
    ).all()
    by_unit = {unit_id: count for unit_id, count in rows if unit_id is not None}
    open_taken = sum(count for unit_id, count in rows if unit_id is None)
    return open_taken, by_unit


def _check_class(data: ClassInput, actor) -> None:
    if not can_see_unit(actor, data.organizer_unit):
        raise ClassError(_("Choose a unit you are responsible for as the organizer."))
    if data.enrol_closes_on < data.enrol_opens_on:
        raise ClassError(_("Enrolment cannot close before it opens."))
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise ClassError(_("The capacity must be between 1 and %(max)d.", max=MAX_CAPACITY))
    # The class manager is often a teacher of the training institution, outside the units.
    if data.manager is not None and not data.manager.is_active_account:
        raise ClassError(_("The class manager's account is deactivated."))


def save_class(training_class: TrainingClass | None, data: ClassInput, actor) -> TrainingClass:
    """Create a class, or change one the actor manages (the capacity never below the seats
    held and set aside); a larger capacity promotes the waiting list."""
    _check_class(data, actor)
    if training_class is None:
        training_class = TrainingClass(created_by_id=actor.id)
        db.session.add(training_class)
    else:
        if not can_manage_class(actor, training_class):
            raise ClassError(_("You cannot change this class."), status=403, code="forbidden")
        lock_class(training_class.id)
        open_taken, _by_unit = seats_held(training_class)
        set_aside = sum(quota.seats for quota in training_class.quotas)
        if data.capacity < open_taken + set_aside:
            raise ClassError(
                _(
                    "The capacity cannot be below the %(held)d seats already taken or set aside "
                    "for units.",
                    held=open_taken + set_aside,
                )
            )
    for name in (
        *("class_type", "title", "institution", "venue", "description"),
        *("enrol_opens_on", "enrol_closes_on", "cancel_until", "capacity"),
    ):
        setattr(training_class, name, getattr(data, name))
    training_class.organizer_unit = data.organizer_unit
    training_class.organizer_unit_id = data.organizer_unit.id
    training_class.manager = data.manager
    training_class.manager_id = data.manager.id if data.manager else None
    try:
        apply_audience(training_class, data.audience)
    except ValueError as exc:  # the plan's refusal, shown as the class's
        raise ClassError(str(exc)) from exc
    db.session.flush()
    return training_class


def lock_class(class_id: int) -> TrainingClass | None:
    """The class row, locked until the transaction ends (SELECT … FOR UPDATE): every change of
    seats, the waiting list or members takes it first, so two requests never both count the
    same free seat (PostgreSQL; SQLite writes one transaction at a time anyway)."""
    return db.session.scalar(
        select(TrainingClass)
        .where(TrainingClass.id == class_id)
        .with_for_update(of=TrainingClass)
        .execution_options(populate_existing=True)
    )


# --- blackouts ---------------------------------------------------------------------------


def blackout_periods() -> list[rules.Period]:
    return [
        rules.Period(b.starts_on, b.ends_on, b.reason)
        for b in db.session.scalars(select(Blackout).order_by(Blackout.starts_on))
    ]


def add_blackout(first: date, last: date, reason: str, actor) -> Blackout:
    if last < first:
        raise ClassError(_("A blackout period cannot end before it starts."))
    reason = reason.strip()
    if not reason:
        raise ClassError(_("Say why no class may be scheduled then."))
    blackout = Blackout(starts_on=first, ends_on=last, reason=reason, created_by_id=actor.id)
    db.session.add(blackout)
    db.session.flush()
    return blackout


def sessions_within(first: date, last: date) -> int:
    """Sessions already scheduled in a period (a new blackout does not move them)."""
    return db.session.scalar(
        select(func.count()).select_from(ClassSession).where(ClassSession.day.between(first, last))
    )


def _period_text(period: rules.Period) -> str:
    return _(
        "%(first)s to %(last)s (%(reason)s)",
        first=format_date(period.first),
        last=format_date(period.last),
        reason=period.reason,
    )


# --- sessions ----------------------------------------------------------------------------


def slot_of(session: ClassSession) -> rules.Slot:
    return rules.Slot(session.day, session.starts_at, session.ends_at)


def member_slots(user_id: int, except_class_id: int | None = None):
    """(slot, class title) of every session of the classes ``user_id`` belongs to."""
    query = (
        select(ClassSession, TrainingClass.title)
        .join(TrainingClass, TrainingClass.id == ClassSession.class_id)
        .join(ClassMember, ClassMember.class_id == TrainingClass.id)
        .where(ClassMember.user_id == user_id, ClassMember.status.in_(ACTIVE_STATUSES))
    )
    if except_class_id is not None:
        query = query.where(TrainingClass.id != except_class_id)
    return [(slot_of(session), title) for session, title in db.session.execute(query)]


def clash_for(user, training_class: TrainingClass, slots=None) -> str | None:
    """Why ``user`` cannot be in ``training_class`` at the same time as another class of
    theirs (None: no clash)."""
    slots = [slot_of(s) for s in training_class.sessions] if slots is None else slots
    theirs = member_slots(user.id, except_class_id=training_class.id)
    for slot in slots:
        for other, title in theirs:
            if rules.overlaps(slot, other):
                return _(
                    "The session on %(day)s overlaps the class %(title)s, which %(name)s "
                    "already belongs to.",
                    day=format_date(slot.day),
                    title=title,
                    name=user.display_name,
                )
    return None


def add_session(
    training_class: TrainingClass,
    day: date,
    start: time,
    end: time,
    room: str,
    teacher: str,
    topic: str,
) -> ClassSession:
    """Schedule a session; refused in a blackout, over another session of the class, or at
    the same time as another class of one of its members."""
    if end <= start:
        raise ClassError(_("A session must end after it starts."))
    slot = rules.Slot(day, start, end)
    period = rules.blackout_for(day, blackout_periods())
    if period is not None:
        raise ClassError(
            _(
                "No class may be scheduled in the blackout period %(period)s.",
                period=_period_text(period),
            )
        )
    lock_class(training_class.id)
    for session in training_class.sessions:
        if rules.overlaps(slot, slot_of(session)):
            raise ClassError(_("This session overlaps another session of the class."))
    members = db.session.scalars(
        select(ClassMember).where(
            ClassMember.class_id == training_class.id, ClassMember.status.in_(ACTIVE_STATUSES)
        )
    )
    for member in members:
        clash = clash_for(member.user, training_class, [slot])
        if clash:
            raise ClassError(clash)
    session = ClassSession(
        class_id=training_class.id,
        day=day,
        starts_at=start,
        ends_at=end,
        room=room.strip(),
        teacher=teacher.strip(),
        topic=topic.strip(),
    )
    db.session.add(session)
    db.session.flush()
    db.session.expire(training_class, ["sessions"])
    return session


# --- seat quotas -------------------------------------------------------------------------


def set_quota(training_class: TrainingClass, unit: Unit, seats: int, actor) -> None:
    """Set aside ``seats`` of the class for ``unit`` (0 removes the quota); never below the
    seats its nominees hold, and never more than the capacity leaves."""
    if not can_manage_class(actor, training_class):
        raise ClassError(_("You cannot change this class."), status=403, code="forbidden")
    if seats < 0 or seats > MAX_CAPACITY:
        raise ClassError(_("Give a number of seats from 0 up."))
    lock_class(training_class.id)
    open_taken, by_unit = seats_held(training_class)
    if seats < by_unit.get(unit.id, 0):
        raise ClassError(
            _(
                "%(unit)s already has %(held)d nominees; the quota cannot be smaller.",
                unit=unit.name,
                held=by_unit.get(unit.id, 0),
            )
        )
    quota = next((q for q in training_class.quotas if q.unit_id == unit.id), None)
    others = sum(q.seats for q in training_class.quotas if q.unit_id != unit.id)
    if open_taken + others + seats > training_class.capacity:
        raise ClassError(
            _(
                "Only %(free)d seats are left to set aside (capacity %(capacity)d).",
                free=max(0, training_class.capacity - open_taken - others),
                capacity=training_class.capacity,
            )
        )
    if seats == 0:
        if quota is not None:
            training_class.quotas.remove(quota)
    elif quota is None:
        training_class.quotas.append(SeatQuota(unit_id=unit.id, seats=seats))
    else:
        quota.seats = seats
    db.session.flush()


# --- units in use ------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _keep_units_of_classes(session, _context, _instances) -> None:
    """A unit that organizes a class or is its audience is not deleted with it (the class and
    its members would go too): deleting it is refused with the reason."""
    units = [item.id for item in session.deleted if isinstance(item, Unit)]
    if not units:
        return
    with session.no_autoflush:
        title = session.scalar(
            select(TrainingClass.title)
            .where(TrainingClass.organizer_unit_id.in_(units) | TrainingClass.unit_id.in_(units))
            .limit(1)
        )
    if title is not None:
        raise ClassError(
            _(
                "The class %(title)s is organized by or meant for this unit; change it first.",
                title=title,
            )
        )
