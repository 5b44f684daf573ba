"""The admin's pages: create, edit, deactivate users and reset passwords."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from lms.accounts import services
from lms.accounts.forms import AdminUserForm, UserSearchForm
from lms.accounts.models import Role, User, UserRole
from lms.api.models import ApiToken
from lms.api.services import revoke_token
from lms.core.access import role_required
from lms.core.events import cadre_changed
from lms.core.i18n import current_locale
from lms.core.personnel import personnel_key
from lms.core.templating import render_form
from lms.extensions import db
from lms.org.categories import active_categories
from lms.org.models import Cadre, CadreCategory, Unit

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")

LIKE_ESCAPE = "\\"


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """All users, searchable, filtered by role and status, paginated."""
    form = UserSearchForm(formdata=request.args)
    form.validate()
    query = _filtered_users(
        search=form.q.data if not form.q.errors else None,
        role=form.role.data if not form.role.errors else None,
        status=form.status.data if not form.status.errors else None,
    )
    pagination = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    filtered = any(request.args.get(name) for name in ("q", "role", "status"))
    return render_template("admin/users.html", form=form, pagination=pagination, filtered=filtered)


def _filtered_users(search: str | None, role: str | None, status: str | None):
    # Units are joined here (not one query per row); roles and cadre records load in one
    # extra SELECT ... IN each, through the relationships' selectin loading.
    query = (
        select(User)
        .outerjoin(User.unit)
        .options(contains_eager(User.unit))
        .order_by(func.lower(User.username))
    )
    search = (search or "").strip()
    if search:
        like = "%" + _escape_like(search) + "%"
        number = personnel_key(search)  # the normal form: "Ｗ０００３" finds W0003
        numbers = select(Cadre.user_id).where(
            Cadre.personnel_number.ilike(like, escape=LIKE_ESCAPE)
            | Cadre.personnel_key.contains(number, autoescape=True)
        )
        query = query.where(
            or_(
                *(
                    column.ilike(like, escape=LIKE_ESCAPE)
                    for column in (User.username, User.display_name, User.email, User.phone)
                ),
                User.id.in_(numbers),
            )
        )
    if role:
        query = query.where(User.role_rows.any(UserRole.role == role))
    if status == "active":
        query = query.where(User.is_active_account.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active_account.is_(False))
    return query


def _escape_like(text: str) -> str:
    """Make ``%`` and ``_`` in a search match themselves."""
    for char in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, LIKE_ESCAPE + char)
    return text


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create():
    """Create a user; without a password a one-time password is generated and shown once."""
    form = _user_form()
    if form.validate_on_submit():
        try:
            user, one_time = services.create_account(
                _details_from(form), password=form.password.data or None
            )
        except services.UserFieldErrors as exc:
            _attach_errors(form, exc.errors)
        except IntegrityError:
            db.session.rollback()  # the failed flush; the page reads the database again
            _attach_errors(form, {"username": _conflict_message()})
        else:
            _sync_plan_for(user)
            flash(_("The user %(name)s has been created.", name=user.username), "success")
            if one_time:
                return _one_time_password_page(user, one_time, created=True)
            return redirect(url_for("admin_users.detail", user_id=user.id))
    return render_form("admin/users_form.html", form, user=None)


@bp.route("/<int:user_id>")
@role_required(Role.ADMIN)
def detail(user_id: int):
    """One user: profile, roles, unit, cadre record, API tokens and the actions."""
    return _detail_page(_get_user(user_id))


def _detail_page(user: User, error: str | None = None, status: int = 200):
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        .limit(100)
    ).all()
    return (
        render_template("admin/users_detail.html", user=user, tokens=tokens, error=error),
        status,
    )


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(user_id: int):
    """Edit a user's profile, roles, unit and cadre record (not the password)."""
    user = _get_user(user_id)
    form = _user_form(user)
    del form.password
    if form.validate_on_submit():
        try:
            services.update_user(user, _details_from(form), acting_user=current_user)
        except services.UserFieldErrors as exc:
            _attach_errors(form, exc.errors)
        except IntegrityError:
            db.session.rollback()  # the failed flush; the page reads the database again
            _attach_errors(form, {"username": _conflict_message()})
        else:
            _sync_plan_for(user)
            flash(_("The user %(name)s has been saved.", name=user.username), "success")
            return redirect(url_for("admin_users.detail", user_id=user.id))
    return render_form("admin/users_form.html", form, user=user)


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    """Deactivate a user: no more logins, the session ends, API tokens are revoked."""
    user = _get_user(user_id)
    try:
        services.deactivate_user(user, acting_user=current_user)
    except services.AccountError as exc:
        return _detail_page(user, error=str(exc), status=400)
    _sync_plan_for(user)
    flash(_("The user %(name)s has been deactivated.", name=user.username), "success")
    return redirect(url_for("admin_users.detail", user_id=user.id))


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    """Let a deactivated user log in again."""
    user = _get_user(user_id)
    services.reactivate_user(user)
    _sync_plan_for(user)
    flash(_("The user %(name)s can log in again.", name=user.username), "success")
    return redirect(url_for("admin_users.detail", user_id=user.id))


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    """Give the user a one-time password, shown once on the page this POST returns."""
    user = _get_user(user_id)
    one_time = services.reset_password(user)
    return _one_time_password_page(user, one_time, created=False)


@bp.route("/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_user_token(user_id: int, token_id: int):
    """Revoke one of the user's API tokens."""
    user = _get_user(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    revoke_token(token)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("admin_users.detail", user_id=user.id))


# --- helpers -------------------------------------------------------------------------------


def _sync_plan_for(user: User) -> None:
    """After a cadre's record, unit or status is saved: announce it, so the year's required
    courses follow (assignment audiences are rules over exactly these)."""
    if user.cadre is not None:
        cadre_changed.send(user, user_ids=[user.id])


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_form(user: User | None = None) -> AdminUserForm:
    """The form with its unit and category choices, filled from ``user`` on a GET."""
    # Filled from the user only on a GET: a POST is read from the submitted form alone.
    form = AdminUserForm(obj=user if request.method == "GET" else None)
    form.unit_id.choices = [("", _("— No unit —"))] + [
        (str(unit.id), unit.name_path)
        for unit in db.session.scalars(select(Unit).order_by(Unit.name_path))
    ]
    categories = active_categories()
    cadre = user.cadre if user is not None else None
    # Keep a retired category selectable for the cadre who still has it.
    if cadre is not None and cadre.category is not None and cadre.category not in categories:
        categories.append(cadre.category)
    form.category_id.choices = [("", _("— None —"))] + [
        (str(category.id), category.display_name(current_locale())) for category in categories
    ]
    if request.method == "GET" and user is not None:
        form.roles.data = sorted(role.value for role in user.roles)
        form.unit_id.data = str(user.unit_id) if user.unit_id else ""
        form.preferred_language.data = user.preferred_language or ""
        if cadre is not None:
            form.personnel_number.data = cadre.personnel_number
            form.category_id.data = str(cadre.category_id) if cadre.category_id else ""
            form.rank.data = cadre.rank
            form.position.data = cadre.position
    return form


def _details_from(form: AdminUserForm) -> services.UserDetails:
    unit_id, category_id = form.unit_id.data, form.category_id.data
    return services.UserDetails(
        username=form.username.data,
        display_name=form.display_name.data,
        roles=set(form.roles.data or ()),
        unit=db.session.get(Unit, int(unit_id)) if unit_id else None,
        email=form.email.data,
        phone=form.phone.data,
        preferred_language=form.preferred_language.data,
        personnel_number=form.personnel_number.data,
        category=db.session.get(CadreCategory, int(category_id)) if category_id else None,
        rank=form.rank.data,
        position=form.position.data,
    )


def _attach_errors(form: AdminUserForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form[name].errors = [*form[name].errors, message]


def _conflict_message() -> str:
    # Two admins saved the same username or personnel number at the same moment.
    return _("Someone else just saved this username or personnel number; please check and retry.")


def _one_time_password_page(user: User, password: str, created: bool):
    response = make_response(
        render_template("admin/users_password.html", user=user, password=password, created=created)
    )
    # The password must not stay in a browser or proxy cache once the page is left.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
