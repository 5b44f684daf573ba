"""Forms for offline training records, exemptions, reviews and the lists' filters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from lms.accounts.forms import MultiCheckboxField
from lms.core.inputs import bounded_int
from lms.offline.input_checks import MAX_PROVIDER, MAX_REASON, MAX_TITLE
from lms.offline.labels import (
    EXEMPTION_EFFECT_LABELS,
    EXEMPTION_KIND_LABELS,
    STATUS_LABELS,
    TRAINING_TYPE_LABELS,
)


class _CadrePicker:
    """Cadres ticked in a unit's list, and/or personnel numbers pasted (one record each)."""

    cadre_ids = MultiCheckboxField(_l("Cadres"), coerce=bounded_int, validate_choice=False)
    personnel_numbers = TextAreaField(
        _l("Personnel numbers"),
        validators=[Length(max=20000)],
        description=_l("Paste personnel numbers separated by spaces, commas or new lines."),
    )


class _Period:
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])


class TrainingForm(_Period, FlaskForm):
    training_type = SelectField(_l("Type"), choices=list(TRAINING_TYPE_LABELS.items()))
    title = StringField(_l("Title"), validators=[Length(max=MAX_TITLE)])
    provider = StringField(
        _l("Provider"),
        validators=[Length(max=MAX_PROVIDER)],
        description=_l("For example the party school, university or host unit."),
    )
    hours = DecimalField(
        _l("Hours"),
        places=None,
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("Give hours or days, not both."),
    )
    days = DecimalField(_l("Days"), places=None, validators=[Optional(), NumberRange(min=0)])
    evidence = FileField(
        _l("Evidence"),
        description=_l(
            "Optional: a certificate, notice or list of attendees (PDF, JPEG, PNG or DOCX)."
        ),
    )


class NewTrainingForm(_CadrePicker, TrainingForm):
    pass


class ExemptionForm(_Period, FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(EXEMPTION_KIND_LABELS.items()))
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=MAX_REASON)],
        description=_l("Required for “other”."),
    )
    effect = SelectField(_l("Effect on the quota"), choices=list(EXEMPTION_EFFECT_LABELS.items()))


class NewExemptionForm(_CadrePicker, ExemptionForm):
    pass


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=MAX_REASON)],
        description=_l("Required when rejecting: the recorder sees it."),
    )


class ListFilterForm(FlaskForm):
    """The list pages' filters (read from the query string, no CSRF)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit (with sub-units)"), validate_choice=False)
    status = SelectField(_l("Status"), choices=[("", _l("Any status")), *STATUS_LABELS.items()])
    kind = SelectField(_l("Type"), validate_choice=False)
    year = SelectField(_l("Year"), validate_choice=False)
