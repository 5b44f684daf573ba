"""Assignment pages: the year's assignments, assigning a course or an exam, withdrawing one.

Supervisors assign within their own subtree, admins anywhere; the pages are on the plans
blueprint (``lms.plans.views``).
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.access import role_required
from lms.core.templating import render_form
from lms.courses.models import Course
from lms.extensions import db
from lms.org.visibility import scope_root
from lms.plans import assignments as plan_assignments
from lms.plans.audiences import count_audience
from lms.plans.descriptions import describe_audience
from lms.plans.errors import PlanError
from lms.plans.forms import AssignmentForm
from lms.plans.models import Assignment, TrainingYear
from lms.plans.views import (
    PREVIEW,
    STAFF,
    audience_input,
    bp,
    plan_or_404,
    preview_count,
    setup_audience,
    submitted_unit_in_scope,
)
from lms.plans.years import plan_window
from lms.quizzes.models import Quiz


@bp.route("/<int:year>/assignments")
@role_required(*STAFF)
def assignments(year: int):
    """The year's assignments the caller may see, with how many of their cadres each reaches."""
    plan = plan_or_404(year)
    page = db.paginate(
        plan_assignments.visible_assignments_query(current_user, plan),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    scope = scope_root(current_user)
    rows = [
        (
            assignment,
            describe_audience(assignment, plan.limits),
            count_audience(assignment.audience, plan, scope),
            plan_assignments.can_manage_assignment(current_user, assignment),
        )
        for assignment in page.items
    ]
    return render_template("plans/assignments.html", plan=plan, page=page, rows=rows)


def _item_choices(form: AssignmentForm) -> None:
    courses = db.session.execute(
        select(Course.id, Course.title).where(Course.is_published.is_(True)).order_by(Course.title)
    ).all()
    form.course_id.choices = [("", _("— No course —"))] + [(str(i), t) for i, t in courses]
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.title, Quiz.is_exam)
        .where(Quiz.is_published.is_(True))
        .order_by(Quiz.is_exam.desc(), Quiz.title)
    ).all()
    form.quiz_id.choices = [("", _("— No exam —"))] + [
        (str(i), t if is_exam else _("%(title)s (course test)", title=t))
        for i, t, is_exam in quizzes
    ]


@bp.route("/<int:year>/assignments/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_assignment(year: int):
    """Assign a course or an exam to an audience with a due date, in one step."""
    plan = plan_or_404(year)
    if request.method == "POST":
        submitted_unit_in_scope()
    form = AssignmentForm()
    setup_audience(form)
    _item_choices(form)
    if request.method == "GET":
        form.due_on.data = plan_window(plan)[1]
    matched = None
    if request.method == "POST" and form.validate():
        if request.form.get("action") == PREVIEW:
            matched = preview_count(form, plan)
        else:
            response = _save_assignment(form, plan)
            if response is not None:
                return response
    return render_form("plans/assignment_form.html", form, plan=plan, matched=matched)


def _save_assignment(form: AssignmentForm, plan: TrainingYear):
    course_id, quiz_id = form.course_id.data, form.quiz_id.data
    try:
        assignment = plan_assignments.create_assignment(
            current_user,
            plan,
            audience_input(form),
            form.due_on.data,
            course=db.session.get(Course, int(course_id)) if course_id else None,
            quiz=db.session.get(Quiz, int(quiz_id)) if quiz_id else None,
        )
    except PlanError as exc:
        form.course_id.errors.append(str(exc))
        return None
    reached = count_audience(assignment.audience, plan)
    plan_assignments.sync_assignments(plan.year)
    flash(
        _("Assigned to %(count)d cadres, due %(date)s.", count=reached, date=form.due_on.data),
        "success",
    )
    return redirect(url_for("plans.assignments", year=plan.year))


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@role_required(*STAFF)
def delete_assignment(assignment_id: int):
    """Withdraw an assignment; its course stays in the cadres' courses as an elective."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not plan_assignments.can_manage_assignment(current_user, assignment):
        abort(404)
    year = assignment.training_year.year
    released = plan_assignments.delete_assignment(assignment)
    plan_assignments.sync_assignments(year, released_course_ids=released)
    flash(_("The assignment has been withdrawn."), "success")
    return redirect(url_for("plans.assignments", year=year))
