"""Exemption pages: the list, recording for one cadre or many, an exemption and editing it."""

from flask_babel import gettext as _
from flask_login import current_user

from lms.core.access import role_required
from lms.offline import views as pages
from lms.offline.forms import ExemptionForm, NewExemptionForm
from lms.offline.labels import EXEMPTION_KIND_LABELS
from lms.offline.models import Exemption
from lms.offline.recording import record_exemptions, update_exemption
from lms.offline.views import STAFF, VIEWERS, bp


@bp.route("/exemptions")
@role_required(*STAFF)
def exemptions():
    """Exemptions of the cadres in the caller's units."""
    return pages.list_page(Exemption, EXEMPTION_KIND_LABELS, "offline/exemptions.html")


@bp.route("/exemptions/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_exemption():
    """Record an exemption for one cadre or many."""
    form = NewExemptionForm()

    def save():
        cadres, fields = pages.chosen_cadres(form), pages.form_fields(form)
        items = record_exemptions(current_user, cadres, fields)
        return pages.saved_many(
            items,
            _("%(num)d exemption(s) saved. Another supervisor must approve them.", num=len(items)),
        )

    context = pages.picker_context(form)
    return pages.submit(form, save, "offline/exemption_form.html", exemption=None, **context)


@bp.route("/exemptions/<int:exemption_id>")
@role_required(*VIEWERS)
def exemption_detail(exemption_id: int):
    """One exemption: its details, review and history."""
    return pages.detail_page(Exemption, exemption_id, "offline/exemption_detail.html", "exemption")


@bp.route("/exemptions/<int:exemption_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_exemption(exemption_id: int):
    """Change an exemption; a reviewed one goes back to pending approval."""
    item = pages.managed(Exemption, exemption_id)
    form = ExemptionForm(obj=item)

    def save():
        changed = update_exemption(current_user, item, pages.form_fields(form))
        return pages.saved_one(item, changed)

    return pages.submit(form, save, "offline/exemption_form.html", exemption=item)
