"""Forms for logging in, changing passwords, the profile and the admin's user pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.models import Role


def role_choices():
    return [
        (Role.ADMIN.value, _l("Administrator")),
        (Role.SUPERVISOR.value, _l("Supervisor")),
        (Role.INSTRUCTOR.value, _l("Instructor")),
        (Role.CADRE.value, _l("Cadre")),
    ]


def language_choices(with_auto: bool = True):
    choices = [("zh_CN", "中文"), ("en", "English")]
    return ([("", _l("Browser default"))] if with_auto else []) + choices


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=255)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    preferred_language = SelectField(_l("Language"), choices=language_choices())
    wants_email_reminders = BooleanField(
        _l("E-mail me weekly reminders"),
        description=_l("Reminders also appear here in the app whatever you choose."),
    )
    submit = SubmitField(_l("Save"))


USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]+$"


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(USERNAME_PATTERN, message=_l("Use letters, digits and . _ @ - only.")),
        ],
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=255)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    preferred_language = SelectField(_l("Language"), choices=language_choices())
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices())
    unit_id = SelectField(_l("Unit"), coerce=str, validators=[Optional()])
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty to generate a one-time password."),
    )
    submit = SubmitField(_l("Save"))


class ConfirmForm(FlaskForm):
    """An empty form: a POST with a CSRF token, for confirmed actions."""

    submit = SubmitField(_l("Confirm"))


class AdminUserForm(UserForm):
    """The admin's user form: the account plus, for cadres, the personnel record."""

    personnel_number = StringField(
        _l("Personnel number"),
        validators=[Optional(), Length(max=40)],
        description=_l("Required for cadres; unique."),
    )
    category_id = SelectField(_l("Cadre category"), coerce=str, validators=[Optional()])
    rank = StringField(_l("Rank"), validators=[Optional(), Length(max=100)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])


class UserSearchForm(FlaskForm):
    """The filters above the user list (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"),
        choices=lambda: [("", _l("All roles")), *role_choices()],
        validators=[Optional()],
    )
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All")), ("active", _l("Active")), ("inactive", _l("Deactivated"))],
        validators=[Optional()],
    )
