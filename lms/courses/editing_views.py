"""Editing a course and its lessons (instructors and admins), on the courses blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.core.access import role_required
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.core.templating import render_form
from lms.courses import access, authoring
from lms.courses.categories import content_categories
from lms.courses.errors import CourseError
from lms.courses.forms import NO_CATEGORY, CourseForm, LessonForm, RenameLessonForm
from lms.courses.models import ContentCategory, Course, Lesson
from lms.courses.views import EDITORS, bp, course_or_404
from lms.extensions import db
from lms.org.categories import active_categories
from lms.org.models import CadreCategory


def _editable_course(course_id: int) -> Course:
    return course_or_404(course_id, access.can_edit_course)


def _course_form(course: Course | None = None, *, blank: bool = False) -> CourseForm:
    """The course form offering the active choices plus whatever the course already has (kept
    on saving); unless posted (or ``blank``: not reading the request), it shows the course."""
    form = CourseForm(formdata=None, obj=course) if blank else CourseForm(obj=course)
    locale = current_locale()
    categories = content_categories()
    if course is not None and course.content_category and course.content_category not in categories:
        categories.append(course.content_category)
    form.content_category_id.choices = [(NO_CATEGORY, _("— None —"))] + [
        (str(c.id), c.display_name(locale)) for c in categories
    ]
    targets = active_categories()
    if course is not None:
        targets += [c for c in course.target_categories if c not in targets]
    form.target_category_ids.choices = [(c.id, c.display_name(locale)) for c in targets]
    instructors = access.instructor_choices()
    if course is not None:
        instructors += [u for u in course.instructors if u not in instructors]
    form.instructor_ids.choices = [(u.id, u.display_name) for u in instructors]
    if course is not None and (blank or request.method == "GET"):
        # The form's fields cannot read these from the course themselves.
        form.content_category_id.data = str(course.content_category_id or NO_CATEGORY)
        form.target_category_ids.data = [c.id for c in course.target_categories]
        form.instructor_ids.data = [u.id for u in course.instructors]
    return form


def _course_fields(form: CourseForm) -> dict:
    category_id = parse_int(form.content_category_id.data or "")
    category_ids = form.target_category_ids.data or []
    instructor_ids = form.instructor_ids.data or []
    return {
        "title": form.title.data,
        "summary": form.summary.data or "",
        "description": form.description.data or "",
        "content_category": db.session.get(ContentCategory, category_id) if category_id else None,
        "teaching_method": form.teaching_method.data,
        "target_categories": list(
            db.session.scalars(select(CadreCategory).where(CadreCategory.id.in_(category_ids)))
        ),
        "instructors": list(db.session.scalars(select(User).where(User.id.in_(instructor_ids)))),
    }


def _save_cover(form: CourseForm, course: Course) -> bool:
    """Store the uploaded cover, if any; False (with the field's error) when it is refused."""
    upload = form.cover.data
    if not upload or not getattr(upload, "filename", ""):
        return True
    try:
        authoring.set_course_cover(course, upload.stream)
    except CourseError as exc:
        form.cover.errors = [*form.cover.errors, str(exc)]
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new():
    """Start a new draft course."""
    form = _course_form()
    if request.method == "GET" and current_user.has_role(Role.INSTRUCTOR):
        form.instructor_ids.data = [current_user.id]
    if form.validate_on_submit():
        try:
            course = authoring.create_course(current_user, **_course_fields(form))
        except CourseError as exc:
            db.session.rollback()  # the half-made course: the page reads the database again
            form.title.errors.append(str(exc))
        else:
            if _save_cover(form, course):
                flash(_("The course has been created. Now add its lessons."), "success")
                return redirect(url_for("courses.edit", course_id=course.id))
            db.session.rollback()  # the course without its cover is not kept either
    return render_form("courses/form.html", form, course=None)


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(course_id: int):
    """Edit a course's fields and its lessons."""
    course = _editable_course(course_id)
    form = _course_form(course)
    if form.validate_on_submit():
        try:
            authoring.update_course(course, **_course_fields(form))
        except CourseError as exc:
            form.title.errors.append(str(exc))
        else:
            if _save_cover(form, course):
                flash(_("The course has been saved."), "success")
                if not access.can_edit_course(current_user, course):
                    return redirect(url_for("courses.teaching"))
                return redirect(url_for("courses.edit", course_id=course.id))
            db.session.rollback()  # the saved fields: the page shows the course as it was
    return _render_edit(course, form=form)


def _render_edit(course, form=None, lesson_form=None, error=None):
    """The edit page: 400 when it shows a refusal (``error``, or a form with errors)."""
    if form is None:
        form = _course_form(course, blank=True)
    lesson_form = lesson_form or LessonForm(formdata=None)
    refused = error or form.errors or lesson_form.errors
    return render_template(
        "courses/form.html",
        form=form,
        course=course,
        lesson_form=lesson_form,
        rename_form=RenameLessonForm(formdata=None),
        error=error,
        enrollments=authoring.enrollment_count(course),
    ), 400 if refused else 200


def _attempt(course: Course, action, success: str, target: str):
    """Run ``action()``; then flash ``success`` and go to ``target``, or show the edit page
    with the reason it was refused."""
    try:
        action()
    except CourseError as exc:
        return _render_edit(course, error=str(exc))
    flash(success, "success")
    return redirect(target)


def _lessons_of(course: Course) -> str:
    return url_for("courses.edit", course_id=course.id) + "#lessons"


@bp.route("/<int:course_id>/publish", methods=["POST"])
@role_required(*EDITORS)
def publish(course_id: int):
    """Open the course in the menu (it needs a lesson)."""
    success = _("The course is published in the menu.")
    return _publishing(course_id, authoring.publish_course, success)


@bp.route("/<int:course_id>/unpublish", methods=["POST"])
@role_required(*EDITORS)
def unpublish(course_id: int):
    """Take the course out of the menu."""
    return _publishing(course_id, authoring.unpublish_course, _("The course is a draft again."))


def _publishing(course_id: int, action, success: str):
    course = _editable_course(course_id)
    target = url_for("courses.edit", course_id=course.id)
    return _attempt(course, lambda: action(course), success, target)


@bp.route("/<int:course_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def delete(course_id: int):
    """Delete a draft course nobody has enrolled in."""
    course = _editable_course(course_id)
    return _attempt(
        course,
        lambda: authoring.delete_course(course),
        _("The course %(title)s has been deleted.", title=course.title),
        url_for("courses.teaching"),
    )


# --- lessons -----------------------------------------------------------------------------


def _editable_lesson(course_id: int, lesson_id: int) -> tuple[Course, Lesson]:
    course = _editable_course(course_id)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != course.id:
        abort(404)
    return course, lesson


@bp.route("/<int:course_id>/lessons/new", methods=["POST"])
@role_required(*EDITORS)
def add_lesson(course_id: int):
    """Add a video or audio lesson at the end of the course."""
    course = _editable_course(course_id)
    form = LessonForm()
    if form.validate_on_submit():
        try:
            authoring.add_lesson(course, form.title.data, form.kind.data)
        except CourseError as exc:
            form.title.errors.append(str(exc))
        else:
            flash(_("The lesson has been added."), "success")
            return redirect(_lessons_of(course))
    return _render_edit(course, lesson_form=form)


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/rename", methods=["POST"])
@role_required(*EDITORS)
def rename_lesson(course_id: int, lesson_id: int):
    """Give a lesson a new title."""
    course, lesson = _editable_lesson(course_id, lesson_id)
    form = RenameLessonForm()
    if not form.validate_on_submit():
        return _render_edit(course, error=_("A lesson needs a title."))
    return _attempt(
        course,
        lambda: authoring.rename_lesson(lesson, form.new_title.data),
        _("The lesson has been renamed."),
        _lessons_of(course),
    )


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/up", methods=["POST"])
@role_required(*EDITORS)
def move_lesson_up(course_id: int, lesson_id: int):
    """Move a lesson one place earlier."""
    return _move(course_id, lesson_id, -1)


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/down", methods=["POST"])
@role_required(*EDITORS)
def move_lesson_down(course_id: int, lesson_id: int):
    """Move a lesson one place later."""
    return _move(course_id, lesson_id, 1)


def _move(course_id: int, lesson_id: int, offset: int):
    course, lesson = _editable_lesson(course_id, lesson_id)
    authoring.move_lesson(lesson, offset)
    return redirect(_lessons_of(course))


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def delete_lesson(course_id: int, lesson_id: int):
    """Delete a lesson and its media."""
    course, lesson = _editable_lesson(course_id, lesson_id)
    return _attempt(
        course,
        lambda: authoring.delete_lesson(lesson),
        _("The lesson %(title)s has been deleted.", title=lesson.title),
        _lessons_of(course),
    )
