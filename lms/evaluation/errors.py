"""The refusals of course evaluation."""

from lms.core.errors import LmsError


class EvaluationError(LmsError):
    """An evaluation the rules refuse; the message says why."""
