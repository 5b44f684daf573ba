"""The refusal plan rules raise."""

from lms.core.errors import LmsError


class PlanError(LmsError):
    """A plan rule was broken; the message is shown to the user."""
