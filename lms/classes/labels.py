"""What the stored values of classes are called on the pages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lms.classes.models import ClassType, MemberStatus

CLASS_TYPE_LABELS = {
    ClassType.WEEKEND.value: _l("Weekend class"),
    ClassType.SEMINAR.value: _l("Special seminar"),
    ClassType.INITIAL.value: _l("Initial training"),
    ClassType.APPOINTMENT.value: _l("Appointment training"),
    ClassType.ON_THE_JOB.value: _l("On-the-job training"),
    ClassType.KNOWLEDGE_UPDATE.value: _l("Knowledge-updating training"),
    ClassType.OTHER.value: lazy_pgettext("class type", "Other"),
}
MEMBER_STATUS_LABELS = {
    MemberStatus.REQUESTED.value: _l("Signed up, waiting for approval"),
    MemberStatus.WAITING.value: _l("On the waiting list"),
    MemberStatus.NOMINATED.value: _l("Nominated, waiting for the nominee"),
    MemberStatus.CONFIRMED.value: _l("Has a place"),
    MemberStatus.REFUSED.value: lazy_pgettext("sign-up", "Refused"),
    MemberStatus.DECLINED.value: _l("Declined"),
    MemberStatus.CANCELLED.value: lazy_pgettext("place", "Cancelled"),
}
