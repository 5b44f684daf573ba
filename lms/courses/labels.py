"""How course fields read on a page: teaching methods, lesson kinds and states, lengths."""

from flask_babel import format_decimal, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.courses.models import LessonKind, LessonStatus, TeachingMethod

TEACHING_METHOD_LABELS = {
    TeachingMethod.LECTURE.value: _l("Lecture"),
    TeachingMethod.CASE_STUDY.value: _l("Case study"),
    TeachingMethod.SIMULATION.value: _l("Simulation"),
    TeachingMethod.FIELD_INVESTIGATION.value: _l("Field investigation"),
    TeachingMethod.EXPERIENCE_SHARING.value: _l("Experience sharing"),
}
LESSON_KIND_LABELS = {LessonKind.VIDEO.value: _l("Video"), LessonKind.AUDIO.value: _l("Audio")}
LESSON_STATUS_LABELS = {
    LessonStatus.EMPTY.value: _l("No media yet"),
    LessonStatus.PROCESSING.value: _l("Processing"),
    LessonStatus.READY.value: _l("Ready"),
    LessonStatus.FAILED.value: lazy_pgettext("processing", "Failed"),
}

HOUR = 3600
LENGTH_BUCKETS = {
    "short": (_l("Under 1 hour"), None, HOUR),
    "medium": (_l("1 to 3 hours"), HOUR, 3 * HOUR),
    "long": (_l("Over 3 hours"), 3 * HOUR, None),
}


def format_length(seconds: float | None) -> str:
    """A course or lesson length: minutes under an hour, else hours with one decimal."""
    seconds = seconds or 0
    if seconds < HOUR:
        return _("%(minutes)d min", minutes=round(seconds / 60))
    return _("%(hours)s h", hours=format_decimal(seconds / HOUR, format="0.0"))
