"""The refusal bank rules raise."""

from lms.core.errors import LmsError


class BankError(LmsError):
    """A change refused; ``problems`` (when any) say which fields are wrong."""

    def __init__(self, message: str = "", problems=()):
        super().__init__(message)
        self.problems = list(problems)
