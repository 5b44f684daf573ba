"""Merging two cadre records: who evaluated a course follows, one mark per course."""

from sqlalchemy import select

from lms.courses.models import Course, Lesson, LessonStatus
from lms.evaluation.answering import submit_evaluation
from lms.evaluation.models import EvaluationResponse, EvaluationSubmission
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db
from lms.home.cadre_merge import merge_cadres
from tests.evaluation.conftest import answers_of, complete


def test_evaluations_follow_a_merge(app, course, evaluated):
    keep, other = evaluated(2)
    second = Course(title="Second course", is_published=True)
    db.session.add_all(
        [
            second,
            Lesson(
                course=second,
                title="L",
                kind="video",
                status=LessonStatus.READY.value,
                duration_seconds=60.0,
            ),
        ]
    )
    db.session.commit()
    complete(other, second)
    submit_evaluation(other, second, current_questionnaire(), answers_of())
    db.session.commit()

    merge_cadres(keep.id, other.id, actor=None)
    db.session.commit()
    marks = db.session.execute(
        select(EvaluationSubmission.user_id, EvaluationSubmission.course_id).order_by(
            EvaluationSubmission.course_id
        )
    ).all()
    assert marks == [(keep.id, course.id), (keep.id, second.id)]
    assert len(db.session.scalars(select(EvaluationResponse)).all()) == 3  # answers all stay
