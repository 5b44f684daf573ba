"""Every feature's models, imported in one place so the metadata is complete (for the app
factory, ``create_all`` and migrations). It sits above every floor (docs/architecture.md)."""

from lms.accounts import models as accounts
from lms.api import models as api
from lms.assessment import models as assessment
from lms.banks import models as banks
from lms.classes import models as classes
from lms.courses import models as courses
from lms.evaluation import models as evaluation
from lms.faculty import models as faculty
from lms.media import models as media
from lms.notify import models as notify
from lms.offline import models as offline
from lms.org import models as org
from lms.plans import models as plans
from lms.quizzes import models as quizzes
from lms.tracking import models as tracking

FEATURE_MODELS = (
    accounts,
    api,
    assessment,
    banks,
    classes,
    courses,
    evaluation,
    faculty,
    media,
    notify,
    offline,
    org,
    plans,
    quizzes,
    tracking,
)
