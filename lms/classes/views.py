"""Class pages: the list (open classes, my classes, classes run in my units), a class with
its sessions, members and seat quotas, sign-up, approval, nominations, cancellation, and
the blackout periods."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.classes import decisions, scheduling, seats
from lms.classes.access import (
    can_decide,
    can_manage_class,
    can_nominate,
    can_see_members,
    is_staff,
)
from lms.classes.errors import ClassError
from lms.classes.forms import (
    BlackoutForm,
    ClassForm,
    NominationForm,
    QuotaForm,
    RefusalForm,
    SessionForm,
)
from lms.classes.labels import CLASS_TYPE_LABELS, MEMBER_STATUS_LABELS
from lms.classes.models import (
    ACTIVE_STATUSES,
    Blackout,
    ClassMember,
    ClassSession,
    MemberStatus,
    SeatQuota,
    TrainingClass,
)
from lms.core.access import role_required
from lms.core.templating import render_form
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import Cadre, Unit
from lms.org.visibility import can_see_unit, unit_scope_clause, visible_units
from lms.plans import years
from lms.plans.descriptions import describe_audience
from lms.plans.views import audience_input, fill_audience, setup_audience, submitted_unit_in_scope

bp = Blueprint("classes", __name__, url_prefix="/classes")
STAFF = (Role.ADMIN, Role.SUPERVISOR)


@bp.record_once
def _register_labels(state) -> None:
    state.app.jinja_env.globals.update(
        class_type_labels=CLASS_TYPE_LABELS, member_status_labels=MEMBER_STATUS_LABELS
    )


# --- what the pages share ----------------------------------------------------------------


def class_or_404(class_id: int) -> TrainingClass:
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None:
        abort(404)
    return training_class


def may_see(user, training_class: TrainingClass, member: ClassMember | None) -> bool:
    """Organizers, the class manager, supervisors whose units it reaches, whoever has or had
    a place, and the cadres of its audience."""
    if can_see_members(user, training_class) or member is not None:
        return True
    if is_staff(user) and _reaches_scope(user, training_class):
        return True  # supervisors of units in the audience decide on sign-ups, nominate
    return seats.in_audience(training_class, user)


def _reaches_scope(user, training_class: TrainingClass) -> bool:
    """Whether the class's audience reaches into the supervisor's subtree."""
    if user.is_admin:
        return True
    audience, mine = training_class.unit, user.unit
    if mine is None:
        return False
    return audience is None or audience.is_within(mine) or mine.is_within(audience)


def managed_or_404(class_id: int) -> TrainingClass:
    training_class = class_or_404(class_id)
    if not can_manage_class(current_user, training_class):
        abort(404)
    return training_class


def member_or_404(member_id: int) -> ClassMember:
    member = db.session.get(ClassMember, member_id)
    if member is None:
        abort(404)
    return member


def _plan_for(training_class: TrainingClass):
    year = training_class.enrol_opens_on.year
    return years.get_plan(year) or years.new_plan(year)


def _detail_url(training_class) -> str:
    return url_for("classes.detail", class_id=training_class.id)


def _run_by(user) -> list[TrainingClass]:
    """Classes organized in the caller's units, with seats set aside for them, or managed by
    the caller."""
    query = select(TrainingClass).join(Unit, Unit.id == TrainingClass.organizer_unit_id)
    condition = TrainingClass.manager_id == user.id
    if is_staff(user):
        with_seats = (
            select(SeatQuota.class_id)
            .join(Unit, Unit.id == SeatQuota.unit_id)
            .where(unit_scope_clause(user))
        )
        condition = condition | unit_scope_clause(user) | TrainingClass.id.in_(with_seats)
    return list(
        db.session.scalars(query.where(condition).order_by(TrainingClass.enrol_opens_on.desc()))
    )


def _to_decide(user) -> list[ClassMember]:
    """Sign-ups of cadres in the caller's units that wait for a decision."""
    if not is_staff(user):
        return []
    rows = db.session.scalars(
        select(ClassMember)
        .join(User, User.id == ClassMember.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            ClassMember.status.in_((MemberStatus.REQUESTED.value, MemberStatus.WAITING.value)),
            ClassMember.quota_unit_id.is_(None),
            unit_scope_clause(user),
            ClassMember.user_id != user.id,
        )
        .order_by(ClassMember.created_at)
    )
    return list(rows)


# --- the list ----------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """Open classes for the cadre, their own places, and the classes staff run."""
    today = local_today()
    places = seats.my_places(current_user)
    return render_template(
        "classes/index.html",
        open_classes=seats.classes_open_to(current_user, today),
        places=places,
        positions={m.id: seats.waiting_position(m) for m in places},
        run_by_me=_run_by(current_user),
        to_decide=_to_decide(current_user),
        today=today,
    )


# --- creating and editing ----------------------------------------------------------------


def _setup(form: ClassForm, training_class: TrainingClass | None) -> None:
    setup_audience(form, training_class)
    units = list(db.session.scalars(visible_units(current_user)))
    form.organizer_unit_id.choices = unit_choices(units)[1:]


def _class_input(form: ClassForm) -> scheduling.ClassInput:
    organizer = db.session.get(Unit, int(form.organizer_unit_id.data))
    manager = None
    if form.manager.data and form.manager.data.strip():
        manager = db.session.scalar(select(User).where(User.username == form.manager.data.strip()))
        if manager is None:
            raise ClassError(_("There is no user with this user name."))
    return scheduling.ClassInput(
        class_type=form.class_type.data,
        title=form.title.data.strip(),
        organizer_unit=organizer,
        institution=(form.institution.data or "").strip(),
        manager=manager,
        venue=(form.venue.data or "").strip(),
        description=(form.description.data or "").strip(),
        enrol_opens_on=form.enrol_opens_on.data,
        enrol_closes_on=form.enrol_closes_on.data,
        cancel_until=form.cancel_until.data,
        capacity=form.capacity.data,
        audience=audience_input(form),
    )


def _edit(training_class: TrainingClass | None):
    form = ClassForm()
    _setup(form, training_class)
    if request.method == "POST":
        submitted_unit_in_scope()
        raw = request.form.get("organizer_unit_id", "")
        if raw.isdigit() and not can_see_unit(current_user, db.session.get(Unit, int(raw))):
            abort(404)
    if request.method == "GET" and training_class is not None:
        form.process(obj=training_class)
        _setup(form, training_class)
        form.organizer_unit_id.data = str(training_class.organizer_unit_id)
        form.manager.data = training_class.manager.username if training_class.manager else ""
        fill_audience(form, training_class)
    elif form.validate_on_submit():
        try:
            saved = scheduling.save_class(training_class, _class_input(form), current_user)
            if training_class is not None:
                seats.promote_waiting(saved, current_user)  # a larger capacity frees seats
        except ClassError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("The class has been saved."), "success")
            return redirect(_detail_url(saved))
    year = (form.enrol_opens_on.data or local_today()).year
    plan = years.get_plan(year) or years.new_plan(year)
    return render_form(
        "classes/form.html", form, training_class=training_class, plan=plan, matched=None
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new():
    """Create a class organized by one of the caller's units."""
    return _edit(None)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(class_id: int):
    return _edit(managed_or_404(class_id))


# --- one class ---------------------------------------------------------------------------


def _members(training_class: TrainingClass) -> list[ClassMember]:
    return list(
        db.session.scalars(
            select(ClassMember)
            .where(ClassMember.class_id == training_class.id)
            .order_by(ClassMember.status, ClassMember.waiting_since, ClassMember.id)
        )
    )


def _nomination_units(training_class: TrainingClass) -> list[Unit]:
    return [q.unit for q in training_class.quotas if can_nominate(current_user, q.unit)]


def detail_page(training_class: TrainingClass, **forms):
    """The class page; a refused form on it is shown again with what was typed (400)."""
    member = seats.member_of(training_class, current_user)
    if not may_see(current_user, training_class, member):
        abort(404)
    today = local_today()
    session_form = forms.get("session_form") or SessionForm(formdata=None)
    quota_form = forms.get("quota_form") or QuotaForm(formdata=None)
    nomination_form = forms.get("nomination_form") or NominationForm(formdata=None)
    quota_form.unit_id.choices = unit_choices(
        list(db.session.scalars(visible_units(current_user)))
    )[1:]
    nomination_units = _nomination_units(training_class)
    nomination_form.unit_id.choices = [(str(u.id), u.name_path) for u in nomination_units]
    sees_members = can_see_members(current_user, training_class)
    open_taken, by_unit = scheduling.seats_held(training_class)
    context = {
        "training_class": training_class,
        "member": member,
        "position": seats.waiting_position(member) if member else None,
        "can_manage": can_manage_class(current_user, training_class),
        "sees_members": sees_members,
        "members": _members(training_class) if sees_members else [],
        "history": decisions.class_history(training_class.id) if sees_members else [],
        "action_labels": decisions.ACTION_LABELS,
        "free_open": seats.free_open_seats(training_class),
        "by_unit": by_unit,
        "open_taken": open_taken,
        "enrolment_open": seats.rules.enrolment_open(
            today, training_class.enrol_opens_on, training_class.enrol_closes_on
        ),
        "may_cancel": seats.rules.may_cancel(today, training_class.cancel_until),
        "in_audience": seats.in_audience(training_class, current_user),
        "can_decide": lambda m: can_decide(current_user, m),
        "audience": describe_audience(training_class, _plan_for(training_class).limits),
        "session_form": session_form,
        "quota_form": quota_form,
        "nomination_form": nomination_form,
        "nomination_units": nomination_units,
    }
    refused = any(form.errors for form in forms.values())
    return render_template("classes/detail.html", **context), 400 if refused else 200


@bp.route("/<int:class_id>")
@login_required
def detail(class_id: int):
    return detail_page(class_or_404(class_id))


@bp.route("/<int:class_id>/sessions", methods=["POST"])
@role_required(*STAFF)
def add_session(class_id: int):
    """Schedule a session (refused in a blackout or over another session)."""
    training_class = managed_or_404(class_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            scheduling.add_session(
                training_class,
                form.day.data,
                form.starts_at.data,
                form.ends_at.data,
                form.room.data or "",
                form.teacher.data or "",
                form.topic.data or "",
            )
        except ClassError as exc:
            form.day.errors = [*form.day.errors, exc.message]
        else:
            flash(_("The session has been added."), "success")
            return redirect(_detail_url(training_class) + "#sessions")
    return detail_page(training_class, session_form=form)


@bp.route("/<int:class_id>/sessions/<int:session_id>/delete", methods=["POST"])
@role_required(*STAFF)
def delete_session(class_id: int, session_id: int):
    training_class = managed_or_404(class_id)
    session = db.session.get(ClassSession, session_id)
    if session is None or session.class_id != training_class.id:
        abort(404)
    db.session.delete(session)
    flash(_("The session has been removed."), "success")
    return redirect(_detail_url(training_class) + "#sessions")


@bp.route("/<int:class_id>/quotas", methods=["POST"])
@role_required(*STAFF)
def set_quota(class_id: int):
    """Set aside seats for a unit (0 removes them)."""
    training_class = managed_or_404(class_id)
    submitted_unit_in_scope()
    form = QuotaForm()
    form.unit_id.choices = unit_choices(list(db.session.scalars(visible_units(current_user))))[1:]
    if form.validate_on_submit():
        unit = db.session.get(Unit, int(form.unit_id.data))
        try:
            scheduling.set_quota(training_class, unit, form.seats.data, current_user)
        except ClassError as exc:
            form.seats.errors = [*form.seats.errors, exc.message]
        else:
            flash(_("The seats of %(unit)s have been saved.", unit=unit.name), "success")
            return redirect(_detail_url(training_class) + "#quotas")
    return detail_page(training_class, quota_form=form)


@bp.route("/<int:class_id>/nominate", methods=["POST"])
@role_required(*STAFF)
def nominate(class_id: int):
    """A supervisor of a unit with seats nominates one of its cadres, with a reason."""
    training_class = class_or_404(class_id)
    units = _nomination_units(training_class)
    if not units:
        abort(404)
    form = NominationForm()
    form.unit_id.choices = [(str(u.id), u.name_path) for u in units]
    if form.validate_on_submit():
        unit = next(u for u in units if str(u.id) == form.unit_id.data)
        cadre = _find_cadre(form.cadre.data)
        try:
            if cadre is None:
                raise ClassError(_("No cadre has this personnel number or user name."))
            seats.nominate(training_class, unit, cadre, form.reason.data, current_user)
        except ClassError as exc:
            form.cadre.errors = [*form.cadre.errors, exc.message]
        else:
            flash(_("%(name)s has been nominated.", name=cadre.display_name), "success")
            return redirect(_detail_url(training_class) + "#quotas")
    return detail_page(training_class, nomination_form=form)


def _find_cadre(text: str) -> User | None:
    text = (text or "").strip()
    user = db.session.scalar(select(User).where(User.username == text))
    if user is None:
        user = db.session.scalar(
            select(User).join(Cadre, Cadre.user_id == User.id).where(Cadre.key_matches(text))
        )
    return user


# --- a cadre's place ---------------------------------------------------------------------


@bp.route("/<int:class_id>/signup", methods=["POST"])
@login_required
def sign_up(class_id: int):
    training_class = class_or_404(class_id)
    member = seats.sign_up(training_class, current_user)
    if member.status == MemberStatus.WAITING.value:
        flash(_("The class is full: you are on the waiting list."), "success")
    else:
        flash(
            _("You have signed up. A supervisor of your unit will approve or refuse it."),
            "success",
        )
    return redirect(_detail_url(training_class))


@bp.route("/<int:class_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(class_id: int):
    """Give up one's place, after a confirmation page (it cannot be undone)."""
    training_class = class_or_404(class_id)
    member = seats.member_of(training_class, current_user)
    if member is None or member.status not in ACTIVE_STATUSES:
        abort(404)
    if request.method == "POST":
        seats.cancel(member, current_user)
        flash(
            _("Your place in %(title)s has been cancelled.", title=training_class.title), "success"
        )
        return redirect(url_for("classes.index"))
    return render_template(
        "classes/cancel.html",
        training_class=training_class,
        member=member,
        may_cancel=seats.rules.may_cancel(local_today(), training_class.cancel_until),
    )


@bp.route("/places/<int:member_id>/<any(confirm, decline):answer>", methods=["POST"])
@login_required
def answer(member_id: int, answer: str):
    """The nominee confirms or declines."""
    member = member_or_404(member_id)
    if member.user_id != current_user.id:
        abort(404)
    seats.answer_nomination(member, current_user, accept=answer == "confirm")
    if answer == "confirm":
        flash(_("You have confirmed your place."), "success")
    else:
        flash(_("You have declined the nomination."), "success")
    return redirect(url_for("classes.detail", class_id=member.class_id))


@bp.route("/places/<int:member_id>/<any(approve, refuse):decision>", methods=["POST"])
@role_required(*STAFF)
def decide(member_id: int, decision: str):
    """A supervisor of the cadre's unit approves or refuses a sign-up."""
    member = member_or_404(member_id)
    if not can_decide(current_user, member):
        abort(404)
    if decision == "approve":
        seats.approve(member, current_user)
        flash(_("%(name)s has a place now.", name=member.user.display_name), "success")
    else:
        form = RefusalForm()
        if not form.validate_on_submit():
            abort(400)
        seats.refuse(member, current_user, form.reason.data or "")
        flash(_("The sign-up of %(name)s was refused.", name=member.user.display_name), "success")
    if request.form.get("back") == "list":
        return redirect(url_for("classes.index"))
    return redirect(url_for("classes.detail", class_id=member.class_id))


# --- blackout periods --------------------------------------------------------------------


@bp.route("/blackouts", methods=["GET", "POST"])
@role_required(*STAFF)
def blackouts():
    """The periods no class may be scheduled in; administrators mark them."""
    form = BlackoutForm()
    if request.method == "POST":
        if not current_user.is_admin:
            abort(403)
        if form.validate_on_submit():
            try:
                scheduling.add_blackout(
                    form.starts_on.data, form.ends_on.data, form.reason.data, current_user
                )
            except ClassError as exc:
                form.ends_on.errors = [*form.ends_on.errors, exc.message]
            else:
                flash(_("The blackout period has been saved."), "success")
                clashing = scheduling.sessions_within(form.starts_on.data, form.ends_on.data)
                if clashing:
                    flash(
                        ngettext(
                            "%(num)d session already scheduled falls in this period; move it "
                            "by hand.",
                            "%(num)d sessions already scheduled fall in this period; move them "
                            "by hand.",
                            clashing,
                        ),
                        "error",
                    )
                return redirect(url_for("classes.blackouts"))
    periods = list(db.session.scalars(select(Blackout).order_by(Blackout.starts_on.desc())))
    return render_form("classes/blackouts.html", form, periods=periods)


@bp.route("/blackouts/<int:blackout_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_blackout(blackout_id: int):
    blackout = db.session.get(Blackout, blackout_id)
    if blackout is None:
        abort(404)
    db.session.delete(blackout)
    flash(_("The blackout period has been removed."), "success")
    return redirect(url_for("classes.blackouts"))
