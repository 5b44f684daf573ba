"""JSON API for courses: the courses visible to the caller, each with its lessons.

One course with its tests (``/api/v1/courses/<id>``) shows what quizzes offer the caller, so
it lives a floor up, in ``lms.home.course_api``, on this blueprint."""

from flask import Blueprint, jsonify
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from lms.core.inputs import query_int
from lms.core.openapi import NULLABLE_NUMBER, NULLABLE_STRING, array, documented, obj
from lms.courses.catalog import visible_courses_query
from lms.courses.models import Course
from lms.extensions import db

bp = Blueprint("courses_api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


def lesson_json(lesson) -> dict:
    return {
        "id": lesson.id,
        "title": lesson.title,
        "kind": lesson.kind,
        "duration_seconds": lesson.duration_seconds,
        "status": lesson.status,
    }


def lessons_json(course) -> list[dict]:
    return [lesson_json(lesson) for lesson in sorted(course.lessons, key=lambda x: x.position)]


LESSON = obj(
    ["id", "title", "kind", "duration_seconds", "status"],
    id={"type": "integer"},
    title={"type": "string"},
    kind={"type": "string"},
    duration_seconds=NULLABLE_NUMBER,
    status=NULLABLE_STRING,
)
COURSES = obj(
    ["courses", "page", "pages", "total"],
    courses=array(
        obj(
            ["id", "title", "lessons"],
            id={"type": "integer"},
            title={"type": "string"},
            lessons=array(LESSON),
        )
    ),
    page={"type": "integer"},
    pages={"type": "integer"},
    total={"type": "integer"},
)


@bp.route("/courses")
@documented(
    responses={200: COURSES},
    query={
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    },
)
@login_required
def courses():
    """The courses the caller may see (published, plus drafts they edit), with their lessons."""
    page = query_int("page", 1, minimum=1)
    per_page = query_int("per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    result = db.paginate(
        visible_courses_query(current_user).options(selectinload(Course.lessons)),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return jsonify(
        {
            "courses": [
                {"id": course.id, "title": course.title, "lessons": lessons_json(course)}
                for course in result.items
            ],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
        }
    )
