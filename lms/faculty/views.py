"""Teacher library pages for administrators: the list, a teacher, adding, editing, status."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.templating import render_form
from lms.core.timeutil import local_today
from lms.courses.access import instructor_choices
from lms.courses.models import Course, course_instructor
from lms.extensions import db
from lms.faculty import labels, services
from lms.faculty.forms import StatusForm, TeacherForm
from lms.faculty.models import Teacher
from lms.faculty.rules import NEXT

bp = Blueprint("faculty", __name__, url_prefix="/faculty")


@bp.app_context_processor
def _inject_helpers():
    return {
        "teacher_status_label": lambda value: labels.STATUS_LABELS.get(value, value),
        "teacher_kind_label": lambda value: labels.KIND_LABELS.get(value, value),
    }


def _teacher(teacher_id: int) -> Teacher:
    teacher = db.session.get(Teacher, teacher_id)
    if teacher is None:
        abort(404)
    return teacher


def _account_choices() -> list[tuple[str, str]]:
    return [("", _("None"))] + [
        (str(user.id), f"{user.display_name} ({user.username})") for user in instructor_choices()
    ]


def _values(form: TeacherForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "kind": form.kind.data,
        "user_id": int(form.user_id.data) if form.user_id.data else None,
        "title": form.title.data.strip(),
        "organization": form.organization.data.strip(),
        "subjects": form.subjects.data.strip(),
        "contact": form.contact.data.strip(),
        "notes": form.notes.data or "",
    }


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Every teacher, by name; ``?status=`` keeps one status."""
    status = request.args.get("status", "")
    query = select(Teacher).order_by(Teacher.name, Teacher.id)
    if status in labels.STATUS_LABELS:
        query = query.where(Teacher.status == status)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "faculty/index.html", page=page, status=status, statuses=labels.STATUS_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Add a teacher; they start as a candidate."""
    form = TeacherForm()
    form.user_id.choices = _account_choices()
    if form.validate_on_submit():
        teacher = services.create_teacher(current_user, _values(form), local_today())
        flash(_("%(name)s is in the teacher library.", name=teacher.name), "success")
        return redirect(url_for("faculty.detail", teacher_id=teacher.id))
    return render_form("faculty/edit.html", form, teacher=None)


@bp.route("/<int:teacher_id>")
@role_required(Role.ADMIN)
def detail(teacher_id: int):
    """A teacher: details, courses taught online, the status history and its next step."""
    teacher = _teacher(teacher_id)
    return _render_detail(teacher, StatusForm(formdata=None))


def _render_detail(teacher: Teacher, form: StatusForm, refused: bool = False):
    form.status.choices = [
        (str(status), labels.STATUS_LABELS[str(status)]) for status in NEXT[teacher.status]
    ]
    if form.effective_on.data is None and not form.errors:
        form.effective_on.data = local_today()
    courses = []
    if teacher.user_id:
        courses = list(
            db.session.scalars(
                select(Course)
                .join(course_instructor, course_instructor.c.course_id == Course.id)
                .where(course_instructor.c.user_id == teacher.user_id)
                .order_by(Course.title)
            )
        )
    page = render_template("faculty/detail.html", form=form, teacher=teacher, courses=courses)
    return page, 400 if (refused or form.errors) else 200


@bp.route("/<int:teacher_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(teacher_id: int):
    teacher = _teacher(teacher_id)
    form = TeacherForm(obj=teacher)
    form.user_id.choices = _account_choices()
    if request.method == "GET":
        form.user_id.data = str(teacher.user_id or "")
    if form.validate_on_submit():
        services.update_teacher(teacher, _values(form))
        flash(_("Saved."), "success")
        return redirect(url_for("faculty.detail", teacher_id=teacher.id))
    return render_form("faculty/edit.html", form, teacher=teacher)


@bp.route("/<int:teacher_id>/status", methods=["POST"])
@role_required(Role.ADMIN)
def change_status(teacher_id: int):
    """Record a change of status, from a date, with its reason."""
    teacher = _teacher(teacher_id)
    form = StatusForm()
    form.status.choices = [(str(s), labels.STATUS_LABELS[str(s)]) for s in NEXT[teacher.status]]
    if form.validate_on_submit():
        try:
            services.change_status(
                current_user, teacher, form.status.data, form.effective_on.data, form.reason.data
            )
        except services.FacultyError as exc:
            form.reason.errors = [*form.reason.errors, exc.message]
            return _render_detail(teacher, form, refused=True)
        else:
            flash(
                _(
                    "%(name)s: %(status)s.",
                    name=teacher.name,
                    status=labels.STATUS_LABELS[teacher.status],
                ),
                "success",
            )
            return redirect(url_for("faculty.detail", teacher_id=teacher.id))
    return _render_detail(teacher, form)
