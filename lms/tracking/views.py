"""My learning: this year's credited hours, this weekend's, and courses to resume."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from lms.core.timeutil import local_today
from lms.tracking import services

bp = Blueprint("tracking", __name__, url_prefix="/learning")


@bp.route("/")
@login_required
def mine():
    """The cadre's study hours this year and the courses they have started or finished."""
    today = local_today()
    progress = services.year_progress(current_user.id, today.year)
    in_progress = [c for c in progress["courses"] if not c["completed"]]
    resume = services.resume_lessons(current_user.id, [c["id"] for c in in_progress])
    return render_template(
        "tracking/mine.html",
        progress=progress,
        weekend_hours=round(services.weekend_seconds(current_user.id, today) / 3600, 1),
        in_progress=in_progress,
        completed=[c for c in progress["courses"] if c["completed"]],
        resume=resume,
    )
