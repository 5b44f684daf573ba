"""The plan's exam assignments as the quizzes feature asks for them: quizzes sit a floor below
plans and read them through ``lms.quizzes.assignments`` (docs/architecture.md)."""

from flask.blueprints import BlueprintSetupState
from sqlalchemy import select

from lms.extensions import db
from lms.plans.assignments import assigned_quiz_ids
from lms.plans.audiences import audience_clause
from lms.plans.models import Assignment
from lms.plans.years import get_plan
from lms.quizzes.assignments import AssignmentSource, ExamAssignment, register_source


def exams_of_year(year: int, quiz_id: int | None = None) -> list[ExamAssignment]:
    """The year's assignments of ``quiz_id`` (of every quiz when None), each with the SQL
    condition of the cadres its audience reaches; none without a plan."""
    plan = get_plan(year)
    if plan is None:
        return []
    query = select(Assignment).where(
        Assignment.training_year_id == plan.id, Assignment.quiz_id.is_not(None)
    )
    if quiz_id is not None:
        query = query.where(Assignment.quiz_id == quiz_id)
    return [
        ExamAssignment(
            assignment.quiz_id,
            assignment.due_on,
            audience_clause(assignment.audience, plan.as_of, plan.limits),
        )
        for assignment in db.session.scalars(query)
    ]


SOURCE = AssignmentSource(quiz_ids_of=assigned_quiz_ids, exams_of_year=exams_of_year)


def register(state: BlueprintSetupState) -> None:
    """When the plans blueprint is registered: tell quizzes where the exams are assigned."""
    register_source(state.app, SOURCE)
