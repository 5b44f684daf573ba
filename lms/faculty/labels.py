"""Words for the teacher library."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {"internal": _l("Internal"), "invited": _l("Invited")}
STATUS_LABELS = {
    "candidate": _l("Candidate"),
    "probation": _l("On probation"),
    "selected": _l("Selected for the cycle"),
    "retired": _l("Retired"),
}
