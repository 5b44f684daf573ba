"""The refusal offline rules raise."""

from lms.core.errors import LmsError


class OfflineError(LmsError):
    """Input or a rule was refused; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
