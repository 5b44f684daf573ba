"""Issue 19: duplicate cadre records found and merged with their whole history, through the
admin's pages and the ``cadres`` command, on SQLite and PostgreSQL."""

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from lms.accounts.models import User
from lms.api.services import issue_token
from lms.courses.models import Course, Enrollment, Lesson
from lms.extensions import db
from lms.home.cadre_merge import figures, find_duplicates, user_references
from lms.notify.models import Notification
from lms.offline.models import AuditEntry, OfflineTraining
from lms.offline.recording import record_exemptions, record_offline_training
from lms.quizzes.models import Quiz, QuizAttempt, QuizResult
from lms.tracking.models import DailyCredit, LessonProgress, LessonView
from tests.conftest import csrf_token

BORN = date(1975, 6, 1)


def _credit(user, day, seconds):
    db.session.add(DailyCredit(user_id=user.id, local_date=day, seconds=seconds))


def _attempt(user, quiz, number, percent, at):
    db.session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            user_id=user.id,
            number=number,
            status="graded",
            started_at=at,
            submitted_at=at,
            percent=percent,
            max_score=10.0,
        )
    )


def _result(user, quiz, year, percent, count):
    db.session.add(
        QuizResult(
            user_id=user.id,
            quiz_id=quiz.id,
            year=year,
            percent=percent,
            is_passed=percent >= 60,
            attempt_count=count,
        )
    )


@pytest.fixture
def pair(app, make_unit, make_user):
    """王五 twice: WY0003 in 区教育局 and a legacy WY0003-X in 区财政局, each with history."""
    education, finance = make_unit("区/区教育局"), make_unit("区/区财政局")
    admin = make_user("root", roles=["admin"])
    keep = make_user("wy0003", unit=education, display_name="王五")
    other = make_user("wy0003x", unit=finance, display_name="王五", email="w@example.org")
    keep.cadre.personnel_number, keep.cadre.date_of_birth = "WY0003", BORN
    other.cadre.personnel_number, other.cadre.date_of_birth = "WY0003-X", BORN
    other.cadre.rank = "科员"
    course = Course(title="理论", is_published=True)
    other_course = Course(title="党史", is_published=True)
    lesson = Lesson(course=course, title="第一讲", duration_seconds=1000.0, status="ready")
    db.session.add_all([course, other_course, lesson])
    quiz = Quiz(title="考试", counting_rule="average", pass_percent=60.0)
    quiz2 = Quiz(title="测验", counting_rule="highest", pass_percent=60.0)
    db.session.add_all([quiz, quiz2])
    db.session.flush()
    # The ledger: 1 March on both (summed into one row), other days on one each.
    _credit(keep, date(2026, 3, 1), 3600.0)
    _credit(keep, date(2026, 3, 2), 1800.0)
    _credit(other, date(2026, 3, 1), 1200.0)
    _credit(other, date(2026, 4, 1), 600.0)
    # One lesson both studied, overlapping: [0, 400] and [300, 700].
    db.session.add_all(
        [
            LessonProgress(
                user_id=keep.id, lesson_id=lesson.id, coverage=[[0, 400]], credited_seconds=400
            ),
            LessonProgress(
                user_id=other.id, lesson_id=lesson.id, coverage=[[300, 700]], credited_seconds=400
            ),
            LessonView(public_id="v-keep", user_id=keep.id, lesson_id=lesson.id, played=[]),
            LessonView(public_id="v-other", user_id=other.id, lesson_id=lesson.id, played=[]),
            LessonView(public_id="v-other2", user_id=other.id, lesson_id=lesson.id, played=[]),
        ]
    )
    # The same exam in 2026 by both (its result is recomputed), a test only the other took.
    _attempt(keep, quiz, 1, 80.0, datetime(2026, 5, 1, 2))
    _result(keep, quiz, 2026, 80.0, 1)
    _attempt(other, quiz, 1, 40.0, datetime(2026, 4, 1, 2))
    _attempt(other, quiz, 2, 60.0, datetime(2026, 6, 1, 2))
    _result(other, quiz, 2026, 50.0, 2)
    _attempt(other, quiz2, 1, 90.0, datetime(2026, 6, 2, 2))
    _result(other, quiz2, 2026, 90.0, 1)
    db.session.add_all(
        [
            Enrollment(user_id=keep.id, course_id=course.id, is_required=False),
            Enrollment(user_id=other.id, course_id=course.id, is_required=True),
            Enrollment(user_id=other.id, course_id=other_course.id),
            Notification(user_id=other.id, kind="reminder", params={}),
        ]
    )
    fields = {"start_date": date(2026, 5, 10), "end_date": date(2026, 5, 11)}
    record_offline_training(
        admin, [other], {**fields, "training_type": "other", "title": "班", "days": 2}
    )
    record_offline_training(
        admin, [keep], {**fields, "training_type": "other", "title": "班", "hours": 5}
    )
    record_exemptions(admin, [other], {**fields, "kind": "leave", "effect": "prorate"})
    raw_token, _token = issue_token(other)
    db.session.commit()
    return {
        "admin": admin,
        "keep": keep,
        "other": other,
        "keep_id": keep.id,
        "other_id": other.id,
        "lesson": lesson,
        "quiz": quiz,
        "quiz2": quiz2,
        "token": raw_token,
        "courses": (course, other_course),
    }


def _sum(before_keep: dict, before_other: dict) -> dict:
    return {key: before_keep[key] + before_other[key] for key in before_keep}


def _check_merged(pair, before_keep, before_other):
    db.session.expire_all()
    keep_id, other_id = pair["keep_id"], pair["other_id"]
    after = figures(keep_id)
    total = _sum(before_keep, before_other)
    # Every second and every attempt is kept.
    for key in (
        "credited_hours",
        "lesson_views",
        "quiz_attempts",
        "result_attempts",
        "offline_records",
        "offline_hours",
        "exemptions",
        "notifications",
    ):
        assert after[key] == pytest.approx(total[key]), key
    assert after["credited_hours"] == pytest.approx((3600 + 1800 + 1200 + 600) / 3600)
    # The dashboards' totals follow the merged ledger: none is left for the other account.
    from lms.tracking.models import CreditTotal
    from lms.tracking.totals import check

    assert check(db.session.connection()) == []
    assert not db.session.scalars(select(CreditTotal).where(CreditTotal.user_id == other_id)).all()
    kept_seconds = db.session.scalars(
        select(CreditTotal.seconds).where(CreditTotal.user_id == keep_id)
    ).all()
    assert sum(kept_seconds) == pytest.approx(3600 + 1800 + 1200 + 600)
    ledger = dict(
        db.session.execute(
            select(DailyCredit.local_date, DailyCredit.seconds).where(
                DailyCredit.user_id == keep_id
            )
        ).all()
    )
    assert ledger == {
        date(2026, 3, 1): 4800.0,
        date(2026, 3, 2): 1800.0,
        date(2026, 4, 1): 600.0,
    }
    [progress] = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == keep_id))
    assert [list(p) for p in progress.coverage] == [[0, 700]]
    assert progress.credited_seconds == 800.0
    # Results: the shared exam recomputed over all three attempts (average 60, passed),
    # the other's test moved as it was.
    results = {
        r.quiz_id: (r.percent, r.is_passed, r.attempt_count)
        for r in db.session.scalars(select(QuizResult).where(QuizResult.user_id == keep_id))
    }
    assert results == {pair["quiz"].id: (60.0, True, 3), pair["quiz2"].id: (90.0, True, 1)}
    numbers = db.session.execute(
        select(QuizAttempt.number, QuizAttempt.percent)
        .where(QuizAttempt.user_id == keep_id, QuizAttempt.quiz_id == pair["quiz"].id)
        .order_by(QuizAttempt.number)
    ).all()
    assert [tuple(n) for n in numbers] == [(1, 40.0), (2, 80.0), (3, 60.0)]  # by start time
    enrolments = {
        e.course_id: e.is_required
        for e in db.session.scalars(select(Enrollment).where(Enrollment.user_id == keep_id))
    }
    course, other_course = pair["courses"]
    assert enrolments == {course.id: True, other_course.id: False}
    # The other account is gone, and nothing refers to it.
    assert db.session.get(User, other_id) is None
    for table, column, _unique in user_references():
        assert not db.session.execute(select(table).where(column == other_id)).first()
    assert db.session.scalar(select(func.count()).where(OfflineTraining.user_id == other_id)) == 0
    keep = db.session.get(User, keep_id)
    assert (keep.cadre.personnel_number, keep.unit.name_path) == ("WY0003", "区/区教育局")
    assert (keep.cadre.rank, keep.email) == ("科员", "w@example.org")  # empty fields filled
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "merge"))
    assert (entry.entity_type, entry.subject_user_id) == ("cadre", keep_id)
    assert entry.before["merged"]["personnel_number"] == "WY0003-X"
    assert entry.before["merged"]["figures"] == before_other
    assert entry.before["kept"]["figures"] == before_keep
    assert entry.after["figures"] == after
    return entry


def test_admin_reviews_and_merges_through_the_pages(client, login, post, pair):
    before_keep, before_other = figures(pair["keep_id"]), figures(pair["other_id"])
    login(pair["admin"])
    html = client.get("/admin/users/duplicates").get_data(as_text=True)
    assert "Same name and date of birth" in html
    assert "WY0003-X" in html and "区/区财政局" in html
    url = f"/admin/users/{pair['keep_id']}/merge/{pair['other_id']}"
    assert url in html
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This cannot be undone" in text and "Credited hours" in text
    assert "<td>1.5</td><td>0.5</td>" in text  # both records' hours, before anything changes
    assert db.session.get(User, pair["other_id"]) is not None  # the review changed nothing
    response = post(url, token_page=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{pair['keep_id']}")
    entry = _check_merged(pair, before_keep, before_other)
    assert entry.actor_id == pair["admin"].id
    # The other account's API token is dead.
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['token']}"})
    assert answer.status_code == 401
    # The audit list shows the merge.
    assert "Merged" in client.get("/offline/audit").get_data(as_text=True)
    html = client.get("/admin/users/duplicates").get_data(as_text=True)
    assert "No likely duplicates" in html


def test_the_command_lists_and_merges(app, pair):
    before_keep, before_other = figures(pair["keep_id"]), figures(pair["other_id"])
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["cadres", "duplicates"])
    assert listed.exit_code == 0, listed.output
    assert "same name and date of birth" in listed.output
    assert f"{pair['keep_id']}\twy0003\t王五\tWY0003\t区/区教育局\t1975-06-01" in listed.output
    refused = runner.invoke(
        args=["cadres", "merge", str(pair["keep_id"]), str(pair["other_id"])], input="n\n"
    )
    assert refused.exit_code == 1 and db.session.get(User, pair["other_id"]) is not None
    merged = runner.invoke(
        args=["cadres", "merge", str(pair["keep_id"]), str(pair["other_id"]), "--yes"]
    )
    assert merged.exit_code == 0, merged.output
    assert "Merged: user" in merged.output
    entry = _check_merged(pair, before_keep, before_other)
    assert entry.actor_id is None
    assert runner.invoke(args=["cadres", "duplicates"]).output.strip() == "No likely duplicates."


def test_staff_accounts_and_odd_pairs_are_not_merged(app, client, login, post, pair, make_user):
    login(pair["admin"])
    keep_id = pair["keep_id"]
    html = client.get(f"/admin/users/{keep_id}/merge/{pair['admin'].id}").get_data(as_text=True)
    assert "Only two cadre records can be merged." in html
    assert client.get(f"/admin/users/{keep_id}/merge/{keep_id}").status_code == 200
    assert client.get(f"/admin/users/{keep_id}/merge/999999").status_code == 404
    sup = make_user("sup_cadre", roles=["supervisor", "cadre"], unit=pair["keep"].unit)
    url = f"/admin/users/{keep_id}/merge/{sup.id}"
    assert "has roles besides cadre" in client.get(url).get_data(as_text=True)
    post(url, token_page=url)
    assert db.session.get(User, sup.id) is not None
    result = app.test_cli_runner().invoke(
        args=["cadres", "merge", str(keep_id), str(sup.id), "--yes"]
    )
    assert result.exit_code == 1 and "has roles besides cadre" in result.output


def test_supervisors_cannot_see_or_merge(client, login, post, pair, make_user):
    sup = make_user("sup", roles=["supervisor"], unit=pair["keep"].unit.parent)
    login(sup)
    url = f"/admin/users/{pair['keep_id']}/merge/{pair['other_id']}"
    assert client.get("/admin/users/duplicates").status_code == 403
    assert client.get(url).status_code == 403
    assert post(url, token_page="/account").status_code == 403
    assert db.session.get(User, pair["other_id"]) is not None


def test_duplicates_page_pages_and_its_empty_state(app, client, login, make_user, make_unit):
    admin = make_user("root", roles=["admin"])
    login(admin)
    assert "No likely duplicates" in client.get("/admin/users/duplicates").get_data(as_text=True)
    unit = make_unit("区")
    for n in range(3):
        for copy in range(2):
            user = make_user(f"p{n}c{copy}", unit=unit, display_name=f"同名{n}")
            user.cadre.date_of_birth = date(1980, 1, 1 + n)
    # Excel dropped the zeros of one number: 0042 and 42 are listed too.
    make_user("z1", unit=unit).cadre.personnel_number = "0042"
    make_user("z2", unit=unit).cadre.personnel_number = "42"
    db.session.commit()
    assert len(find_duplicates()) == 4
    app.config["PAGE_SIZE"] = 3
    first = client.get("/admin/users/duplicates").get_data(as_text=True)
    assert "4 groups" in first and "Page 1 of 2" in first
    assert "differ only by leading zeros" in first  # the stronger reason comes first
    second = client.get("/admin/users/duplicates?page=2").get_data(as_text=True)
    assert "同名2" in second and "同名0" not in second


def test_every_per_user_table_has_a_merge_rule(app):
    """A table added with one row per user needs a rule in lms.home.cadre_merge."""
    assert [t.name for t, _c, unique in user_references() if unique] == []


def test_two_merges_of_one_pair_at_once_merge_once(app, client, login, pair):
    """PostgreSQL: an administrator's double click, or two administrators, on one merge."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the merges cannot overlap")
    before_keep, before_other = figures(pair["keep_id"]), figures(pair["other_id"])
    login(pair["admin"])
    url = f"/admin/users/{pair['keep_id']}/merge/{pair['other_id']}"
    token = csrf_token(client, url)
    cookie = client.get_cookie("session").value
    # Both reach the lock of the two accounts before either takes it.
    barrier = threading.Barrier(2, timeout=10)

    def wait_for_the_other(_conn, _cursor, statement, *_args):
        if "FOR UPDATE" in statement and 'FROM "user"' in statement:
            barrier.wait()

    def merge(results):
        other = app.test_client()
        other.set_cookie("session", cookie)
        with app.app_context():
            response = other.post(url, data={"csrf_token": token})
            location = response.headers.get("Location", "")
            results.append((location, other.get(location).get_data(as_text=True)))

    results = []
    event.listen(db.engine, "before_cursor_execute", wait_for_the_other)
    try:
        threads = [threading.Thread(target=merge, args=(results,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", wait_for_the_other)
    merged, refused = sorted(results, key=lambda r: r[0] == "/admin/users/duplicates")
    assert merged[0] == f"/admin/users/{pair['keep_id']}" and "are one now" in merged[1]
    assert refused[0] == "/admin/users/duplicates" and "no longer exists" in refused[1]
    _check_merged(pair, before_keep, before_other)
