"""Words for the dashboards' outlooks and course kinds, in the reader's language."""

from flask_babel import lazy_gettext as _l

from lms.reports import figures
from lms.reports.sql import EXEMPT
from lms.tracking.forecast import Outlook

OUTLOOK_LABELS = {
    Outlook.MET.value: _l("Quota met"),
    Outlook.ON_TRACK.value: _l("On track"),
    Outlook.AT_RISK.value: _l("At risk"),
    Outlook.BEHIND.value: _l("Behind"),
    Outlook.EARLY.value: _l("Too early to tell"),
    Outlook.NO_QUOTA.value: _l("No quota"),
    EXEMPT: _l("Exempted"),
}
KIND_LABELS = {figures.REQUIRED: _l("Required"), figures.ELECTIVE: _l("Elective")}
