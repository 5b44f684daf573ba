"""The refusal class rules raise."""

from lms.core.errors import LmsError


class ClassError(LmsError):
    """A class rule was broken; the message says which and why."""
