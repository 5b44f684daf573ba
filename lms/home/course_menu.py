"""The course menu (选课菜单): published courses, searchable and filtered, with a cadre's
enrolments and the hours tracking credited for each.

It shows tracking's figures beside the courses, so it lives above both (docs/architecture.md:
pages that gather many features); its route stays on the courses blueprint (``courses.menu``,
``/courses/``).
"""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.models import Role
from lms.classes.seats import classes_open_to
from lms.core.i18n import current_locale
from lms.core.inputs import parse_int
from lms.core.timeutil import local_today
from lms.courses import catalog, labels
from lms.courses.categories import content_categories
from lms.courses.forms import MenuFilterForm
from lms.courses.views import bp, page_of
from lms.tracking.progress import credited_by_course


def _filter_form() -> MenuFilterForm:
    form = MenuFilterForm(request.args)
    form.category.choices = [("", _("All categories"))] + [
        (str(c.id), c.display_name(current_locale())) for c in content_categories()
    ]
    form.method.choices = [("", _("All methods"))] + [
        (value, str(label)) for value, label in labels.TEACHING_METHOD_LABELS.items()
    ]
    form.length.choices = [("", _("Any length"))] + [
        (key, str(label)) for key, (label, _low, _high) in labels.LENGTH_BUCKETS.items()
    ]
    form.instructor.choices = [("", _("All instructors"))] + [
        (str(u.id), u.display_name) for u in catalog.menu_instructors()
    ]
    return form


@bp.route("/")
@login_required
def menu():
    """The course menu: published courses, searchable and filtered, with enrolments."""
    form = _filter_form()
    filters = catalog.MenuFilters(
        q=(form.q.data or "").strip()[:100],
        category_id=parse_int(form.category.data or ""),
        method=form.method.data if form.method.data in labels.TEACHING_METHOD_LABELS else "",
        length=form.length.data if form.length.data in labels.LENGTH_BUCKETS else "",
        instructor_id=parse_int(form.instructor.data or ""),
    )
    page = page_of(catalog.menu_query(filters))
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
        # Classes (培训班) taking sign-ups appear in the menu too (lms/classes).
        open_classes=classes_open_to(current_user, local_today()) if is_cadre else [],
        filtered=any(
            [filters.q, filters.category_id, filters.method, filters.length, filters.instructor_id]
        ),
    )
