"""Offline training and exemption pages: record, approve, audit log."""

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
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from lms.accounts.models import Role, User
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.inputs import parse_int
from lms.extensions import db
from lms.offline.access import can_delete, can_manage, can_view, is_staff, review_refusal
from lms.offline.audit import (
    AUDIT_ACTION_LABELS,
    ENTITY_LABELS,
    EXEMPTION_ENTITY,
    TRAINING_ENTITY,
    audit_query,
    describe_changes,
    history,
)
from lms.offline.errors import OfflineError
from lms.offline.evidence import (
    EVIDENCE_TYPES,
    check_evidence,
    download_name,
    evidence_path,
    store_evidence,
)
from lms.offline.forms import (
    ExemptionForm,
    ListFilterForm,
    NewExemptionForm,
    NewTrainingForm,
    ReviewForm,
    TrainingForm,
)
from lms.offline.input_checks import MAX_CADRES_AT_ONCE, cadres_for, check_training_fields
from lms.offline.labels import (
    EXEMPTION_EFFECT_LABELS,
    EXEMPTION_KIND_LABELS,
    STATUS_LABELS,
    TRAINING_TYPE_LABELS,
)
from lms.offline.lists import list_query, own_query, pending_counts
from lms.offline.models import AuditEntry, Exemption, OfflineTraining
from lms.offline.recording import (
    delete_item,
    record_exemptions,
    record_offline_training,
    review,
    update_exemption,
    update_offline_training,
)
from lms.org.models import Cadre, Unit
from lms.org.visibility import assignable_units, can_see_person, can_see_unit

bp = Blueprint("offline", __name__, url_prefix="/offline")

STAFF = (Role.ADMIN, Role.SUPERVISOR)
VIEWERS = (Role.ADMIN, Role.SUPERVISOR, Role.CADRE)
YEARS_OFFERED = 6


@bp.app_template_global()
def offline_pending_total() -> int:
    """Records and exemptions waiting for the current supervisor's review (for the nav badge)."""
    if not current_user.is_authenticated:
        return 0
    return sum(pending_counts(current_user).values())


@bp.app_template_global()
def offline_for_cadre(person: User) -> dict:
    """A cadre's offline training and exemptions, newest first, for the cadre page's section."""
    return {
        "records": list(db.session.scalars(own_query(OfflineTraining, person).limit(10))),
        "exemptions": list(db.session.scalars(own_query(Exemption, person).limit(10))),
        "can_record": is_staff(current_user) and person.id != current_user.id,
    }


@bp.record_once
def _register_labels(state) -> None:
    """The labels as Jinja globals, so imported macros and includes see them too."""
    state.app.jinja_env.globals.update(
        training_type_labels=TRAINING_TYPE_LABELS,
        review_status_labels=STATUS_LABELS,
        exemption_kind_labels=EXEMPTION_KIND_LABELS,
        exemption_effect_labels=EXEMPTION_EFFECT_LABELS,
    )


# --- shared helpers ----------------------------------------------------------------------


def _visible(model, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or not can_view(current_user, item):
        abort(404)
    return item


def _managed(model, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or not can_manage(current_user, item):
        abort(404)
    return item


def _attach(form, exc: OfflineError) -> None:
    """Show a refused input's message at its field (or above the form)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _filters(kind_choices):
    filters = ListFilterForm(request.args)
    units = assignable_units(current_user)
    filters.unit.choices = [("", _("All my units"))] + [(str(u.id), u.name_path) for u in units]
    filters.kind.choices = [("", _("Any type")), *kind_choices.items()]
    this_year = statsyear.current_year()
    filters.year.choices = [("", _("Any year"))] + [
        (str(y), statsyear.label(y)) for y in range(this_year + 1, this_year - YEARS_OFFERED, -1)
    ]
    unit = None
    if (filters.unit.data or "").isdigit():
        unit = db.session.get(Unit, parse_int(filters.unit.data) or 0)
        if unit is None or not can_see_unit(current_user, unit):
            abort(404)
    year = parse_int(filters.year.data or "", 2000, 2100)
    status = filters.status.data if filters.status.data in STATUS_LABELS else None
    kind = filters.kind.data if filters.kind.data in kind_choices else None
    return filters, {"unit": unit, "status": status, "year": year, "kind": kind}


def _page(query):
    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _picker_context(form):
    """The unit whose cadres are offered as checkboxes (its own members), and those cadres."""
    unit = None
    if request.args.get("unit_id", "").isdigit():
        unit = db.session.get(Unit, parse_int(request.args["unit_id"]) or 0)
        if unit is None or not can_see_unit(current_user, unit):
            abort(404)
    rows = []
    if unit is not None:
        rows = db.session.execute(
            select(User.id, User.display_name, Cadre.personnel_number)
            .join(Cadre, Cadre.user_id == User.id)
            .where(User.unit_id == unit.id, User.is_active_account.is_(True))
            .order_by(User.display_name)
            .limit(MAX_CADRES_AT_ONCE)
        ).all()
    preset = _preset_cadre()
    if preset is not None and preset.id not in {r.id for r in rows}:
        rows.insert(0, (preset.id, preset.display_name, preset.cadre.personnel_number))
    form.cadre_ids.choices = [(r[0], f"{r[1]} ({r[2]})") for r in rows]
    if request.method == "GET" and preset is not None:
        form.cadre_ids.data = [preset.id]
    return {"picker_unit": unit, "units": assignable_units(current_user)}


def _preset_cadre() -> User | None:
    """The cadre named by ``?cadre_id=`` (from the cadre page), if the caller may see them."""
    if not request.args.get("cadre_id", "").isdigit():
        return None
    cadre = db.session.get(Cadre, parse_int(request.args["cadre_id"]) or 0)
    if cadre is None or not can_see_person(current_user, cadre.user):
        abort(404)
    return cadre.user


def _form_fields(form) -> dict:
    return {name: field.data for name, field in form._fields.items()}


def _stored_evidence(form):
    """The checked and stored evidence upload, or None; OfflineError when it is refused."""
    upload = form.evidence.data  # on the edit form, the record's Evidence when none is sent
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    data, ext = check_evidence(upload.filename, upload.stream)
    return store_evidence(current_user, upload.filename, data, ext)


# Where each kind's pages are: (detail endpoint, its id argument, list endpoint).
PAGES = {
    OfflineTraining: ("offline.detail", "record_id", "offline.index"),
    Exemption: ("offline.exemption_detail", "exemption_id", "offline.exemptions"),
}


def _detail_url(item) -> str:
    endpoint, arg, _list = PAGES[type(item)]
    return url_for(endpoint, **{arg: item.id})


def _review(model, item_id: int, approve: bool):
    item = _managed(model, item_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
    else:
        try:
            review(current_user, item, approve, form.note.data or "")
        except OfflineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Approved: it now counts.") if approve else _("Rejected."), "success")
    return redirect(_detail_url(item))


def _delete(model, item_id: int):
    item = _managed(model, item_id)
    if not can_delete(current_user, item):
        flash(_("An approved record can only be deleted by an administrator."), "error")
        return redirect(_detail_url(item))
    delete_item(current_user, item)
    db.session.commit()
    flash(_("Deleted. Its history stays in the audit log."), "success")
    return redirect(url_for(PAGES[model][2]))


def _submit(form, save, template: str, **context):
    """Run ``save`` on a valid post and commit; then flash its message and go to its page
    (``save`` returns both). Else, or when the save fails, show the form again."""
    if form.validate_on_submit():
        try:
            message, target = save()
            db.session.commit()
        except OfflineError as exc:
            db.session.rollback()
            _attach(form, exc)
        except SQLAlchemyError:
            # Nothing was saved, and no evidence file is left behind (the rollback removes
            # it); the form comes back as it was typed, bar the file a browser cannot refill.
            db.session.rollback()
            current_app.logger.exception("offline save failed")
            form.form_errors.append(
                _(
                    "It could not be saved, so nothing was changed. "
                    "Please try again (choose the evidence file again)."
                )
            )
        else:
            flash(message, "success")  # only once it is saved
            return redirect(target)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _saved_many(items, message: str) -> tuple[str, str]:
    if len(items) == 1:
        return message, _detail_url(items[0])
    return message, url_for(PAGES[type(items[0])][2], status="pending")


def _saved_one(item, changed: bool) -> tuple[str, str]:
    if changed:
        return _("Saved. It waits for another supervisor's approval again."), _detail_url(item)
    return _("Nothing was changed."), _detail_url(item)


def _chosen_cadres(form):
    return cadres_for(current_user, form.cadre_ids.data or [], form.personnel_numbers.data)


def _detail_context(item, entity_type: str) -> dict:
    entries = history(entity_type, item.id)
    return {
        "history": entries,
        "described": describe_changes(entries),
        "review_form": ReviewForm(formdata=None),
        "can_manage": can_manage(current_user, item),
        "can_delete": can_delete(current_user, item),
        "review_refusal": review_refusal(current_user, item),
        "action_labels": AUDIT_ACTION_LABELS,
    }


# --- offline training --------------------------------------------------------------------


@bp.route("/")
@role_required(*STAFF)
def index():
    """Offline training records in the caller's units, with filters and pending reviews."""
    filters, chosen = _filters(TRAINING_TYPE_LABELS)
    page = _page(list_query(OfflineTraining, current_user, **chosen))
    return render_template(
        "offline/index.html",
        filters=filters,
        page=page,
        pending=pending_counts(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new():
    """Record offline training for one cadre or many (one record each, same details)."""
    form = NewTrainingForm()

    def save():
        cadres = _chosen_cadres(form)
        fields = _form_fields(form)
        check_training_fields(fields)  # refuse bad input before storing any file
        evidence = _stored_evidence(form)
        records = record_offline_training(current_user, cadres, fields, evidence)
        return _saved_many(
            records,
            _("%(num)d record(s) saved. Another supervisor must approve them.", num=len(records)),
        )

    context = _picker_context(form)
    return _submit(form, save, "offline/form.html", record=None, **context)


@bp.route("/<int:record_id>")
@role_required(*VIEWERS)
def detail(record_id: int):
    """One record: its details, evidence, review and history."""
    record = _visible(OfflineTraining, record_id)
    return render_template(
        "offline/detail.html",
        record=record,
        **_detail_context(record, TRAINING_ENTITY),
    )


@bp.route("/<int:record_id>/evidence")
@role_required(*VIEWERS)
def evidence(record_id: int):
    """The record's evidence file, for those who may see the record."""
    record = _visible(OfflineTraining, record_id)
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
    record = _managed(OfflineTraining, record_id)
    form = TrainingForm(obj=record)
    if request.method == "GET":
        form.hours.data = record.hours if not record.entered_in_days else None
        form.days.data = record.days if record.entered_in_days else None

    def save():
        fields = _form_fields(form)
        check_training_fields(fields)
        evidence = _stored_evidence(form)
        changed = update_offline_training(current_user, record, fields, evidence)
        return _saved_one(record, changed)

    return _submit(form, save, "offline/form.html", record=record)


@bp.route("/<int:record_id>/approve", methods=["POST"])
@role_required(*STAFF)
def approve(record_id: int):
    """Approve a pending record (not one you recorded or last changed)."""
    return _review(OfflineTraining, record_id, True)


@bp.route("/<int:record_id>/reject", methods=["POST"])
@role_required(*STAFF)
def reject(record_id: int):
    """Reject a pending record, with the reason."""
    return _review(OfflineTraining, record_id, False)


@bp.route("/<int:record_id>/delete", methods=["POST"])
@role_required(*STAFF)
def delete(record_id: int):
    """Delete a record (approved ones: administrators only); the audit log keeps it."""
    return _delete(OfflineTraining, record_id)


# --- exemptions --------------------------------------------------------------------------


@bp.route("/exemptions")
@role_required(*STAFF)
def exemptions():
    """Exemptions of the cadres in the caller's units."""
    filters, chosen = _filters(EXEMPTION_KIND_LABELS)
    page = _page(list_query(Exemption, current_user, **chosen))
    return render_template(
        "offline/exemptions.html",
        filters=filters,
        page=page,
        pending=pending_counts(current_user),
    )


@bp.route("/exemptions/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_exemption():
    """Record an exemption for one cadre or many."""
    form = NewExemptionForm()

    def save():
        items = record_exemptions(current_user, _chosen_cadres(form), _form_fields(form))
        return _saved_many(
            items,
            _("%(num)d exemption(s) saved. Another supervisor must approve them.", num=len(items)),
        )

    context = _picker_context(form)
    return _submit(form, save, "offline/exemption_form.html", exemption=None, **context)


@bp.route("/exemptions/<int:exemption_id>")
@role_required(*VIEWERS)
def exemption_detail(exemption_id: int):
    """One exemption: its details, review and history."""
    item = _visible(Exemption, exemption_id)
    return render_template(
        "offline/exemption_detail.html",
        exemption=item,
        **_detail_context(item, EXEMPTION_ENTITY),
    )


@bp.route("/exemptions/<int:exemption_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_exemption(exemption_id: int):
    """Change an exemption; a reviewed one goes back to pending approval."""
    item = _managed(Exemption, exemption_id)
    form = ExemptionForm(obj=item)

    def save():
        return _saved_one(item, update_exemption(current_user, item, _form_fields(form)))

    return _submit(form, save, "offline/exemption_form.html", exemption=item)


@bp.route("/exemptions/<int:exemption_id>/approve", methods=["POST"])
@role_required(*STAFF)
def approve_exemption(exemption_id: int):
    """Approve a pending exemption (not one you recorded or last changed)."""
    return _review(Exemption, exemption_id, True)


@bp.route("/exemptions/<int:exemption_id>/reject", methods=["POST"])
@role_required(*STAFF)
def reject_exemption(exemption_id: int):
    """Reject a pending exemption, with the reason."""
    return _review(Exemption, exemption_id, False)


@bp.route("/exemptions/<int:exemption_id>/delete", methods=["POST"])
@role_required(*STAFF)
def delete_exemption(exemption_id: int):
    """Delete an exemption (approved ones: administrators only); the audit log keeps it."""
    return _delete(Exemption, exemption_id)


# --- the audit log and the cadre's own view ----------------------------------------------


@bp.route("/audit")
@role_required(*STAFF)
def audit():
    """Every change to offline records and exemptions of cadres in the caller's units."""
    filters, chosen = _filters({})
    entity = request.args.get("entity")
    entity = entity if entity in ENTITY_LABELS else None
    query = audit_query(current_user, chosen["unit"], entity)
    entity_id = request.args.get("entity_id", "")
    if entity and parse_int(entity_id) is not None:
        query = query.where(AuditEntry.entity_id == parse_int(entity_id))
    page = _page(query)
    return render_template(
        "offline/audit.html",
        filters=filters,
        entity=entity,
        page=page,
        described=describe_changes(page.items),
        entity_labels=ENTITY_LABELS,
        action_labels=AUDIT_ACTION_LABELS,
    )


@bp.route("/mine")
@role_required(Role.CADRE)
def mine():
    """The caller's own offline training and exemptions (read only)."""
    return render_template(
        "offline/mine.html",
        records=list(db.session.scalars(own_query(OfflineTraining, current_user))),
        exemptions=list(db.session.scalars(own_query(Exemption, current_user))),
    )
