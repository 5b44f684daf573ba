"""The signals and risk level of a viewing session: the rules as pure functions, the server's
own signals through the API with the clock set, and the cadre's views in the API."""

from datetime import datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from config import Config
from lms.extensions import db
from lms.tracking import risk
from lms.tracking.models import LessonView

LIMITS = risk.Thresholds.from_config({name: getattr(Config, name) for name in dir(Config)})
HONEST = {"webdriver": False, "audible": True, "visible": True, "focused": True, "inputs": 12}


def _token(client, user):
    response = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "secret-pass-1"}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _open(client, headers, lesson_id, **body):
    response = client.post(f"/api/v1/lessons/{lesson_id}/views", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["view_id"]


def _beat(client, headers, view_id, seq, segments, **extra):
    body = {"seq": seq, "segments": segments, **extra}
    return client.post(f"/api/v1/views/{view_id}/beats", json=body, headers=headers)


def _view(public_id) -> LessonView:
    db.session.expire_all()
    return db.session.scalar(select(LessonView).where(LessonView.public_id == public_id))


def _codes(view) -> set[str]:
    return {signal["code"] for signal in view.risk_signals}


# --- the rules ------------------------------------------------------------------------------


def test_an_honest_session_is_low():
    evidence = {"player": risk.merge_player_report(None, HONEST)}
    assert risk.assess(evidence, 1800, LIMITS) == risk.Assessment("low", [])


def test_an_automated_muted_session_without_input_is_high_in_plain_words(app):
    report = {**HONEST, "webdriver": True, "audible": False, "inputs": 0}
    assessed = risk.assess({"player": risk.merge_player_report(None, report)}, 1800, LIMITS)
    assert assessed.level == "high"
    assert [s["code"] for s in assessed.signals] == ["automation", "muted", "no_input"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        words = [risk.describe(signal) for signal in assessed.signals]
    assert (
        words[0] == "The browser said it was driven by automation software (navigator.webdriver)."
    )
    assert "30 min" in words[1]


def test_whole_session_signals_wait_for_a_session_long_enough():
    report = {**HONEST, "audible": False, "inputs": 0}
    evidence = {"player": risk.merge_player_report(None, report)}
    assert risk.assess(evidence, LIMITS.session_seconds - 1, LIMITS).signals == []
    assert risk.assess(evidence, LIMITS.session_seconds, LIMITS).level == "medium"


def test_beats_at_machine_intervals_are_regular_and_a_players_are_not():
    machine, person = None, None
    for index in range(LIMITS.regular_beats):
        machine = risk.add_sample(machine, 15.0 + 0.002 * (index % 2))
        person = risk.add_sample(person, 15.0 * (0.7 + 0.3 * ((index * 7) % 10) / 10))
    assert "regular_beats" in {
        s["code"] for s in risk.assess({"beats": machine}, 0, LIMITS).signals
    }
    assert risk.assess({"beats": person}, 0, LIMITS).signals == []


@given(st.lists(st.floats(min_value=0, max_value=3600, allow_nan=False), min_size=2, max_size=40))
def test_running_statistics_match_the_series(values):
    stats = None
    for value in values:
        stats = risk.add_sample(stats, value)
    mean = sum(values) / len(values)
    expected = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
    assert stats["n"] == len(values)
    assert risk.deviation(stats) == pytest.approx(expected, abs=1e-3, rel=1e-4)


SIGNAL_EVIDENCE = st.fixed_dictionaries(
    {},
    optional={
        "player": st.fixed_dictionaries(
            {
                "webdriver": st.booleans(),
                "audible": st.booleans(),
                "visible": st.booleans(),
                "focused": st.booleans(),
                "inputs": st.integers(0, 5),
                "headless": st.just([]),
            }
        ),
        "shared_device": st.just({"accounts": 2, "minutes": 10}),
        "shared_address": st.just({"accounts": 3, "minutes": 10, "address": "10.0.0.1"}),
    },
)


@given(SIGNAL_EVIDENCE, st.sampled_from(["shared_device", "shared_address"]))
def test_one_more_signal_never_lowers_the_level(evidence, extra):
    before = risk.assess(evidence, 600, LIMITS)
    more = {**evidence, extra: {"accounts": 5, "minutes": 10, "address": "10.0.0.2"}}
    after = risk.assess(more, 600, LIMITS)
    assert risk.LEVELS.index(after.level) >= risk.LEVELS.index(before.level)
    assert extra in {s["code"] for s in after.signals}


# --- the server's signals, through the API -----------------------------------------------------


def test_a_script_beating_at_fixed_intervals_without_the_player_is_high(client, cadre, lesson):
    headers = _token(client, cadre)
    with time_machine.travel(datetime(2026, 6, 6, 2, 0), tick=False) as clock:
        view_id = _open(client, headers, lesson.id)
        for seq in range(1, 11):
            clock.shift(15)
            start = 15 * (seq - 1)
            assert _beat(client, headers, view_id, seq, [[start, start + 15]]).status_code == 200
    view = _view(view_id)
    assert view.risk_level == "high"
    assert _codes(view) == {"no_player_report", "regular_beats"}
    regular = next(s for s in view.risk_signals if s["code"] == "regular_beats")
    assert regular["evidence"]["count"] == 9
    assert regular["evidence"]["jitter_seconds"] == 0


def test_the_players_report_is_kept_per_view_and_presence_answers_timed(client, cadre, lesson):
    headers = _token(client, cadre)
    with time_machine.travel(datetime(2026, 6, 6, 2, 0), tick=False) as clock:
        view_id = _open(client, headers, lesson.id, device_id="device-0001")
        for seq in range(1, 5):
            clock.shift(12 + seq)
            report = {**HONEST, "inputs": seq, "presence": [2.0, 2.01] if seq % 2 else []}
            start = 20 * (seq - 1)
            response = _beat(client, headers, view_id, seq, [[start, start + 12]], signals=report)
            assert response.status_code == 200
    view = _view(view_id)
    assert view.device_id == "device-0001"
    assert view.evidence["player"]["inputs"] == 4
    assert view.evidence["player"]["reports"] == 4
    assert view.evidence["presence"]["n"] == 4
    # Four answers, each after 2 s to the hundredth: a userscript's click, not a person's.
    assert _codes(view) == {"regular_presence"}
    assert view.risk_level == "medium"


def test_studying_through_the_night_is_a_signal(app, client, cadre, make_lesson):
    app.config["RISK_NIGHT_HOURS"] = 0.5
    headers = _token(client, cadre)
    lessons = [make_lesson(duration=1200.0) for _ in range(2)]
    # 01:00 in Shanghai: three quarters of an hour over two lectures, beat by beat.
    with time_machine.travel(datetime(2026, 6, 5, 17, 0), tick=False) as clock:
        views = []
        for lesson in lessons:
            view_id = _open(client, headers, lesson.id)
            views.append(view_id)
            for seq in range(1, 81):
                clock.shift(15 + (seq % 3))
                start = 15 * (seq - 1)
                report = {**HONEST, "inputs": seq}
                _beat(client, headers, view_id, seq, [[start, start + 15]], signals=report)
    first, second = _view(views[0]), _view(views[1])
    assert "night" not in _codes(first)  # 20 min: not yet the night's half hour
    night = next(s for s in second.risk_signals if s["code"] == "night")
    assert night["evidence"]["date"] == "2026-06-06"
    assert night["evidence"]["seconds"] >= 1800
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert risk.describe(night).startswith("Studied through the night: ")


def test_the_same_study_by_day_is_no_signal(app, client, cadre, lesson):
    app.config["RISK_NIGHT_HOURS"] = 0.1
    headers = _token(client, cadre)
    with time_machine.travel(datetime(2026, 6, 6, 2, 0), tick=False) as clock:
        view_id = _open(client, headers, lesson.id)
        for seq in range(1, 40):
            clock.shift(15 + (seq % 4))
            _beat(client, headers, view_id, seq, [[15 * seq, 15 * seq + 15]], signals=HONEST)
    assert _codes(_view(view_id)) == set()


def test_several_accounts_on_one_device_within_minutes(app, client, make_user, lesson):
    first, second, third = (make_user(f"cadre_{n}") for n in "xyz")
    with time_machine.travel(datetime(2026, 6, 6, 2, 0), tick=False) as clock:
        mine = _open(client, _token(client, first), lesson.id, device_id="shared-tablet")
        clock.shift(60 * 5)
        theirs = _open(client, _token(client, second), lesson.id, device_id="shared-tablet")
        clock.shift(60 * 11)
        later = _open(client, _token(client, third), lesson.id, device_id="shared-tablet")
    assert _codes(_view(mine)) == set()
    signal = _view(theirs).risk_signals[0]
    assert signal == {"code": "shared_device", "evidence": {"accounts": 2, "minutes": 10}}
    assert _view(theirs).risk_level == "medium"
    assert "shared_device" not in _codes(_view(later))  # the others were 11 minutes before


def test_three_accounts_from_one_address_within_minutes(app, client, make_user, lesson):
    users = [make_user(f"cadre_{n}") for n in range(3)]
    views = [_open(client, _token(client, user), lesson.id) for user in users]
    assert [_codes(_view(v)) for v in views[:2]] == [set(), set()]
    evidence = _view(views[2]).risk_signals[0]["evidence"]
    assert evidence == {"accounts": 3, "minutes": 10, "address": "127.0.0.1"}
    assert _view(views[2]).risk_level == "low"  # one office behind one gateway: weight 1


@pytest.mark.parametrize(
    "signals",
    [
        "muted",
        {"webdriver": "yes"},
        {"inputs": -1},
        {"inputs": True},
        {"headless": ["x" * 41]},
        {"headless": ["a", "b", "c", "d", "e", "f"]},
        {"presence": [1.0] * 21},
        {"presence": [-1]},
        {"presence": ["soon"]},
    ],
)
def test_a_malformed_report_is_400_and_credits_nothing(client, cadre, lesson, signals):
    headers = _token(client, cadre)
    view_id = _open(client, headers, lesson.id)
    response = _beat(client, headers, view_id, 1, [[0, 10]], signals=signals)
    assert response.status_code == 400
    view = _view(view_id)
    assert view.last_seq is None and view.evidence == {}


@pytest.mark.parametrize(
    "body", [{"device_id": "short"}, {"device_id": 7}, [], {"device_id": "a b c d e f g h"}]
)
def test_a_malformed_device_id_is_400_and_opens_nothing(client, cadre, lesson, body):
    headers = _token(client, cadre)
    response = client.post(f"/api/v1/lessons/{lesson.id}/views", headers=headers, json=body)
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count(LessonView.id))) == 0


# --- a cadre's views in the API ----------------------------------------------------------------


@pytest.fixture
def scoped(make_user, make_unit, cadre):
    bureau = cadre.unit
    return {
        "admin": make_user("admin_1", roles=["admin"]),
        "supervisor": make_user("super_1", roles=["supervisor"], unit=bureau),
        "district": make_user("super_2", roles=["supervisor"], unit=make_unit("District")),
        "elsewhere": make_user("super_3", roles=["supervisor"], unit=make_unit("Other")),
        "instructor": make_user("teacher_1", roles=["instructor"]),
        "cadre": make_user("cadre_9", unit=bureau),
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("district", 200),
        ("elsewhere", 404),
        ("instructor", 403),
        ("cadre", 403),
    ],
)
def test_who_may_list_a_cadres_views(client, cadre, lesson, scoped, who, status):
    _open(client, _token(client, cadre), lesson.id)
    cadre_id = cadre.cadre.id
    response = client.get(f"/api/v1/cadres/{cadre_id}/views", headers=_token(client, scoped[who]))
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["total"] == 1


def test_a_cadres_views_of_a_year_with_credit_risk_and_signals(client, cadre, lesson, scoped):
    headers = _token(client, cadre)
    with time_machine.travel(datetime(2026, 6, 6, 2, 0), tick=False) as clock:
        view_id = _open(client, headers, lesson.id)
        for seq in range(1, 11):
            clock.shift(15)
            _beat(client, headers, view_id, seq, [[15 * seq, 15 * seq + 15]])
        clock.shift(timedelta(days=200).total_seconds())  # December: next statistics year
        _open(client, headers, lesson.id)
    supervisor = _token(client, scoped["supervisor"])
    cadre_id = cadre.cadre.id
    body = client.get(
        f"/api/v1/cadres/{cadre_id}/views?year=2026", headers=supervisor, environ_base={}
    ).get_json()
    assert body["year"] == 2026 and body["total"] == 1
    (view,) = body["views"]
    assert view["credited_seconds"] == pytest.approx(150)
    assert view["risk_level"] == "high"
    assert view["lesson"]["id"] == lesson.id
    assert {s["code"] for s in view["signals"]} == {"no_player_report", "regular_beats"}
    assert all(s["text"] and s["evidence"] for s in view["signals"])
    assert "view_id" not in view and view_id not in str(body)  # the beat capability stays secret
    assert (
        client.get(f"/api/v1/cadres/{cadre_id}/views?year=2027", headers=supervisor).get_json()[
            "total"
        ]
        == 1
    )
    assert (
        client.get(f"/api/v1/cadres/{cadre_id}/views?year=1999", headers=supervisor).status_code
        == 400
    )
    assert client.get("/api/v1/cadres/999999/views", headers=supervisor).status_code == 404


def test_the_cadre_page_and_the_sessions_page_show_the_risk(client, login, cadre, lesson, scoped):
    headers = _token(client, cadre)
    with time_machine.travel(datetime(2026, 6, 6, 2, 0), tick=False) as clock:
        for seq in range(1, 11):
            if seq == 1:
                view_id = _open(client, headers, lesson.id)
            clock.shift(15)
            _beat(client, headers, view_id, seq, [[15 * seq, 15 * seq + 15]])
        scoped["supervisor"].preferred_language = "en"
        db.session.commit()
        login(scoped["supervisor"])
        page = client.get(f"/org/cadres/{cadre.cadre.id}").get_data(as_text=True)
        assert "High risk: 1 · medium risk: 0 · low risk: 0." in page
        assert 'data-risk="high"' in page
        assert "without any report from the player" in page
        sessions = client.get(f"/learning/cadres/{cadre.cadre.id}/lessons/{lesson.id}")
        assert 'data-risk="high"' in sessions.get_data(as_text=True)
        assert "machine-like intervals" in sessions.get_data(as_text=True)


def test_a_page_never_visible_nor_in_front_is_unattended_but_one_of_them_is_enough():
    hidden = {**HONEST, "visible": False, "focused": False}
    assessed = risk.assess({"player": risk.merge_player_report(None, hidden)}, 600, LIMITS)
    assert [s["code"] for s in assessed.signals] == ["unattended"]
    assert assessed.level == "low"
    behind = {**HONEST, "visible": True, "focused": False}
    assert (
        risk.assess({"player": risk.merge_player_report(None, behind)}, 600, LIMITS).signals == []
    )


def test_the_players_flags_stay_true_once_seen_and_inputs_take_the_largest_count():
    player = risk.merge_player_report(None, {**HONEST, "audible": True, "inputs": 5})
    player = risk.merge_player_report(player, {**HONEST, "audible": False, "inputs": 3})
    assert player["audible"] is True and player["inputs"] == 5 and player["reports"] == 2
