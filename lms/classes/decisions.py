"""Every decision on a cadre's place, kept in the platform's audit log (``audit_entry``, shown
on the offline audit page and the class page), and the notifications that tell people."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.classes.models import ClassMember
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notify import messages
from lms.notify.services import notify
from lms.offline.audit import AUDIT_ACTION_LABELS, ENTITY_LABELS
from lms.offline.models import AuditEntry

MEMBER_ENTITY = "class_member"

ACTION_LABELS = {
    "sign_up": _l("Signed up"),
    "approve": _l("Approved"),
    "refuse": _l("Refused"),
    "wait": _l("Put on the waiting list"),
    "promote": _l("Promoted from the waiting list"),
    "nominate": _l("Nominated"),
    "confirm": _l("Confirmed"),
    "decline": _l("Declined"),
    "cancel": _l("Cancelled"),
}
# The audit page names the entries of classes too.
ENTITY_LABELS.setdefault(MEMBER_ENTITY, _l("Place in a class"))
for _action, _label in ACTION_LABELS.items():
    AUDIT_ACTION_LABELS.setdefault(_action, _label)


def _snapshot(member: ClassMember) -> dict:
    return {
        "class_id": member.class_id,
        "title": member.training_class.title,
        "status": member.status,
        "quota_unit_id": member.quota_unit_id,
        "reason": member.reason,
    }


def record(actor, action: str, member: ClassMember, before: dict | None) -> AuditEntry:
    """Log one decision on ``member`` (its state now is the entry's after)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        at=utcnow(),
        action=action,
        entity_type=MEMBER_ENTITY,
        entity_id=member.id,
        subject_user_id=member.user_id,
        before=before,
        after=_snapshot(member),
    )
    db.session.add(entry)
    return entry


def snapshot(member: ClassMember) -> dict:
    return _snapshot(member)


def class_history(class_id: int) -> list[AuditEntry]:
    """The decisions on every place in one class, newest first."""
    member_ids = select(ClassMember.id).where(ClassMember.class_id == class_id)
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == MEMBER_ENTITY, AuditEntry.entity_id.in_(member_ids))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(200)
        )
    )


def tell(user_id: int, kind: str, member: ClassMember, **params) -> None:
    """An in-app notification about ``member``'s place, linking to the class."""
    notify(
        user_id,
        kind,
        {"title": member.training_class.title, **params},
        # A path, as the other notifications keep: services also run outside a request.
        link=f"/classes/{member.class_id}",
    )


messages.register(
    "class_signed_up",
    lambda p: _("%(name)s signed up for the class %(title)s and waits for your approval.", **p),
)
messages.register(
    "class_approved", lambda p: _("Your sign-up for the class %(title)s was approved.", **p)
)
messages.register(
    "class_refused", lambda p: _("Your sign-up for the class %(title)s was refused.", **p)
)
messages.register(
    "class_promoted",
    lambda p: _(
        "A seat in the class %(title)s became free and is held for you; your sign-up now "
        "waits for your unit's approval.",
        **p,
    ),
)
messages.register(
    "class_member_promoted",
    lambda p: _(
        "%(name)s moved from the waiting list to a seat in the class %(title)s and waits for "
        "your approval.",
        **p,
    ),
)
messages.register(
    "class_nominated",
    lambda p: _(
        "You were nominated for the class %(title)s. Please confirm or decline your place.", **p
    ),
)
