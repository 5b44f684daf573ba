"""The refusal of the course rules."""


class CourseError(ValueError):
    """A rule about courses was broken; the message is shown to the user."""
