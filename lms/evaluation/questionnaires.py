"""The course questionnaire: its current version, the default one, and saving a new version.

Answers keep the version they answered (``EvaluationResponse.questionnaire_id``): a saved
edit never changes a question that has answers, it makes the next version.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.evaluation.errors import EvaluationError
from lms.evaluation.models import Aspect, EvaluationQuestion, QuestionKind, Questionnaire
from lms.extensions import db

MAX_QUESTIONS = 12
MAX_TEXT = 300


@dataclass(frozen=True)
class QuestionDraft:
    kind: str
    aspect: str
    text_zh: str
    text_en: str


# Relevance first: "用不上", "不解渴" is cadres' most common complaint about online courses.
DEFAULT_QUESTIONS = (
    QuestionDraft(
        QuestionKind.RATING, Aspect.RELEVANCE, "课程内容与我的工作相关", "Relevant to my work"
    ),
    QuestionDraft(
        QuestionKind.RATING, Aspect.CLARITY, "讲解清楚、易于理解", "Clear and easy to follow"
    ),
    QuestionDraft(QuestionKind.RATING, Aspect.TEACHER, "授课教师", "The teacher"),
    QuestionDraft(
        QuestionKind.TEXT,
        Aspect.OTHER,
        "您对本课程还有哪些意见和建议？",
        "What else would you like to tell us about this course?",
    ),
)


def current_questionnaire() -> Questionnaire:
    """The newest version; the default questionnaire (version 1) when there is none yet."""
    found = db.session.scalar(select(Questionnaire).order_by(Questionnaire.version.desc()))
    if found is not None:
        return found
    return _add_version(DEFAULT_QUESTIONS, actor=None)


def versions() -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.version.desc())))


def drafts_of(questionnaire: Questionnaire) -> list[QuestionDraft]:
    return [QuestionDraft(q.kind, q.aspect, q.text_zh, q.text_en) for q in questionnaire.questions]


def check_drafts(drafts: list[QuestionDraft]) -> list[str]:
    """What is wrong with a questionnaire, in words; empty when it may be saved."""
    errors = []
    if not drafts:
        errors.append(_("A questionnaire needs at least one question."))
    if len(drafts) > MAX_QUESTIONS:
        errors.append(_("A questionnaire has at most %(count)d questions.", count=MAX_QUESTIONS))
    for number, draft in enumerate(drafts, start=1):
        if draft.kind not in set(QuestionKind) or draft.aspect not in set(Aspect):
            errors.append(_("Question %(number)d: choose a kind and an aspect.", number=number))
        if not (draft.text_zh or draft.text_en):
            errors.append(_("Question %(number)d needs its text.", number=number))
        if len(draft.text_zh) > MAX_TEXT or len(draft.text_en) > MAX_TEXT:
            errors.append(
                _(
                    "Question %(number)d is longer than %(count)d characters.",
                    number=number,
                    count=MAX_TEXT,
                )
            )
    return errors


def save_questionnaire(actor, drafts: list[QuestionDraft]) -> Questionnaire | None:
    """The next version with ``drafts``; None when they are the current version's questions."""
    errors = check_drafts(drafts)
    if errors:
        raise EvaluationError(" ".join(errors))
    current = current_questionnaire()
    if drafts_of(current) == list(drafts):
        return None
    return _add_version(drafts, actor)


def _add_version(drafts, actor) -> Questionnaire:
    number = (db.session.scalar(select(func.max(Questionnaire.version))) or 0) + 1
    questionnaire = Questionnaire(version=number, created_by_id=actor.id if actor else None)
    questionnaire.questions = [
        EvaluationQuestion(
            position=position,
            kind=str(draft.kind),
            aspect=str(draft.aspect),
            text_zh=draft.text_zh,
            text_en=draft.text_en,
        )
        for position, draft in enumerate(drafts)
    ]
    # Two saves at once both read the same last version: the unique version number lets one
    # in and refuses the other, which is told to look again rather than overwrite.
    try:
        with db.session.begin_nested():
            db.session.add(questionnaire)
            db.session.flush()
    except IntegrityError:
        raise EvaluationError(
            _("Someone saved the questionnaire at the same moment. Reload it and try again."),
            status=409,
            code="conflict",
        ) from None
    return questionnaire
