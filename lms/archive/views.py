"""Archive pages: a cadre's own, a supervisor's view of one in scope, and the PDF of either."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from lms.accounts.models import User
from lms.archive import services
from lms.core import statsyear
from lms.core.pdf import pdf_response
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.offline.labels import EXEMPTION_KIND_LABELS, TRAINING_TYPE_LABELS
from lms.org import visibility as org
from lms.plans.quotas import forecast_for

bp = Blueprint("archive", __name__, url_prefix="/archive")


def _person(user_id: int | None) -> User:
    if user_id is None:
        return current_user._get_current_object()
    person = db.session.get(User, user_id)
    if person is None or person.cadre is None or not org.can_see_person(current_user, person):
        abort(404)
    if person.id != current_user.id and not current_user.has_role("admin", "supervisor"):
        abort(404)
    return person


def _context(person: User) -> dict:
    records = services.build_archive(person)
    return {
        "training_type_labels": TRAINING_TYPE_LABELS,
        "exemption_kind_labels": EXEMPTION_KIND_LABELS,
        "person": person,
        "records": records,
        "total_hours": services.total_online_hours(records),
        "forecast": forecast_for(person, local_today()),
        "plan_year": statsyear.current_year(),
        "today": local_today(),
    }


@bp.route("/")
@bp.route("/cadres/<int:user_id>")
@login_required
def show(user_id: int | None = None):
    """The learning archive: every year's hours against quota, courses, results, training."""
    return render_template("archive/show.html", **_context(_person(user_id)))


@bp.route("/archive.pdf")
@bp.route("/cadres/<int:user_id>/archive.pdf")
@login_required
def pdf(user_id: int | None = None):
    """The archive as a PDF for appraisal files (Chinese text embedded)."""
    person = _person(user_id)
    html = render_template("archive/pdf.html", **_context(person))
    return pdf_response(html, f"learning-archive-{person.username}")
