"""Question files of a bank: upload, preview and confirm an import; export; the template."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.banks import files, question_rules
from lms.banks.errors import BankError
from lms.banks.forms import BankFileForm
from lms.banks.models import Bank
from lms.banks.views import EDITORS, PENDING, bank_or_404, bp, page_number, pending_for
from lms.core.access import role_required
from lms.core.exports import download
from lms.core.i18n import current_locale
from lms.core.pagination import Page
from lms.core.tabular import EXTENSIONS, rows_by_status
from lms.core.templating import render_form
from lms.core.uploads import UploadGone
from lms.extensions import db


def _import_page(bank: Bank, form: BankFileForm):
    return render_form(
        "banks/import.html",
        form,
        bank=bank,
        columns=files.LAYOUT.columns,
        pending=pending_for(bank),
        max_rows=files.MAX_ROWS,
        max_mb=current_app.config["MAX_IMPORT_MB"],
    )


@bp.route("/<int:bank_id>/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_file(bank_id: int):
    """Upload a question file; a readable one is stored and previewed, a bad one explained."""
    bank = bank_or_404(bank_id)
    form = BankFileForm()
    if form.validate_on_submit() and PENDING.accept(
        form.file, files.read_bank_file, bank_id=bank.id
    ):
        return redirect(url_for("banks.import_preview", bank_id=bank.id))
    return _import_page(bank, form)


def _load_stored_upload(bank: Bank, info: dict | None):
    """The table of this session's upload ``info`` into ``bank``, or a redirect."""
    try:
        table = PENDING.load(info, files.read_bank_file, _("Upload a question file first."))
    except UploadGone as gone:
        flash(gone.message, gone.category)
        return None, redirect(url_for("banks.import_file", bank_id=bank.id))
    return table, None


def _plan_stored_upload(bank: Bank):
    """(info, table, plans) for this session's upload into ``bank``, or a redirect."""
    info = pending_for(bank)
    table, response = _load_stored_upload(bank, info)
    if response is not None:
        return None, response
    return (info, table, files.plan_import(bank, table, current_locale())), None


@bp.route("/<int:bank_id>/import/preview")
@role_required(*EDITORS)
def import_preview(bank_id: int):
    """Every row of the stored upload as new, duplicate or rejected; nothing written."""
    bank = bank_or_404(bank_id)
    loaded, response = _plan_stored_upload(bank)
    if response is not None:
        return response
    info, table, plans = loaded
    status, shown = rows_by_status(plans, files.STATUSES, request.args.get("status", ""))
    return render_template(
        "banks/preview.html",
        bank=bank,
        info=info,
        table=table,
        counts=files.count_statuses(plans),
        total=len(plans),
        status=status,
        page=Page.of(shown, page_number()),
        letters=question_rules.LETTERS,
    )


@bp.route("/<int:bank_id>/import/confirm", methods=["POST"])
@role_required(*EDITORS)
def import_confirm(bank_id: int):
    """Check the stored upload again against the bank as it is now and import it at once."""
    bank = bank_or_404(bank_id)
    info = pending_for(bank)
    if info and info.get("token") == bank.last_import_token:
        return _already_imported(bank)  # a second click sent after the first one finished
    table, response = _load_stored_upload(bank, info)
    if response is not None:
        return response
    if not files.claim_import(bank, info["token"]):
        db.session.rollback()
        return _already_imported(bank)  # a second click that ran alongside the first one
    # Planned after the claim: the bank as it is now, with any import that won before.
    plans = files.plan_import(bank, table, current_locale())
    try:
        created = files.apply_import(bank, plans)
    except BankError:
        db.session.rollback()  # the claim too: the redirect below is kept, the upload may retry
        flash(
            _("Some rows are rejected, so nothing was imported. Fix the file and upload it again."),
            "error",
        )
        return redirect(url_for("banks.import_preview", bank_id=bank.id))
    PENDING.forget()
    flash(
        _(
            "Questions imported: %(created)d added, %(skipped)d duplicates skipped.",
            created=created,
            skipped=files.count_statuses(plans)[files.DUPLICATE],
        ),
        "success",
    )
    return redirect(url_for("banks.detail", bank_id=bank.id))


def _already_imported(bank: Bank):
    PENDING.forget()
    flash(_("This import was already applied; nothing more was added."), "info")
    return redirect(url_for("banks.detail", bank_id=bank.id))


@bp.route("/<int:bank_id>/import/cancel", methods=["POST"])
@role_required(*EDITORS)
def import_cancel(bank_id: int):
    """Drop the stored upload without importing anything."""
    bank = bank_or_404(bank_id)
    if pending_for(bank):
        PENDING.forget()
    flash(_("The import was cancelled; nothing was changed."), "info")
    return redirect(url_for("banks.detail", bank_id=bank.id))


@bp.route("/<int:bank_id>/export.<ext>")
@role_required(*EDITORS)
def export(bank_id: int, ext: str):
    """The bank's questions in use, as a file that imports back."""
    bank = bank_or_404(bank_id)
    if ext not in EXTENSIONS:
        abort(404)
    data = files.export_bank(bank, ext, current_locale())
    return download(data, ext, f"question-bank-{bank.id}.{ext}")


@bp.route("/template.<ext>")
@role_required(*EDITORS)
def template(ext: str):
    """A question file template with one example question of each type."""
    if ext not in EXTENSIONS:
        abort(404)
    return download(files.build_template(ext, current_locale()), ext, f"question-template.{ext}")
