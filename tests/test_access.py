"""Every role against every URL: who may use each endpoint, and supervisors' unit scope."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.accounts.sessions import start_session
from lms.api.services import issue_token
from lms.banks.models import Bank, Option, Question
from lms.demo.courses import seed_demo_courses
from lms.extensions import db
from lms.offline.recording import record_exemptions, record_offline_training
from lms.org.categories import ensure_default_categories
from lms.org.models import CadreCategory
from lms.quizzes.attempts import start_or_resume, submit_attempt
from lms.quizzes.models import DrawRule, Quiz, QuizAttempt, QuizQuestion
from tests.conftest import csrf_token

ROLES = ["admin", "supervisor", "instructor", "cadre"]
ANY = set(ROLES)
STAFF = {"admin", "supervisor"}
ADMIN = {"admin"}
EDITORS = {"admin", "instructor"}
CADRE = {"cadre"}
OFFLINE_VIEWERS = {"admin", "supervisor", "cadre"}
READERS = {"admin", "supervisor", "instructor"}

# Reachable without logging in.
# The API's description is public, as the login it documents is: it names calls, not data.
PUBLIC = {
    "accounts.login",
    "home.health",
    "home.set_language",
    "static",
    "api.create_token",
    "api.openapi",
    # A signed media link authorizes by its token (lms/media/links.py), as nginx does.
    "media_links.signed_file",
}

# Who may use each protected endpoint. A new endpoint must be added here, or the first
# test below fails: nothing ships unclassified.
ACCESS = {
    "accounts.change_password": ANY,
    "accounts.end_other_sessions": ANY,
    "accounts.end_session": ANY,  # 404 for another user's session
    "accounts.logout": ANY,
    "accounts.profile": ANY,
    "accounts.revoke_own_token": ANY,
    "accounts.sessions_page": ANY,
    "admin_users.create": ADMIN,
    "admin_users.deactivate": ADMIN,
    "admin_users.detail": ADMIN,
    "admin_users.duplicates": ADMIN,
    "admin_users.edit": ADMIN,
    "admin_users.index": ADMIN,
    "admin_users.issue_passwords": ADMIN,
    "admin_users.merge": ADMIN,  # 404 when either user does not exist
    "admin_users.one_time_passwords": ADMIN,
    "admin_users.reactivate": ADMIN,
    "admin_users.reset_password": ADMIN,
    "admin_users.revoke_user_token": ADMIN,
    "api.me": ANY,
    "banks.delete": EDITORS,
    "banks.delete_question": EDITORS,
    "banks.detail": EDITORS,
    "banks.edit": EDITORS,
    "banks.edit_question": EDITORS,
    "banks.export": EDITORS,
    "banks.import_cancel": EDITORS,
    "banks.import_confirm": EDITORS,
    "banks.import_file": EDITORS,
    "banks.import_preview": EDITORS,
    "banks.index": EDITORS,
    "banks.move_question_down": EDITORS,
    "banks.move_question_up": EDITORS,
    "banks.new": EDITORS,
    "banks.new_question": EDITORS,
    "banks.regrade_question": EDITORS,
    "banks.restore_question": EDITORS,
    "banks.retire_question": EDITORS,
    "banks.template": EDITORS,
    "evaluation.courses": READERS,
    "evaluation.evaluate": CADRE,  # 409 until the cadre completed the course
    "evaluation.health": READERS,  # instructors: of the course only (404 for others)
    "evaluation.questionnaire": ADMIN,
    "evaluation.results": READERS,
    "evaluation.results_export": READERS,
    "evaluation_api.results": READERS,
    "evaluation_api.submit": CADRE,  # 409 until the cadre completed the course
    "faculty.change_status": ADMIN,
    "faculty.detail": ADMIN,
    "faculty.edit": ADMIN,
    "faculty.index": ADMIN,
    "faculty.new": ADMIN,
    "home.cadre_detail": STAFF,
    "home.home": ANY,
    "courses.activate_category": ADMIN,
    "courses.add_default_categories": ADMIN,
    "courses.add_lesson": EDITORS,
    "courses.categories": ADMIN,
    "courses.cover": ANY,
    "courses.deactivate_category": ADMIN,
    "courses.delete": EDITORS,
    "courses.delete_lesson": EDITORS,
    "courses.detail": ANY,
    "courses.edit": EDITORS,
    "courses.edit_category": ADMIN,
    "courses.enroll": CADRE,
    "courses.menu": ANY,
    "courses.mine": CADRE,
    "courses.move_lesson_down": EDITORS,
    "courses.move_lesson_up": EDITORS,
    "courses.new": EDITORS,
    "courses.new_category": ADMIN,
    "courses.publish": EDITORS,
    "courses.rename_lesson": EDITORS,
    "courses.teaching": EDITORS,
    "courses.unenroll": CADRE,
    "courses.unpublish": EDITORS,
    "courses_api.course": ANY,
    "courses_api.courses": ANY,
    "media.asset_file": ANY,
    "media.caption_file": ANY,
    "media.delete_caption": EDITORS,
    "media.lesson_media": EDITORS,
    "media.lesson_status": EDITORS,
    "media.play": ANY,
    "media.retry_asset": EDITORS,
    "tracking.cadre_learning": STAFF,
    "tracking.cadre_views": STAFF,
    "tracking.lesson_audience": EDITORS,  # instructors of the course (404 for others)
    "tracking.mine": ANY,
    "tracking_api.beat": ANY,
    "tracking_api.my_progress": ANY,
    "tracking_api.open_view": ANY,
    "tracking_api.take_over": ANY,
    "tracking_api.cadre_views": STAFF,
    "media.upload": EDITORS,  # tus HEAD/PATCH/DELETE (POST with X-HTTP-Method-Override)
    "media.uploads": EDITORS,  # tus OPTIONS (open to all) and POST (creation)
    "archive.pdf": ANY,
    "archive.show": ANY,
    "assessment.compare": STAFF,
    "assessment.export": STAFF,
    "assessment.export_non_participation": STAFF,
    "assessment.five_year": STAFF,
    "assessment.non_participation": STAFF,
    "assessment.formula": ANY,
    "assessment.index": STAFF,
    "assessment.result": STAFF,
    "assessment.run": STAFF,
    "monthly.pdf": STAFF,
    "monthly.show": STAFF,
    "notify.index": ANY,
    "notify.outbox": ADMIN,
    "notify.read": ANY,
    "notify.read_all": ANY,
    "notify.retry": ADMIN,
    "plans.assignments": STAFF,
    "plans.copy_previous": ADMIN,
    "plans.delete_assignment": STAFF,  # within the supervisor's subtree (404 outside)
    "plans.delete_rule": ADMIN,
    "plans.edit_rule": ADMIN,
    "plans.edit_settings": ADMIN,
    "plans.index": STAFF,
    "plans.new_assignment": STAFF,
    "plans.new_rule": ADMIN,
    "plans.overview": STAFF,
    "plans.seed_default": ADMIN,
    "org.activate_category": ADMIN,
    "org.categories": ADMIN,
    "org.deactivate_category": ADMIN,
    "org.delete_unit": ADMIN,
    "org.edit_category": ADMIN,
    "org.move_unit": ADMIN,
    "org.new_category": ADMIN,
    "org.new_unit": ADMIN,
    "org.rename_unit": ADMIN,
    "org.unit_detail": STAFF,
    "org.units": STAFF,
    "reports.course": STAFF,
    "reports.courses": STAFF,
    "reports.lesson_audience": STAFF,
    "reports.export": STAFF,
    "reports.overview": STAFF,
    "reports.unit": STAFF,
    "reports.units": STAFF,
    "reports_api.api_units": STAFF,
    "roster.cancel": STAFF,
    "roster.confirm": STAFF,
    "roster.preview": STAFF,
    "roster.template": STAFF,
    "roster.upload": STAFF,
    "classes.add_session": STAFF,
    "classes.answer": ANY,  # the nominee only (404 for others' places)
    "classes.blackouts": STAFF,  # marking one: administrators
    "classes.cancel": ANY,  # one's own place only
    "classes.decide": STAFF,  # cadres of their subtree only
    "classes.delete_blackout": ADMIN,
    "classes.delete_session": STAFF,
    "classes.detail": ANY,  # organizers, manager, members, the audience (404 for others)
    "classes.edit": STAFF,
    "classes.index": ANY,
    "classes.new": STAFF,
    "classes.nominate": STAFF,
    "classes.set_quota": STAFF,
    "classes.sign_up": ANY,  # a cadre in the audience
    "classes_api.my_classes": ANY,
    "offline.approve": STAFF,
    "offline.approve_exemption": STAFF,
    "offline.audit": STAFF,
    "offline.delete": STAFF,
    "offline.delete_exemption": STAFF,
    "offline.detail": OFFLINE_VIEWERS,  # cadres: their own records only (404 for others')
    "offline.edit": STAFF,
    "offline.edit_exemption": STAFF,
    "offline.evidence": OFFLINE_VIEWERS,
    "offline.exemption_detail": OFFLINE_VIEWERS,
    "offline.exemptions": STAFF,
    "offline.index": STAFF,
    "offline.mine": CADRE,
    "offline.new": STAFF,
    "offline.new_exemption": STAFF,
    "offline.reject": STAFF,
    "offline.reject_exemption": STAFF,
    "quizzes.add_draw": EDITORS,
    "quizzes.attempt": ANY,  # the caller's own attempts (404 for others')
    "quizzes.cadre_overview": STAFF,
    "quizzes.cadre_results": STAFF,  # 404 when no cadre of the subtree has anything of it
    "quizzes.cadre_results_export": STAFF,
    "quizzes.delete": EDITORS,
    "quizzes.detail": ANY,
    "quizzes.edit": EDITORS,
    "quizzes.index": ANY,
    "quizzes.items_export": EDITORS,  # 404 for quizzes the instructor does not manage
    "quizzes.new": EDITORS,
    "quizzes.questions": EDITORS,
    "quizzes.remove_draw": EDITORS,
    "quizzes.remove_question": EDITORS,
    "quizzes.results": EDITORS,
    "quizzes.results_export": EDITORS,
    "quizzes.save": ANY,
    "quizzes.start": ANY,
    "quizzes_api.attempt": ANY,
    "quizzes_api.save_answer": ANY,
    "quizzes_api.start_attempt": ANY,
    "quizzes_api.submit": ANY,
}


def test_every_endpoint_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - PUBLIC - set(ACCESS)
    assert not unclassified, f"add these endpoints to ACCESS: {sorted(unclassified)}"
    assert not set(ACCESS) - endpoints, "ACCESS lists endpoints that no longer exist"


@pytest.fixture
def world(app, make_unit, make_user):
    """A district with two bureaus, a user of each role, and objects to point URLs at."""
    ensure_default_categories()
    district = make_unit("District")
    bureau_a = make_unit("District/Bureau A")
    bureau_b = make_unit("District/Bureau B")
    spare = make_unit("District/Spare")
    users = {
        "admin": make_user("the_admin", roles=["admin"]),
        "supervisor": make_user("the_supervisor", roles=["supervisor"], unit=district),
        "instructor": make_user("the_instructor", roles=["instructor"]),
        "cadre": make_user("the_cadre", roles=["cadre"], unit=bureau_a),
        "supervisor_a": make_user("supervisor_a", roles=["supervisor"], unit=bureau_a),
    }
    victim = make_user("victim", roles=["cadre"], unit=bureau_b)
    _raw, token = issue_token(victim)
    victim_login = start_session(victim, remember=True)  # someone else's login
    bank = Bank(title="Access bank", owner=users["instructor"])
    question = Question(bank=bank, kind="true_false", text="Access question")
    question.options = [Option(text="对", is_correct=True, position=0), Option(text="错")]
    db.session.add(question)
    demo_courses = seed_demo_courses()
    quiz = Quiz(title="Access quiz", course_id=demo_courses[0].id, is_published=True)
    quiz.fixed_questions = [QuizQuestion(question=question)]
    quiz.draw_rules = [DrawRule(bank=bank, count=1)]
    db.session.add(quiz)
    db.session.flush()
    attempt, _created = start_or_resume(victim, quiz)  # someone else's attempt
    offline_fields = {"start_date": date(2025, 5, 10), "end_date": date(2025, 5, 11)}
    [offline_record] = record_offline_training(
        users["admin"],
        [victim],
        {**offline_fields, "training_type": "other", "title": "Access class", "days": 1},
    )
    [exemption] = record_exemptions(
        users["admin"], [victim], {**offline_fields, "kind": "leave", "effect": "prorate"}
    )
    db.session.commit()
    return {
        "users": users,
        "units": {"district": district, "a": bureau_a, "b": bureau_b},
        "args": {
            "user_id": victim.id,
            "session_id": victim_login.id,
            "token_id": token.id,
            "cadre_id": victim.cadre.id,
            "unit_id": spare.id,
            "category_id": db.session.scalar(select(CadreCategory.id)),
            "code": "en",
            "ext": "csv",
            "course_id": demo_courses[0].id,
            "lesson_id": demo_courses[0].lessons[0].id,
            "content_category_id": demo_courses[0].content_category_id,
            "asset_id": 999999,
            "caption_id": 999999,
            "filename": "master.m3u8",
            "upload_id": "no-such-upload",
            "bank_id": bank.id,
            "question_id": question.id,
            "view_id": "no-such-view",
            "year": 2026,
            "quota_rule_id": 999999,
            "assignment_id": 999999,
            "notification_id": 999999,
            "run_id": 999999,
            "other_id": 999999,
            "fmt": "csv",
            "table": "units",
            "message_id": 999999,
            "quiz_id": quiz.id,
            "attempt_id": attempt.id,
            "item_id": quiz.fixed_questions[0].id,
            "rule_id": quiz.draw_rules[0].id,
            "record_id": offline_record.id,
            "exemption_id": exemption.id,
            "teacher_id": 999999,
            "class_id": 999999,
            "member_id": 999999,
            "blackout_id": 999999,
            "answer": "confirm",
            "decision": "approve",
        },
        "victim": victim,
    }


def _requests(app, args):
    """(endpoint, method, url) for every protected rule, reads first and deletions last."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC:
                continue
            method = "GET" if "GET" in rule.methods else "POST"
            if rule.methods.isdisjoint({"GET", "POST"}):
                method = sorted(rule.methods - {"OPTIONS"})[0]  # e.g. PUT
            values = {name: args[name] for name in rule.arguments}
            url = app.url_map.bind("localhost").build(rule.endpoint, values)
            found.append((rule.endpoint, method, url))
    # Logging out ends the walk, so it goes last, after deletions.
    return sorted(
        found, key=lambda r: (r[0] == "accounts.logout", r[1] == "POST", "delete" in r[0], r[0])
    )


def _send(client, method, url, token_page="/account"):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": csrf_token(client, token_page)})


def test_anonymous_callers_are_sent_to_login(app, client, world):
    for endpoint, method, url in _requests(app, world["args"]):
        response = _send(client, method, url, token_page="/login")
        if url.startswith("/api/"):
            assert response.status_code == 401, endpoint
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, endpoint
            assert "/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_endpoints(app, client, login, world, role):
    login(world["users"][role])
    for endpoint, method, url in _requests(app, world["args"]):
        response = _send(client, method, url)
        if role in ACCESS[endpoint]:
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
            location = response.headers.get("Location", "")
            assert "/login?next=" not in location, (endpoint, location)
            assert response.status_code < 500, endpoint
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
            if url.startswith("/api/"):
                assert response.get_json()["error"]["code"] == "forbidden"


def test_a_supervisor_sees_nothing_outside_their_subtree(client, login, world):
    login(world["users"]["supervisor_a"])
    units, victim = world["units"], world["victim"]
    # Their own subtree is there.
    assert client.get(f"/org/units/{units['a'].id}").status_code == 200
    assert world["users"]["cadre"].display_name in client.get(
        f"/org/units/{units['a'].id}"
    ).get_data(as_text=True)
    # A sibling bureau, the district above, and a cadre over there: as if they did not exist.
    assert client.get(f"/org/units/{units['b'].id}").status_code == 404
    assert client.get(f"/org/units/{units['district'].id}").status_code == 404
    assert client.get(f"/org/cadres/{victim.cadre.id}").status_code == 404
    tree = client.get("/org/units").get_data(as_text=True)
    assert "Bureau A" in tree
    assert "Bureau B" not in tree and "Spare" not in tree
    # Admin pages stay closed.
    assert client.get(f"/admin/users/{victim.id}").status_code == 403
    # Quiz results of a cadre over there: not listed, and the quiz is not theirs to open.
    submit_attempt(db.session.get(QuizAttempt, world["args"]["attempt_id"]))
    db.session.commit()
    quiz_id = world["args"]["quiz_id"]
    assert client.get(f"/quizzes/{quiz_id}/my-cadres").status_code == 404
    assert client.get(f"/quizzes/{quiz_id}/my-cadres.csv").status_code == 404
    assert "Access quiz" not in client.get("/quizzes/my-cadres").get_data(as_text=True)
