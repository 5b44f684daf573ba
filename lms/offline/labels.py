"""What the stored values of offline training and exemptions are called on the pages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lms.offline.models import ExemptionEffect, ExemptionKind, ReviewStatus, TrainingType

TRAINING_TYPE_LABELS = {
    TrainingType.PARTY_SCHOOL.value: _l("Party-school class"),
    TrainingType.WEEKEND_CLASS.value: _l("Weekend class"),
    TrainingType.UNIVERSITY_COURSE.value: _l("University course"),
    TrainingType.TRAINING_ABROAD.value: _l("Training abroad"),
    TrainingType.SECONDMENT.value: _l("Secondment"),
    TrainingType.ONLINE_LIVE.value: _l("Online live class"),
    TrainingType.OTHER.value: _l("Other"),
}
STATUS_LABELS = {
    ReviewStatus.PENDING.value: _l("Pending approval"),
    ReviewStatus.APPROVED.value: _l("Approved"),
    ReviewStatus.REJECTED.value: lazy_pgettext("review", "Rejected"),
}
EXEMPTION_KIND_LABELS = {
    ExemptionKind.LEAVE.value: _l("Leave"),
    ExemptionKind.ILLNESS.value: _l("Illness"),
    ExemptionKind.SECONDMENT_ABROAD.value: _l("Secondment abroad"),
    ExemptionKind.OTHER.value: _l("Other (give the reason)"),
}
EXEMPTION_EFFECT_LABELS = {
    ExemptionEffect.PRORATE.value: _l("Reduce the year's quota in proportion to the days"),
    ExemptionEffect.WAIVE.value: _l("Waive the year's quota"),
}
