"""The roster upload form (Confirm and Cancel are bare POST forms with a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField

from lms.core.tabular import EXTENSIONS


class UploadForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV or XLSX)"),
        validators=[
            FileRequired(message=_l("Choose a file to upload.")),
            FileAllowed(EXTENSIONS, message=_l("Upload a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )
    submit = SubmitField(_l("Upload and preview"))
