"""Course pages: the menu and "My courses" for cadres, course editing for instructors."""

from flask import (
    Blueprint,
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
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.core.access import role_required
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.core.pagination import Page
from lms.courses import access, authoring, catalog, labels, richtext
from lms.courses import categories as category_rules
from lms.courses.errors import CourseError
from lms.courses.forms import (
    NO_CATEGORY,
    ContentCategoryForm,
    CourseForm,
    LessonForm,
    MenuFilterForm,
    RenameLessonForm,
)
from lms.courses.models import ContentCategory, Course, Lesson, LessonStatus
from lms.extensions import db
from lms.org.categories import active_categories
from lms.org.models import CadreCategory
from lms.tracking.progress import credited_by_course

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


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


# --- the menu and My courses -------------------------------------------------------------


@bp.route("/")
@login_required
def menu():
    """The course menu (选课菜单): published courses, searchable and filtered, with enrolments."""
    form = MenuFilterForm(request.args)
    categories = category_rules.content_categories()
    instructors = catalog.menu_instructors()
    form.category.choices = [("", _("All categories"))] + [
        (str(c.id), c.display_name(current_locale())) for c in categories
    ]
    form.method.choices = [("", _("All methods"))] + [
        (value, str(label)) for value, label in labels.TEACHING_METHOD_LABELS.items()
    ]
    form.length.choices = [("", _("Any length"))] + [
        (key, str(label)) for key, (label, _low, _high) in labels.LENGTH_BUCKETS.items()
    ]
    form.instructor.choices = [("", _("All instructors"))] + [
        (str(u.id), u.display_name) for u in instructors
    ]
    filters = catalog.MenuFilters(
        q=(form.q.data or "").strip()[:100],
        category_id=_int_or_none(form.category.data),
        method=form.method.data if form.method.data in labels.TEACHING_METHOD_LABELS else "",
        length=form.length.data if form.length.data in labels.LENGTH_BUCKETS else "",
        instructor_id=_int_or_none(form.instructor.data),
    )
    page = Page.of_select(catalog.menu_query(filters), _page(), current_app.config["PAGE_SIZE"])
    is_cadre = current_user.has_role(Role.CADRE)
    course_ids = [row[0].id for row in page.items]
    enrollments = catalog.enrollments_for(current_user, course_ids) if is_cadre else {}
    credited = credited_by_course(current_user.id, course_ids) if is_cadre else {}
    return render_template(
        "courses/menu.html",
        form=form,
        page=page,
        enrollments=enrollments,
        credited=credited,
        is_cadre=is_cadre,
        filtered=any(
            [filters.q, filters.category_id, filters.method, filters.length, filters.instructor_id]
        ),
    )


def _int_or_none(value) -> int | None:
    return parse_int(value or "")


@bp.route("/mine")
@role_required(Role.CADRE)
def mine():
    """My courses: the required ones first, then the electives the cadre chose."""
    page = Page.of_select(
        catalog.my_courses_query(current_user), _page(), current_app.config["PAGE_SIZE"]
    )
    return render_template("courses/mine.html", page=page)


def _visible_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not access.can_see_course(current_user, course):
        abort(404)
    return course


@bp.route("/<int:course_id>")
@login_required
def detail(course_id: int):
    """A course's page: description, instructors and lessons."""
    return _render_detail(_visible_course(course_id))


def _render_detail(course: Course, error: str | None = None, status: int = 200):
    enrollment = None
    if current_user.has_role(Role.CADRE):
        enrollment = catalog.enrollments_for(current_user, [course.id]).get(course.id)
    return render_template(
        "courses/detail.html",
        course=course,
        enrollment=enrollment,
        is_cadre=current_user.has_role(Role.CADRE),
        can_edit=access.can_edit_course(current_user, course),
        ready=LessonStatus.READY.value,
        error=error,
    ), status


@bp.route("/<int:course_id>/cover")
@login_required
def cover(course_id: int):
    """The course's cover image, for those who may see the course."""
    path = authoring.cover_file(_visible_course(course_id))
    if path is None:
        abort(404)
    return send_file(path, max_age=3600)


@bp.route("/<int:course_id>/enroll", methods=["POST"])
@role_required(Role.CADRE)
def enroll(course_id: int):
    """Add a published course to My courses."""
    course = db.session.get(Course, course_id)
    if course is None or not course.is_published:
        abort(404)
    catalog.enroll(current_user, course)
    db.session.commit()
    flash(_("%(title)s is now in My courses.", title=course.title), "success")
    return redirect(_back(url_for("courses.detail", course_id=course.id)))


@bp.route("/<int:course_id>/unenroll", methods=["POST"])
@role_required(Role.CADRE)
def unenroll(course_id: int):
    """Remove an elective from My courses (required courses stay)."""
    course = _visible_course(course_id)
    try:
        catalog.unenroll(current_user, course)
    except CourseError as exc:
        db.session.rollback()
        return _render_detail(course, error=str(exc), status=400)
    db.session.commit()
    flash(_("%(title)s has been removed from My courses.", title=course.title), "success")
    return redirect(_back(url_for("courses.mine")))


def _back(default: str) -> str:
    """A local page to return to (the menu keeps its filters), else ``default``."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


# --- teaching ----------------------------------------------------------------------------


@bp.route("/teaching")
@role_required(*EDITORS)
def teaching():
    """The courses the caller teaches (admins: every course), drafts first."""
    page = Page.of_select(
        catalog.teaching_query(current_user), _page(), current_app.config["PAGE_SIZE"]
    )
    return render_template("courses/teaching.html", page=page)


def _editable_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not access.can_edit_course(current_user, course):
        abort(404)
    return course


def _prepare_course_form(form: CourseForm, course: Course | None = None) -> None:
    """Offer the active choices, plus whatever the course already has (kept on saving)."""
    locale = current_locale()
    categories = category_rules.content_categories()
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


def _course_fields(form: CourseForm) -> dict:
    category_id = _int_or_none(form.content_category_id.data)
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
    form = CourseForm()
    _prepare_course_form(form)
    if request.method == "GET" and current_user.has_role(Role.INSTRUCTOR):
        form.instructor_ids.data = [current_user.id]
    if form.validate_on_submit():
        try:
            course = authoring.create_course(current_user, **_course_fields(form))
        except CourseError as exc:
            db.session.rollback()
            form.title.errors.append(str(exc))
        else:
            if not _save_cover(form, course):
                db.session.rollback()
                return render_template("courses/form.html", form=form, course=None), 400
            db.session.commit()
            flash(_("The course has been created. Now add its lessons."), "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    status = 400 if form.errors else 200
    return render_template("courses/form.html", form=form, course=None), status


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(course_id: int):
    """Edit a course's fields and its lessons."""
    course = _editable_course(course_id)
    form = CourseForm(obj=course)
    _prepare_course_form(form, course)
    if request.method == "GET":
        form.content_category_id.data = str(course.content_category_id or NO_CATEGORY)
        form.target_category_ids.data = [c.id for c in course.target_categories]
        form.instructor_ids.data = [u.id for u in course.instructors]
    if form.validate_on_submit():
        try:
            authoring.update_course(course, **_course_fields(form))
        except CourseError as exc:
            db.session.rollback()
            form.title.errors.append(str(exc))
        else:
            if not _save_cover(form, course):
                db.session.rollback()
                return _render_edit(db.session.get(Course, course_id), form=form, status=400)
            db.session.commit()
            flash(_("The course has been saved."), "success")
            if not access.can_edit_course(current_user, course):
                return redirect(url_for("courses.teaching"))
            return redirect(url_for("courses.edit", course_id=course.id))
    status = 400 if form.errors else 200
    return _render_edit(course, form=form, status=status)


def _render_edit(course, form=None, lesson_form=None, error=None, status=200):
    if form is None:
        form = CourseForm(formdata=None, obj=course)
        _prepare_course_form(form, course)
        form.content_category_id.data = str(course.content_category_id or NO_CATEGORY)
        form.target_category_ids.data = [c.id for c in course.target_categories]
        form.instructor_ids.data = [u.id for u in course.instructors]
    return render_template(
        "courses/form.html",
        form=form,
        course=course,
        lesson_form=lesson_form or LessonForm(formdata=None),
        rename_form=RenameLessonForm(formdata=None),
        error=error,
        enrollments=authoring.enrollment_count(course),
    ), status


def _course_action(course_id: int, action, success: str):
    course = _editable_course(course_id)
    try:
        action(course)
    except CourseError as exc:
        db.session.rollback()
        return _render_edit(course, error=str(exc), status=400)
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("courses.edit", course_id=course.id))


@bp.route("/<int:course_id>/publish", methods=["POST"])
@role_required(*EDITORS)
def publish(course_id: int):
    """Open the course in the menu (it needs a lesson)."""
    return _course_action(
        course_id, authoring.publish_course, _("The course is published in the menu.")
    )


@bp.route("/<int:course_id>/unpublish", methods=["POST"])
@role_required(*EDITORS)
def unpublish(course_id: int):
    """Take the course out of the menu."""
    return _course_action(course_id, authoring.unpublish_course, _("The course is a draft again."))


@bp.route("/<int:course_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def delete(course_id: int):
    """Delete a draft course nobody has enrolled in."""
    course = _editable_course(course_id)
    title = course.title
    try:
        authoring.delete_course(course)
    except CourseError as exc:
        db.session.rollback()
        return _render_edit(course, error=str(exc), status=400)
    db.session.commit()
    flash(_("The course %(title)s has been deleted.", title=title), "success")
    return redirect(url_for("courses.teaching"))


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
            db.session.rollback()
            form.title.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The lesson has been added."), "success")
            return redirect(url_for("courses.edit", course_id=course.id) + "#lessons")
    return _render_edit(course, lesson_form=form, status=400)


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/rename", methods=["POST"])
@role_required(*EDITORS)
def rename_lesson(course_id: int, lesson_id: int):
    """Give a lesson a new title."""
    course, lesson = _editable_lesson(course_id, lesson_id)
    form = RenameLessonForm()
    if form.validate_on_submit():
        try:
            authoring.rename_lesson(lesson, form.new_title.data)
        except CourseError as exc:
            db.session.rollback()
            return _render_edit(course, error=str(exc), status=400)
        db.session.commit()
        flash(_("The lesson has been renamed."), "success")
        return redirect(url_for("courses.edit", course_id=course.id) + "#lessons")
    return _render_edit(course, error=_("A lesson needs a title."), status=400)


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
    db.session.commit()
    return redirect(url_for("courses.edit", course_id=course.id) + "#lessons")


@bp.route("/<int:course_id>/lessons/<int:lesson_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def delete_lesson(course_id: int, lesson_id: int):
    """Delete a lesson and its media."""
    course, lesson = _editable_lesson(course_id, lesson_id)
    title = lesson.title
    try:
        authoring.delete_lesson(lesson)
    except CourseError as exc:
        db.session.rollback()
        return _render_edit(course, error=str(exc), status=400)
    db.session.commit()
    flash(_("The lesson %(title)s has been deleted.", title=title), "success")
    return redirect(url_for("courses.edit", course_id=course.id) + "#lessons")


# --- content categories ------------------------------------------------------------------


@bp.route("/categories")
@role_required(Role.ADMIN)
def categories():
    """The content categories, with how many courses have each."""
    return _render_categories(ContentCategoryForm())


def _render_categories(form: ContentCategoryForm, status: int = 200):
    page = db.paginate(
        select(ContentCategory).order_by(ContentCategory.sort_order, ContentCategory.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    counts = category_rules.content_category_course_counts(c.id for c in page.items)
    return render_template(
        "courses/categories.html",
        page=page,
        counts=counts,
        form=form,
        missing_defaults=category_rules.missing_default_content_categories(),
    ), status


@bp.route("/categories/new", methods=["POST"])
@role_required(Role.ADMIN)
def new_category():
    """Add a content category."""
    form = ContentCategoryForm()
    if form.validate_on_submit():
        try:
            category = category_rules.create_content_category(
                form.code.data, form.name_zh.data, form.name_en.data, form.sort_order.data
            )
        except CourseError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _(
                    "The category %(name)s has been added.",
                    name=category.display_name(current_locale()),
                ),
                "success",
            )
            return redirect(url_for("courses.categories"))
    return _render_categories(form, 400)


@bp.route("/categories/defaults", methods=["POST"])
@role_required(Role.ADMIN)
def add_default_categories():
    """Add the standard content categories that are missing."""
    category_rules.ensure_default_content_categories()
    db.session.commit()
    flash(_("The standard categories are in the list."), "success")
    return redirect(url_for("courses.categories"))


def _content_category(content_category_id: int) -> ContentCategory:
    category = db.session.get(ContentCategory, content_category_id)
    if category is None:
        abort(404)
    return category


@bp.route("/categories/<int:content_category_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_category(content_category_id: int):
    """Change a content category's code, names or order."""
    category = _content_category(content_category_id)
    form = ContentCategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            category_rules.update_content_category(
                category, form.code.data, form.name_zh.data, form.name_en.data, form.sort_order.data
            )
        except CourseError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The category has been saved."), "success")
            return redirect(url_for("courses.categories"))
    status = 400 if form.errors else 200
    return render_template("courses/category_edit.html", form=form, category=category), status


@bp.route("/categories/<int:content_category_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate_category(content_category_id: int):
    """Stop offering a content category; courses that have it keep it."""
    return _set_category_active(content_category_id, False)


@bp.route("/categories/<int:content_category_id>/activate", methods=["POST"])
@role_required(Role.ADMIN)
def activate_category(content_category_id: int):
    """Offer a deactivated content category again."""
    return _set_category_active(content_category_id, True)


def _set_category_active(content_category_id: int, active: bool):
    category = _content_category(content_category_id)
    category_rules.set_content_category_active(category, active)
    db.session.commit()
    name = category.display_name(current_locale())
    if active:
        flash(_("The category %(name)s is active again.", name=name), "success")
    else:
        flash(_("The category %(name)s has been deactivated.", name=name), "success")
    return redirect(url_for("courses.categories"))
