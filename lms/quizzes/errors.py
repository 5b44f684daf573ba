"""The refusal quiz rules raise."""

from lms.core.errors import LmsError

_CODES = {400: "bad_request", 404: "not_found"}


class QuizError(LmsError):
    """A quiz rule was broken; the message is shown to the user, ``status`` is the HTTP one
    (409 unless the rule says otherwise)."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, status: int = 409):
        super().__init__(message, status=status, code=_CODES.get(status, "conflict"))
