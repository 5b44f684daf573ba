"""A cadre's place in a class: sign-up and its approval, nominations into a unit's seats,
the waiting list and its automatic promotion, and cancellation up to the deadline.

Every change takes the class's row lock first (``scheduling.lock_class``) and only then
counts seats, so two cadres racing for the last seat cannot both get it.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import Role
from lms.classes import decisions, rules
from lms.classes.access import can_decide, can_nominate, unit_supervisors
from lms.classes.errors import ClassError
from lms.classes.models import ACTIVE_STATUSES, ClassMember, MemberStatus, TrainingClass
from lms.classes.scheduling import clash_for, lock_class, seats_held
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.plans import rules as plan_rules
from lms.plans import years
from lms.plans.quotas import cadre_facts

S = MemberStatus


def in_audience(training_class: TrainingClass, user, facts=None) -> bool:
    """Whether ``user`` is a cadre the class's audience reaches (priority groups as the plan
    of the year enrolment opens in reckons them); ``facts`` spares reading them again."""
    facts = facts if facts is not None else cadre_facts(user)
    if facts is None or not user.is_active_account:
        return False
    audience = training_class.audience
    if not audience.priority_group:  # the plan's reference date only matters for groups
        return plan_rules.matches(audience, facts, local_today())
    year = training_class.enrol_opens_on.year
    plan = years.get_plan(year) or years.new_plan(year)
    return plan_rules.matches(audience, facts, plan.as_of, plan.limits)


def member_of(training_class: TrainingClass, user) -> ClassMember | None:
    """The cadre's row in the class, if they ever had one."""
    return db.session.scalar(
        select(ClassMember)
        .where(ClassMember.class_id == training_class.id, ClassMember.user_id == user.id)
        .order_by(ClassMember.id.desc())
        .limit(1)
    )


def free_open_seats(training_class: TrainingClass) -> int:
    open_taken, _by_unit = seats_held(training_class)
    set_aside = sum(quota.seats for quota in training_class.quotas)
    return rules.open_seats(training_class.capacity, set_aside, open_taken)


def _move(member: ClassMember, status: S, actor, action: str, **fields) -> None:
    before = decisions.snapshot(member)
    member.status = status.value
    member.updated_at = utcnow()
    for name, value in fields.items():
        setattr(member, name, value)
    db.session.flush()
    decisions.record(actor, action, member, before)


def _join_checks(training_class: TrainingClass, user) -> ClassMember | None:
    """The cadre's earlier row to reuse, after refusing a second place or a clash."""
    member = member_of(training_class, user)
    if member is not None and member.status in ACTIVE_STATUSES:
        raise ClassError(_("%(name)s already has a place in this class.", name=user.display_name))
    clash = clash_for(user, training_class)
    if clash:
        raise ClassError(clash)
    return member


def sign_up(training_class: TrainingClass, user, today: date | None = None) -> ClassMember:
    """A cadre in the audience asks for a place while enrolment is open: a free open seat is
    held for them and a supervisor of their unit decides; a full class puts them on the
    waiting list."""
    today = today or local_today()
    lock_class(training_class.id)
    if not rules.enrolment_open(
        today, training_class.enrol_opens_on, training_class.enrol_closes_on
    ):
        raise ClassError(_("Enrolment for this class is not open."), status=409, code="closed")
    if not in_audience(training_class, user):
        raise ClassError(_("This class is not open to you."), status=403, code="forbidden")
    member = _join_checks(training_class, user)
    has_seat = free_open_seats(training_class) > 0
    status = S.REQUESTED if has_seat else S.WAITING
    fields = {"quota_unit_id": None, "reason": "", "nominated_by_id": None}
    fields["waiting_since"] = None if has_seat else utcnow()
    action = "sign_up" if has_seat else "wait"
    if member is None:
        member = ClassMember(class_id=training_class.id, user_id=user.id, status=status.value)
        for name, value in fields.items():
            setattr(member, name, value)
        db.session.add(member)
        db.session.flush()
        decisions.record(user, action, member, None)
    else:
        _move(member, status, user, action, **fields)
    if has_seat:
        _ask_supervisors(member)
    return member


def _ask_supervisors(member: ClassMember) -> None:
    for supervisor in unit_supervisors(member.user.unit):
        decisions.tell(supervisor.id, "class_signed_up", member, name=member.user.display_name)


def _decidable(member: ClassMember, actor, statuses) -> TrainingClass:
    training_class = lock_class(member.class_id)
    db.session.refresh(member)
    if not can_decide(actor, member):
        raise ClassError(_("You cannot decide on this sign-up."), status=403, code="forbidden")
    if member.status not in statuses or member.quota_unit_id is not None:
        raise ClassError(
            _("Only a sign-up waiting for approval can be approved or refused."),
            status=409,
            code="decided",
        )
    return training_class


def approve(member: ClassMember, actor) -> ClassMember:
    """Approve a sign-up that holds a seat: the place is the cadre's."""
    _decidable(member, actor, (S.REQUESTED.value,))
    _move(member, S.CONFIRMED, actor, "approve", decided_by_id=actor.id, decided_at=utcnow())
    decisions.tell(member.user_id, "class_approved", member)
    return member


def refuse(member: ClassMember, actor, reason: str) -> ClassMember:
    """Refuse a sign-up (holding a seat or waiting); a freed seat goes to the waiting list."""
    training_class = _decidable(member, actor, (S.REQUESTED.value, S.WAITING.value))
    held_seat = member.status == S.REQUESTED.value
    _move(
        member,
        S.REFUSED,
        actor,
        "refuse",
        reason=reason.strip()[:500],
        decided_by_id=actor.id,
        decided_at=utcnow(),
        waiting_since=None,
    )
    decisions.tell(member.user_id, "class_refused", member)
    if held_seat:
        promote_waiting(training_class, actor)
    return member


def nominate(training_class: TrainingClass, unit: Unit, user, reason: str, actor) -> ClassMember:
    """A supervisor of a unit with seats in the class nominates one of its cadres (with a
    reason) into a free seat of the unit's quota; the nominee confirms or declines."""
    lock_class(training_class.id)
    if not can_nominate(actor, unit):
        raise ClassError(_("You cannot nominate for this unit."), status=403, code="forbidden")
    quota = next((q for q in training_class.quotas if q.unit_id == unit.id), None)
    if quota is None:
        raise ClassError(_("This unit has no seats in the class."))
    if user.unit is None or not user.unit.is_within(unit) or cadre_facts(user) is None:
        raise ClassError(_("Nominate a cadre of %(unit)s.", unit=unit.name))
    reason = reason.strip()
    if not reason:
        raise ClassError(_("Give the reason for the nomination."))
    _open_taken, by_unit = seats_held(training_class)
    if rules.quota_seats_free(quota.seats, by_unit.get(unit.id, 0)) == 0:
        raise ClassError(
            _("All %(seats)d seats of %(unit)s are taken.", seats=quota.seats, unit=unit.name),
            status=409,
            code="full",
        )
    member = _join_checks(training_class, user)
    fields = {"quota_unit_id": unit.id, "reason": reason[:500], "nominated_by_id": actor.id}
    if member is None:
        member = ClassMember(
            class_id=training_class.id, user_id=user.id, status=S.NOMINATED.value, **fields
        )
        db.session.add(member)
        db.session.flush()
        decisions.record(actor, "nominate", member, None)
    else:
        _move(member, S.NOMINATED, actor, "nominate", **fields)
    decisions.tell(user.id, "class_nominated", member)
    return member


def answer_nomination(member: ClassMember, user, accept: bool) -> ClassMember:
    """The nominee confirms the place or declines it (the unit may nominate someone else)."""
    lock_class(member.class_id)
    db.session.refresh(member)
    if member.user_id != user.id:
        raise ClassError(
            _("Only the nominee can answer a nomination."), status=403, code="forbidden"
        )
    if member.status != S.NOMINATED.value:
        raise ClassError(_("This nomination has already been answered."), status=409, code="done")
    if accept:
        _move(member, S.CONFIRMED, user, "confirm")
    else:
        _move(member, S.DECLINED, user, "decline")
    return member


def cancel(member: ClassMember, user, today: date | None = None) -> ClassMember:
    """The cadre gives up their place (or their place on the waiting list) until the class's
    cancellation deadline; a freed open seat goes to the first on the waiting list."""
    today = today or local_today()
    training_class = lock_class(member.class_id)
    db.session.refresh(member)
    if member.user_id != user.id:
        raise ClassError(_("Only the cadre can cancel their place."), status=403, code="forbidden")
    if member.status not in ACTIVE_STATUSES:
        raise ClassError(_("You have no place in this class to cancel."), status=409, code="done")
    if not rules.may_cancel(today, training_class.cancel_until):
        raise ClassError(_("The deadline for cancelling has passed."), status=409, code="deadline")
    held_open_seat = (
        member.status in (S.REQUESTED.value, S.CONFIRMED.value) and member.quota_unit_id is None
    )
    _move(member, S.CANCELLED, user, "cancel", waiting_since=None)
    if held_open_seat:
        promote_waiting(training_class)
    return member


def promote_waiting(training_class: TrainingClass, actor=None) -> list[ClassMember]:
    """Give free open seats to the waiting list, first come first served: the promoted cadre's
    sign-up holds the seat and goes to the supervisors of their unit, and both are told. The
    caller holds the class's lock."""
    promoted = []
    free = free_open_seats(training_class)
    if free <= 0:
        return promoted
    waiting = db.session.scalars(
        select(ClassMember)
        .where(ClassMember.class_id == training_class.id, ClassMember.status == S.WAITING.value)
        .order_by(ClassMember.waiting_since, ClassMember.id)
        .limit(free)
    )
    for member in waiting:
        _move(member, S.REQUESTED, actor, "promote", waiting_since=None)
        decisions.tell(member.user_id, "class_promoted", member)
        for supervisor in unit_supervisors(member.user.unit):
            decisions.tell(
                supervisor.id, "class_member_promoted", member, name=member.user.display_name
            )
        promoted.append(member)
    return promoted


def waiting_position(member: ClassMember) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if member.status != S.WAITING.value:
        return None
    ahead = db.session.scalar(
        select(db.func.count())
        .select_from(ClassMember)
        .where(
            ClassMember.class_id == member.class_id,
            ClassMember.status == S.WAITING.value,
            (ClassMember.waiting_since < member.waiting_since)
            | ((ClassMember.waiting_since == member.waiting_since) & (ClassMember.id < member.id)),
        )
    )
    return ahead + 1


def my_places(user) -> list[ClassMember]:
    """The caller's places in classes (ended ones too), newest class first."""
    return list(
        db.session.scalars(
            select(ClassMember)
            .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
            .where(ClassMember.user_id == user.id)
            .order_by(TrainingClass.enrol_opens_on.desc(), ClassMember.id.desc())
        )
    )


def classes_open_to(user, today: date) -> list[TrainingClass]:
    """Classes taking sign-ups today whose audience reaches ``user`` and that they are not in."""
    if not user.has_role(Role.CADRE):
        return []
    mine = select(ClassMember.class_id).where(
        ClassMember.user_id == user.id, ClassMember.status.in_(ACTIVE_STATUSES)
    )
    candidates = db.session.scalars(
        select(TrainingClass)
        .where(
            TrainingClass.enrol_opens_on <= today,
            TrainingClass.enrol_closes_on >= today,
            TrainingClass.id.not_in(mine),
        )
        .order_by(TrainingClass.enrol_closes_on, TrainingClass.id)
    )
    candidates = list(candidates)
    facts = cadre_facts(user) if candidates else None
    return [c for c in candidates if facts is not None and in_audience(c, user, facts)]
