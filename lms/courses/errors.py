"""The refusal of the course rules."""

from lms.core.errors import LmsError


class CourseError(LmsError):
    """A rule about courses was broken; the message is shown to the user."""
