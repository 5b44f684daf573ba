"""Logging in and out, the user's own profile, password and API tokens."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from lms.accounts import services, sessions, throttle
from lms.accounts.forms import ChangePasswordForm, ConfirmForm, LoginForm, ProfileForm
from lms.accounts.models import LoginSession
from lms.accounts.one_time import choose_first_password
from lms.api.models import ApiToken
from lms.api.services import revoke_token
from lms.core.templating import render_form
from lms.extensions import db

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; attempts are throttled per account and per address."""
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    form = LoginForm()
    next_url = request.values.get("next")
    if form.validate_on_submit():
        try:
            attempt = throttle.claim_attempt(form.username.data)
        except throttle.Throttled as exc:
            flash(exc.message, "error")
            response = make_response(
                render_template("accounts/login.html", form=form, next=next_url), 429
            )
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        user = services.authenticate(form.username.data, form.password.data)
        if user is not None:
            attempt.succeeded()
            _log_in(user, remember=form.remember.data)
            return redirect(next_url if services.is_safe_next(next_url) else url_for("home.home"))
        flash(_("The username or password is not correct."), "error")
    response = make_response(render_template("accounts/login.html", form=form, next=next_url))
    if request.method == "POST":
        response.status_code = 401 if form.errors == {} else 400
    return response


def _log_in(user, remember: bool) -> None:
    """Start a login on this device and put its key in the session (and remember-me) cookie."""
    sessions.start_session(
        user,
        remember=remember,
        user_agent=request.headers.get("User-Agent", ""),
        address=request.remote_addr,
    )
    login_user(user, remember=remember)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST with a CSRF token, so a link on another site cannot log a user out)."""
    if current_user.is_authenticated and current_user.login_session is not None:
        # Ended on the server: a copy of the session or remember-me cookie stops working too.
        sessions.end_session(current_user.login_session)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (required after a reset)."""
    form = ChangePasswordForm()
    first = current_user.must_change_password
    if first:
        # Logging in with the one-time password has just proved it: not asked again.
        del form.current_password
    login = current_user.login_session
    remembered = bool(login is not None and login.is_remembered)
    if form.validate_on_submit():
        try:
            if first:
                choose_first_password(current_user, form.new_password.data)
            else:
                services.change_password(
                    current_user, form.current_password.data, form.new_password.data
                )
        except services.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            # Every login ended with the old password; this device goes on with a new one.
            _log_in(current_user._get_current_object(), remember=remembered)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/change_password.html", form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """The user's own page: name, contact, language and API tokens."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.preferred_language.data = current_user.preferred_language or ""
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.email = form.email.data or None
        current_user.phone = form.phone.data or None
        current_user.preferred_language = form.preferred_language.data or None
        current_user.wants_email_reminders = form.wants_email_reminders.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.created_at.desc())
        .limit(50)
    ).all()
    return render_form("accounts/profile.html", form, tokens=tokens, revoke_form=ConfirmForm())


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_own_token(token_id: int):
    """Revoke one of the user's own API tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/sessions")
@login_required
def sessions_page():
    """Where the user is logged in: device, address, last seen; any other login can be ended."""
    return render_template(
        "accounts/sessions.html",
        logins=sessions.sessions_of(current_user),
        current_id=current_user.login_session.id if current_user.login_session else None,
        describe_device=sessions.describe_device,
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    """End one of the user's logins (ending this device's own is logging out)."""
    login = db.session.get(LoginSession, session_id)
    if login is None or login.user_id != current_user.id:
        abort(404)
    if current_user.login_session is not None and login.id == current_user.login_session.id:
        return logout()
    sessions.end_session(login)
    flash(_("The session has been ended; that device is logged out."), "success")
    return redirect(url_for("accounts.sessions_page"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    """End every login of the user except this device's."""
    sessions.end_sessions_of(current_user, keep=current_user.login_session)
    flash(_("Every other session has been ended."), "success")
    return redirect(url_for("accounts.sessions_page"))
