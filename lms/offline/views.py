"""Offline training and exemption pages: the blueprint, what every page shares, the audit log
and a cadre's own view. The pages of records (``training_views``), of exemptions
(``exemption_views``) and the review actions (``review_views``) are on the same blueprint."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from lms.accounts.models import Role, User
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.events import after_commit
from lms.core.inputs import parse_int
from lms.core.templating import render_form
from lms.core.unit_of_work import on_commit_failure
from lms.extensions import db
from lms.offline.access import can_delete, can_manage, can_view, is_staff, review_refusal
from lms.offline.audit import (
    AUDIT_ACTION_LABELS,
    ENTITY_LABELS,
    audit_query,
    describe_changes,
    entity_type,
    history,
)
from lms.offline.errors import OfflineError
from lms.offline.evidence import check_evidence, store_evidence
from lms.offline.forms import ListFilterForm, ReviewForm
from lms.offline.input_checks import MAX_CADRES_AT_ONCE, cadres_for
from lms.offline.labels import (
    EXEMPTION_EFFECT_LABELS,
    EXEMPTION_KIND_LABELS,
    STATUS_LABELS,
    TRAINING_TYPE_LABELS,
)
from lms.offline.lists import list_query, own_query, pending_counts
from lms.offline.models import AuditEntry, Exemption, OfflineTraining
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


# --- what the pages share ----------------------------------------------------------------


def visible(model, item_id: int):
    """The record or exemption, if the caller may see it (else 404)."""
    item = db.session.get(model, item_id)
    if item is None or not can_view(current_user, item):
        abort(404)
    return item


def managed(model, item_id: int):
    """The record or exemption, if the caller may change it (else 404)."""
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


def list_filters(kind_choices):
    """The list pages' filter form and the filters chosen in it."""
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


def page_of(query):
    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def picker_context(form):
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


def chosen_cadres(form):
    return cadres_for(current_user, form.cadre_ids.data or [], form.personnel_numbers.data)


def form_fields(form) -> dict:
    return {name: field.data for name, field in form._fields.items()}


def stored_evidence(form):
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


def detail_url(item) -> str:
    endpoint, arg, _list = PAGES[type(item)]
    return url_for(endpoint, **{arg: item.id})


def list_url(model, **args) -> str:
    return url_for(PAGES[model][2], **args)


def submit(form, save, template: str, **context):
    """Run ``save`` on a valid post; then flash its message and go to its page (``save``
    returns both). Else, or when the save fails, show the form again (with status 400, so the
    request keeps nothing)."""
    if form.validate_on_submit():
        try:
            message, target = save()
            db.session.flush()
        except OfflineError as exc:
            _attach(form, exc)
        except SQLAlchemyError:
            # Nothing was saved, and no evidence file is left behind (the rollback removes
            # it); the form comes back as it was typed, bar the file a browser cannot refill.
            db.session.rollback()
            current_app.logger.exception("offline save failed")
            return _not_saved(form, template, context)
        else:
            # The message only once it is saved; if the request's commit fails, the form again.
            after_commit(db.session, lambda: flash(message, "success"))
            on_commit_failure(lambda: _not_saved(form, template, context))
            return redirect(target)
    return render_form(template, form, **context)


def _not_saved(form, template: str, context: dict):
    form.form_errors.append(
        _(
            "It could not be saved, so nothing was changed. "
            "Please try again (choose the evidence file again)."
        )
    )
    return render_form(template, form, **context)


def saved_many(items, message: str) -> tuple[str, str]:
    if len(items) == 1:
        return message, detail_url(items[0])
    return message, list_url(type(items[0]), status="pending")


def saved_one(item, changed: bool) -> tuple[str, str]:
    if changed:
        return _("Saved. It waits for another supervisor's approval again."), detail_url(item)
    return _("Nothing was changed."), detail_url(item)


def list_page(model, kind_labels: dict, template: str):
    """Records or exemptions of the cadres in the caller's units, filtered, with the number
    waiting for the caller's review."""
    filters, chosen = list_filters(kind_labels)
    page = page_of(list_query(model, current_user, **chosen))
    return render_template(
        template, filters=filters, page=page, pending=pending_counts(current_user)
    )


def detail_page(model, item_id: int, template: str, name: str):
    """One record or exemption (as ``name`` in the template): its details, review and history."""
    item = visible(model, item_id)
    entries = history(entity_type(item), item.id)
    return render_template(
        template,
        **{name: item},
        history=entries,
        described=describe_changes(entries),
        review_form=ReviewForm(formdata=None),
        can_manage=can_manage(current_user, item),
        can_delete=can_delete(current_user, item),
        review_refusal=review_refusal(current_user, item),
        action_labels=AUDIT_ACTION_LABELS,
    )


# --- the audit log and the cadre's own view ----------------------------------------------


@bp.route("/audit")
@role_required(*STAFF)
def audit():
    """Every change to offline records and exemptions of cadres in the caller's units."""
    filters, chosen = list_filters({})
    entity = request.args.get("entity")
    entity = entity if entity in ENTITY_LABELS else None
    query = audit_query(current_user, chosen["unit"], entity)
    entity_id = request.args.get("entity_id", "")
    if entity and parse_int(entity_id) is not None:
        query = query.where(AuditEntry.entity_id == parse_int(entity_id))
    page = page_of(query)
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
