"""Offline training pages: the list, recording for one cadre or many, a record, its evidence
file and editing it."""

from flask import abort, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.access import role_required
from lms.offline import views as pages
from lms.offline.evidence import EVIDENCE_TYPES, download_name, evidence_path
from lms.offline.forms import NewTrainingForm, TrainingForm
from lms.offline.input_checks import check_training_fields
from lms.offline.labels import TRAINING_TYPE_LABELS
from lms.offline.models import OfflineTraining
from lms.offline.recording import record_offline_training, update_offline_training
from lms.offline.views import STAFF, VIEWERS, bp


@bp.route("/")
@role_required(*STAFF)
def index():
    """Offline training records in the caller's units, with filters and pending reviews."""
    return pages.list_page(OfflineTraining, TRAINING_TYPE_LABELS, "offline/index.html")


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new():
    """Record offline training for one cadre or many (one record each, same details)."""
    form = NewTrainingForm()

    def save():
        cadres = pages.chosen_cadres(form)
        fields = pages.form_fields(form)
        check_training_fields(fields)  # refuse bad input before storing any file
        evidence = pages.stored_evidence(form)
        records = record_offline_training(current_user, cadres, fields, evidence)
        return pages.saved_many(
            records,
            _("%(num)d record(s) saved. Another supervisor must approve them.", num=len(records)),
        )

    context = pages.picker_context(form)
    return pages.submit(form, save, "offline/form.html", record=None, **context)


@bp.route("/<int:record_id>")
@role_required(*VIEWERS)
def detail(record_id: int):
    """One record: its details, evidence, review and history."""
    return pages.detail_page(OfflineTraining, record_id, "offline/detail.html", "record")


@bp.route("/<int:record_id>/evidence")
@role_required(*VIEWERS)
def evidence(record_id: int):
    """The record's evidence file, for those who may see the record."""
    record = pages.visible(OfflineTraining, record_id)
    path = evidence_path(record.evidence) if record.evidence else None
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=EVIDENCE_TYPES[record.evidence.extension],
        as_attachment=True,
        download_name=download_name(record),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(record_id: int):
    """Change a record; an approved or rejected record goes back to pending approval."""
    record = pages.managed(OfflineTraining, record_id)
    form = TrainingForm(obj=record)
    if request.method == "GET":
        form.hours.data = record.hours if not record.entered_in_days else None
        form.days.data = record.days if record.entered_in_days else None

    def save():
        fields = pages.form_fields(form)
        check_training_fields(fields)
        evidence = pages.stored_evidence(form)
        changed = update_offline_training(current_user, record, fields, evidence)
        return pages.saved_one(record, changed)

    return pages.submit(form, save, "offline/form.html", record=record)
