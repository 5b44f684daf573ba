"""A cadre's evaluation of a course they completed: offered once, kept without their name."""

import enum

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Role
from lms.core import statsyear
from lms.courses.models import Course
from lms.evaluation.errors import EvaluationError
from lms.evaluation.models import (
    RATING_MAX,
    RATING_MIN,
    EvaluationAnswer,
    EvaluationResponse,
    EvaluationSubmission,
    Questionnaire,
)
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db
from lms.tracking.completion import completed_courses, of_user

MAX_TEXT_ANSWER = 2000


class Offer(enum.StrEnum):
    """Where a user stands with a course's evaluation."""

    NONE = "none"  # not a cadre
    NOT_COMPLETED = "not_completed"
    OPEN = "open"  # completed and not yet evaluated
    DONE = "done"


def has_completed(user_id: int, course_id: int) -> bool:
    """The one completion rule (lms.tracking.completion) for one user and course."""
    done = completed_courses(of_user(user_id))
    return db.session.scalar(select(exists().where(done.c.course_id == course_id)))


def has_evaluated(user_id: int, course_id: int) -> bool:
    return db.session.scalar(
        select(
            exists().where(
                EvaluationSubmission.user_id == user_id,
                EvaluationSubmission.course_id == course_id,
            )
        )
    )


def offer_for(user, course: Course) -> Offer:
    if not user.is_authenticated or not user.has_role(Role.CADRE):
        return Offer.NONE
    if has_evaluated(user.id, course.id):
        return Offer.DONE
    return Offer.OPEN if has_completed(user.id, course.id) else Offer.NOT_COMPLETED


def read_answers(questionnaire: Questionnaire, raw: dict) -> tuple[dict, dict]:
    """``{question_id: rating or text}`` from ``raw`` (keys are question ids, as text or
    numbers), and the errors by question id; a rating is a whole number 1 to 5 and required,
    a text answer optional."""
    by_id = {str(q.id): q for q in questionnaire.questions}
    unknown = [key for key in raw if str(key) not in by_id]
    if unknown:
        raise EvaluationError(
            _(
                "These are not questions of the questionnaire: %(ids)s.",
                ids=", ".join(map(str, unknown)),
            )
        )
    answers, errors = {}, {}
    values = {str(key): value for key, value in raw.items()}
    for key, question in by_id.items():
        value = values.get(key)
        if question.is_rating:
            rating = _rating(value)
            if rating is None:
                errors[question.id] = _("Choose a rating from 1 to 5.")
            else:
                answers[question.id] = rating
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            errors[question.id] = _("Write the answer as text.")
            continue
        text = value.strip()
        if len(text) > MAX_TEXT_ANSWER:
            errors[question.id] = _("Write at most %(count)d characters.", count=MAX_TEXT_ANSWER)
        elif text:
            answers[question.id] = text
    return answers, errors


def _rating(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and RATING_MIN <= value <= RATING_MAX:
        return value
    return None


def submit_evaluation(user, course: Course, questionnaire: Questionnaire, answers: dict) -> None:
    """Keep ``answers`` (from ``read_answers``) as an anonymous response to ``course``, and
    that ``user`` has answered; 409 when they have not completed it or already answered."""
    if questionnaire.id != current_questionnaire().id:
        raise EvaluationError(
            _("The questionnaire has changed since you opened it. Please answer it again."),
            status=409,
            code="conflict",
        )
    check_not_evaluated(user, course)
    if not has_completed(user.id, course.id):
        raise EvaluationError(
            _("A course can be evaluated once it is completed."), status=409, code="conflict"
        )
    # The unique (user, course) pair decides "once": a second request at the same moment
    # waits on the first's row in the index and is refused when the first commits.
    try:
        with db.session.begin_nested():
            db.session.add(EvaluationSubmission(user_id=user.id, course_id=course.id))
            db.session.flush()
    except IntegrityError:
        raise _already() from None
    response = EvaluationResponse(
        course_id=course.id, questionnaire_id=questionnaire.id, year=statsyear.current_year()
    )
    for question_id, value in answers.items():
        is_text = isinstance(value, str)
        response.answers.append(
            EvaluationAnswer(
                question_id=question_id,
                rating=None if is_text else value,
                text=value if is_text else None,
            )
        )
    db.session.add(response)
    db.session.flush()


def _already() -> EvaluationError:
    return EvaluationError(
        _("You have already evaluated this course."), status=409, code="conflict"
    )


def check_not_evaluated(user, course: Course) -> None:
    if has_evaluated(user.id, course.id):
        raise _already()
