"""Building the demo: idempotent, so it can run on every start of an empty or demo database."""

from datetime import date, timedelta

from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.accounts.services import create_user, find_user
from lms.core import statsyear
from lms.core.timeutil import local_today
from lms.demo import catalogue, history, records, season
from lms.demo.courses import seed_demo_courses
from lms.demo.evaluations import seed_evaluations
from lms.demo.media import seed_demo_media
from lms.demo.teachers import seed_teachers
from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import Cadre, CadreCategory, Unit
from lms.org.tree import ensure_unit_path
from lms.plans.assignments import sync_assignments
from lms.plans.quotas import quotas_for_cadres
from lms.plans.seeding import seed_default_plan
from lms.plans.years import plan_window

ROOT_UNIT = "未央区"
DEMO_UNITS = [
    f"{ROOT_UNIT}/区财政局/预算科",
    f"{ROOT_UNIT}/区财政局/国库科",
    f"{ROOT_UNIT}/区教育局/基础教育科",
    f"{ROOT_UNIT}/张家堡街道/社区工作科",
    f"{ROOT_UNIT}/区委组织部",
]
DEMO_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
DEMO_GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀霞平刚桂"
CATEGORY_CYCLE = [
    "district_management",
    "section_and_below",
    "civil_servant",
    "professional_technical",
    "village",
]
DEMO_RANKS = ["处级", "科级", "科员", "中级职称", "村两委委员"]


def _ensure_user(username, display_name, roles, password, unit=None) -> User:
    user = find_user(username)
    if user is None:
        user = create_user(username, display_name, roles, unit=unit)
    user.display_name = display_name
    user.set_roles(set(roles) | user.roles)
    user.unit = unit
    user.is_active_account = True
    user.must_change_password = False
    user.set_password(password)
    return user


def seed_demo(
    password: str = "demo1234", with_media: bool = True, today: date | None = None
) -> str:
    """Create or refresh the demo: units, users, cadres, courses, quizzes, the year's plan,
    offline training and a viewing history up to ``today``; returns a summary.

    With ``with_media`` the published courses' lessons get ffmpeg-made clips, processed
    before this returns (about a minute on a small server, once).
    """
    today = today or local_today()
    ensure_default_categories()
    categories = {c.code: c for c in db.session.scalars(select(CadreCategory))}
    units = [ensure_unit_path(path)[0] for path in DEMO_UNITS]
    root = ensure_unit_path(ROOT_UNIT)[0]

    _ensure_user("admin", "系统管理员", [Role.ADMIN], password)
    _ensure_user("supervisor", "组织部 李科长", [Role.SUPERVISOR], password, unit=root)
    _ensure_user("instructor", "党校 陈老师", [Role.INSTRUCTOR], password)

    cadres = {}
    for number in range(1, 21):
        name = DEMO_SURNAMES[number - 1] + DEMO_GIVEN[number - 1]
        unit = units[(number - 1) % len(units)]
        user = cadres[number] = _ensure_user(
            f"cadre{number}", name, [Role.CADRE], password, unit=unit
        )
        cadre = user.cadre or db.session.scalar(
            select(Cadre).where(Cadre.key_matches(f"WY{number:04d}"))
        )
        if cadre is None:
            cadre = Cadre(user=user, personnel_number=f"WY{number:04d}")
            db.session.add(cadre)
        cadre.user = user
        cadre.category = categories[CATEGORY_CYCLE[(number - 1) % len(CATEGORY_CYCLE)]]
        cadre.rank = DEMO_RANKS[(number - 1) % len(DEMO_RANKS)]
        cadre.position = "干部"
        cadre.date_of_birth = date(1965 + number, 1 + number % 12, 1 + number % 28)
        cadre.is_reserve = number % 4 == 0
        cadre.is_key_position = number % 5 == 0
        cadre.last_promoted_on = date(2025, 1 + number % 12, 1) if number % 3 == 0 else None
    courses = seed_demo_courses()
    db.session.flush()
    plan, learning = _seed_learning(root, cadres, courses, today)
    db.session.flush()
    evaluations = seed_evaluations(cadres)
    teachers = seed_teachers(today)
    processed = 0
    if with_media:
        published = [course.title for course in courses if course.is_published]
        processed = seed_demo_media(published)
    unit_count = db.session.scalar(select(func.count(Unit.id)).where(Unit.subtree_clause(root)))
    return (
        f"Demo ready: {unit_count} units under {ROOT_UNIT}, users admin, supervisor, "
        f"instructor and cadre1..cadre20 (password: {password}); "
        f"{sum(c.is_published for c in courses)} published courses and "
        f"{sum(not c.is_published for c in courses)} draft; "
        f"media made and processed for {processed} lessons; "
        f"the {plan.year} plan with {len(plan.quota_rules)} quota rules; {learning} "
        f"{evaluations} new course evaluations; {teachers} new teachers in the library."
    )


def _seed_learning(root: Unit, cadres: dict, courses: list, today: date):
    """Quizzes, the plan of ``today``'s statistics year with its assignments, offline
    records, an exemption, and the cadres' study and quiz attempts up to ``today``.

    In the assessment season (the new year's first two months) the year just closed comes
    first, complete: its plan, a whole year of study, quiz results, offline training and an
    assessment run. A new year's first weeks hold only a few evenings of study: profiles
    that judge the pace (``history.study_targets``) need weeks of it.
    """
    series = catalogue.seed_series()
    tests, exam = catalogue.seed_quizzes(courses)
    year = statsyear.current_year(today)

    def lessons_for(number: int) -> list:
        # The required series first, then the others in an order that differs per cadre.
        rest = series[1:]
        shift = number % len(rest)
        return catalogue.series_lessons([series[0], *rest[shift:], *rest[:shift]])

    def plan_of(value: int):
        # The default rules, the required series and the exam for the whole district, and
        # the required enrolments synced.
        plan = seed_default_plan(value)
        records.ensure_assignments(plan, root, series[0], exam)
        sync_assignments(value)
        quotas = {u: q.online_hours for u, q in quotas_for_cadres(plan).items() if q.online_hours}
        return plan, quotas

    offline = beats = attempts = 0
    closed_note = ""
    if season.in_season(today):
        closed, quotas = plan_of(year - 1)
        window = plan_window(closed)
        seen_from = window[1] + timedelta(days=1)  # the closed year, seen from its cut-off
        offline += records.seed_offline(window, seen_from)
        offline += records.seed_exemption(window, seen_from)
        beats += season.seed_closed_year(cadres, quotas, lessons_for, window)
        attempts += history.seed_attempts(
            cadres, exam, tests[0] if tests else None, seen_from, window
        )
        db.session.flush()
        run = season.ensure_run(closed.year, root, find_user("supervisor"))
        closed_note = (
            f"the closed {closed.year} plan with its year of study and assessment run "
            f"(version {run.version}); "
        )
    plan, quotas = plan_of(year)
    window = plan_window(plan)
    offline += records.seed_offline(window, today) + records.seed_exemption(window, today)
    if statsyear.has_just_begun(year, today):
        beats += season.seed_first_days(cadres, lessons_for, today, window)
    else:
        beats += history.seed_history(
            cadres,
            quotas,
            lambda number: season.unfinished(cadres[number].id, lessons_for(number)),
            today,
            window,
        )
        attempts += history.seed_attempts(cadres, exam, tests[0] if tests else None, today, window)
    return plan, (
        f"{closed_note}"
        f"{len(series)} lecture series, {len(tests)} course tests and the exam {exam.title}; "
        f"new: {offline} offline records or exemptions, {beats} viewing beats, "
        f"{attempts} graded quiz attempts."
    )
