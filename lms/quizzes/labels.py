"""What quiz settings and question types are called on pages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lms.banks.models import QuestionKind
from lms.quizzes.models import (
    CountingRule,
    RevealRule,
)

COUNTING_LABELS = {
    CountingRule.HIGHEST.value: _l("Highest attempt"),
    CountingRule.LAST.value: lazy_pgettext("counting rule", "Last attempt"),
    CountingRule.AVERAGE.value: _l("Average of attempts"),
}
REVEAL_LABELS = {
    RevealRule.NEVER.value: lazy_pgettext("reveal answers", "Never"),
    RevealRule.AFTER_ATTEMPT.value: _l("After each attempt"),
    RevealRule.AFTER_CLOSE.value: _l("After the quiz closes"),
}
KIND_LABELS = {
    QuestionKind.SINGLE.value: _l("Single choice"),
    QuestionKind.MULTIPLE.value: _l("Multiple choice"),
    QuestionKind.TRUE_FALSE.value: _l("True or false"),
    QuestionKind.FILL_BLANK.value: _l("Fill in the blank"),
}
