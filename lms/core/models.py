"""One place that imports every feature's models, so the metadata is complete."""


def import_all_models() -> None:
    """Import every models module (for create_all, migrations and the app factory)."""
    from lms.accounts import models as _accounts  # noqa: F401
    from lms.api import models as _api  # noqa: F401
    from lms.assessment import models as _assessment  # noqa: F401
    from lms.banks import models as _banks  # noqa: F401
    from lms.courses import models as _courses  # noqa: F401
    from lms.media import models as _media  # noqa: F401
    from lms.notify import models as _notify  # noqa: F401
    from lms.offline import models as _offline  # noqa: F401
    from lms.org import models as _org  # noqa: F401
    from lms.plans import models as _plans  # noqa: F401
    from lms.quizzes import models as _quizzes  # noqa: F401
    from lms.tracking import models as _tracking  # noqa: F401
