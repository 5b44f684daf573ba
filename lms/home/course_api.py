"""``/api/v1/courses/<id>``: one course with its instructors, lessons and the tests it offers
the caller.

The tests come from quizzes, a floor above courses, so this endpoint lives at the top
(docs/architecture.md); it stays on the courses API blueprint (``courses_api.course``).
"""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.errors import api_error
from lms.core.openapi import NULLABLE_STRING, array, documented, obj
from lms.courses.access import can_see_course
from lms.courses.api import LESSON, bp, lessons_json
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.access import course_quizzes

COURSE = obj(
    ["id", "title", "summary", "instructors", "lessons", "quizzes"],
    id={"type": "integer"},
    title={"type": "string"},
    summary=NULLABLE_STRING,
    instructors=array({"type": "string"}),
    lessons=array(LESSON),
    quizzes=array(
        obj(
            ["id", "title", "is_required"],
            id={"type": "integer"},
            title={"type": "string"},
            is_required={"type": "boolean"},
        )
    ),
)


@bp.route("/courses/<int:course_id>")
@documented(responses={200: COURSE})
@login_required
def course(course_id: int):
    """One course the caller may see, with its instructors and lessons."""
    found = db.session.get(Course, course_id)
    if found is None or not can_see_course(current_user, found):
        return api_error(404, "not_found", _("The course was not found."))
    quizzes = course_quizzes(found.id, current_user)
    return jsonify(
        {
            "id": found.id,
            "title": found.title,
            "summary": found.summary,
            "instructors": [user.display_name for user in found.instructors],
            "lessons": lessons_json(found),
            "quizzes": [
                {"id": quiz.id, "title": quiz.title, "is_required": quiz.is_required_for_completion}
                for quiz in quizzes
            ],
        }
    )
