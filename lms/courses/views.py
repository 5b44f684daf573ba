"""Course pages: a course, "My courses" for cadres, the teaching list and content categories.

The blueprint's other pages: editing a course and its lessons (``lms.courses.editing_views``)
and the course menu, which shows a cadre's credited hours and so lives a floor up
(``lms.home.course_menu``, docs/architecture.md).
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user, login_required

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.category_admin import CategoryPages, register_category_pages
from lms.core.pagination import Page
from lms.courses import access, authoring, catalog, labels, richtext
from lms.courses.categories import CONTENT_CATEGORIES
from lms.courses.covers import default_cover_svg
from lms.courses.errors import CourseError
from lms.courses.forms import ContentCategoryForm
from lms.courses.models import Course, LessonStatus
from lms.extensions import db

bp = Blueprint("courses", __name__, url_prefix="/courses")

EDITORS = (Role.INSTRUCTOR, Role.ADMIN)


@bp.app_context_processor
def _inject_helpers():
    return {
        "render_rich": richtext.render_rich,
        "format_length": labels.format_length,
        "method_label": lambda value: labels.TEACHING_METHOD_LABELS.get(value, value),
        "kind_label": lambda value: labels.LESSON_KIND_LABELS.get(value, value),
        "lesson_status_label": lambda value: labels.LESSON_STATUS_LABELS.get(value, value),
        "media_url": _media_url,
    }


def _media_url(endpoint: str, **values) -> str | None:
    """A link into the media pages when that feature is installed, else None."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def page_of(query) -> Page:
    """The requested page (``?page=``) of a multi-column select of courses."""
    number = request.args.get("page", 1, type=int) or 1
    return Page.of_select(query, number, current_app.config["PAGE_SIZE"])


def course_or_404(course_id: int, allowed) -> Course:
    """The course, if ``allowed(user, course)`` lets the caller have it; else 404."""
    course = db.session.get(Course, course_id)
    if course is None or not allowed(current_user, course):
        abort(404)
    return course


# --- My courses and a course's page ------------------------------------------------------


@bp.route("/<int:course_id>")
@login_required
def detail(course_id: int):
    """A course's page: description, instructors and lessons."""
    return _render_detail(course_or_404(course_id, access.can_see_course))


def _render_detail(course: Course, error: str | None = None, status: int = 200):
    is_cadre = current_user.has_role(Role.CADRE)
    enrollment = (
        catalog.enrollments_for(current_user, [course.id]).get(course.id) if is_cadre else None
    )
    return render_template(
        "courses/detail.html",
        course=course,
        enrollment=enrollment,
        is_cadre=is_cadre,
        can_edit=access.can_edit_course(current_user, course),
        ready=LessonStatus.READY.value,
        error=error,
    ), status


@bp.route("/<int:course_id>/cover")
@login_required
def cover(course_id: int):
    """The course's cover image, for those who may see the course."""
    course = course_or_404(course_id, access.can_see_course)
    path = authoring.cover_file(course)
    if path is None:  # none uploaded: a drawn one, so every card has a picture
        response = Response(default_cover_svg(course), mimetype="image/svg+xml")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response
    return send_file(path, max_age=3600)


@bp.route("/<int:course_id>/enroll", methods=["POST"])
@role_required(Role.CADRE)
def enroll(course_id: int):
    """Add a published course to My courses."""
    course = db.session.get(Course, course_id)
    if course is None or not course.is_published:
        abort(404)
    catalog.enroll(current_user, course)
    flash(_("%(title)s is now in My courses.", title=course.title), "success")
    return redirect(_back(url_for("courses.detail", course_id=course.id)))


@bp.route("/<int:course_id>/unenroll", methods=["POST"])
@role_required(Role.CADRE)
def unenroll(course_id: int):
    """Remove an elective from My courses (required courses stay)."""
    course = course_or_404(course_id, access.can_see_course)
    try:
        catalog.unenroll(current_user, course)
    except CourseError as exc:
        return _render_detail(course, error=str(exc), status=400)
    flash(_("%(title)s has been removed from My courses.", title=course.title), "success")
    return redirect(_back(url_for("courses.mine")))


def _back(default: str) -> str:
    """A local page to return to (the menu keeps its filters), else ``default``."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.route("/teaching")
@role_required(*EDITORS)
def teaching():
    """The courses the caller teaches (admins: every course), drafts first."""
    return render_template(
        "courses/teaching.html", page=page_of(catalog.teaching_query(current_user))
    )


# --- content categories ------------------------------------------------------------------

register_category_pages(
    bp,
    CategoryPages(
        rules=CONTENT_CATEGORIES,
        form=ContentCategoryForm,
        id_arg="content_category_id",
        roles=(Role.ADMIN,),
        words={
            "title": _l("Content categories"),
            "heading": lazy_pgettext("content", "Categories"),
            "note": _l(
                "A category in use is never deleted; deactivate it to stop offering it. "
                "Courses that have it keep it."
            ),
            "count_label": _l("Courses"),
            "empty": _l("There are no content categories yet."),
        },
        list_section="courses/_category_defaults.html",
        list_context=lambda: {"missing_defaults": CONTENT_CATEGORIES.missing_defaults()},
    ),
)


@bp.route("/categories/defaults", methods=["POST"])
@role_required(Role.ADMIN)
def add_default_categories():
    """Add the standard content categories that are missing."""
    CONTENT_CATEGORIES.ensure_defaults()
    flash(_("The standard categories are in the list."), "success")
    return redirect(url_for("courses.categories"))
