"""Signed, expiring media links: the signature (any tamper refused), the master playlist that
hands them out only to those who may see the lesson, and the app's own /m/... serving them."""

import base64
import hashlib
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.links import derive_secret, sign, verify
from lms.media.processing_job import process_asset

SECRET = derive_secret("test-secret-key-that-is-long-enough-0123456789")
NOW = 1_800_000_000


# -- the signature ----------------------------------------------------------------------------


def test_the_token_is_nginx_secure_link_md5():
    """base64url(md5("<expires>:<dir>:<uid> <secret>")) without padding, as nginx computes."""
    raw = hashlib.md5(f"{NOW}:media/7/360p:42 {SECRET}".encode()).digest()
    assert sign(NOW, "media/7/360p", 42, SECRET) == base64.urlsafe_b64encode(raw).decode()[:22]
    assert len(sign(NOW, "media/7/360p", 42, SECRET)) == 22
    assert derive_secret("a") != derive_secret("b") and len(SECRET) == 64


def test_valid_expired_and_forged():
    token = sign(NOW, "media/7/360p", 42, SECRET)
    assert verify(token, NOW, "media/7/360p", 42, SECRET, now=NOW - 1).result == "ok"
    assert verify(token, NOW, "media/7/360p", 42, SECRET, now=NOW + 1).status == 410
    assert verify(token, NOW, "media/7/360p", 42, "other", now=NOW - 1).status == 403
    # Past its time a forged token is still "bad", not "expired" (nginx checks the hash first).
    assert verify("A" * 22, NOW, "media/7/360p", 42, SECRET, now=NOW + 1).status == 403
    for directory in ("media/7/../8", "media/./7", "/media/7", "", "media//7"):
        forged = sign(NOW, directory, 42, SECRET)
        assert verify(forged, NOW, directory, 42, SECRET, now=NOW - 1).result == "bad"


DIRECTORY = st.from_regex(r"\A[a-z0-9]{1,6}(/[a-z0-9]{1,6}){0,3}\Z")
USER = st.integers(min_value=1, max_value=10**9)
EXPIRES = st.integers(min_value=NOW, max_value=NOW + 10**6)


@settings(max_examples=300, deadline=None)
@given(
    directory=DIRECTORY,
    user_id=USER,
    expires=EXPIRES,
    other_directory=DIRECTORY,
    other_user=USER,
    other_expires=EXPIRES,
    flip=st.integers(min_value=0, max_value=21),
)
def test_any_tamper_is_refused(
    directory, user_id, expires, other_directory, other_user, other_expires, flip
):
    token = sign(expires, directory, user_id, SECRET)
    assert verify(token, expires, directory, user_id, SECRET, now=NOW).result == "ok"
    if other_directory != directory:
        assert verify(token, expires, other_directory, user_id, SECRET, now=NOW).result == "bad"
    if other_user != user_id:
        assert verify(token, expires, directory, other_user, SECRET, now=NOW).result == "bad"
    if other_expires != expires:
        assert verify(token, other_expires, directory, user_id, SECRET, now=NOW).result == "bad"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    changed = alphabet[(alphabet.index(token[flip]) + 1) % 64]
    tampered = token[:flip] + changed + token[flip + 1 :]
    # The last character carries 2 bits of the digest and 4 of padding: changing it may
    # keep the bytes; the check compares the canonical text, so any change is refused.
    assert verify(tampered, expires, directory, user_id, SECRET, now=NOW).result == "bad"


# -- through the app --------------------------------------------------------------------------


@pytest.fixture
def ready_lesson(app, make_clip):
    """``ready_lesson(published=True)``: a lesson whose 3-second clip was really processed."""

    def _make(published=True):
        course = Course(title="Signed course", is_published=published)
        lesson = Lesson(course=course, title="Lecture", kind="video", position=1)
        db.session.add_all([course, lesson])
        db.session.commit()
        clip = make_clip(3, "320x240")
        asset = create_asset(lesson, clip, clip.name, None)
        db.session.commit()
        assert process_asset(asset.id) == "ready"
        db.session.commit()
        return db.session.get(Lesson, lesson.id)

    return _make


LINK_RE = re.compile(r"^/m/([A-Za-z0-9_-]{22})/(\d+)/(\d+)/(.+)/([^/]+)$", re.M)


def master_links(client, lesson) -> list[str]:
    response = client.get(f"/media/assets/{lesson.current_asset_id}/master.m3u8")
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data(as_text=True)
    links = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert links and all(LINK_RE.match(link) for link in links), text
    return links


def segments_of(client, link) -> list[str]:
    """The variant playlist's segment URLs (relative: under the same signed directory)."""
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    names = [x for x in response.get_data(as_text=True).splitlines() if x and x[0] != "#"]
    assert names and all("/" not in name for name in names)
    return [link.rsplit("/", 1)[0] + "/" + name for name in names]


def test_a_cadre_plays_through_signed_links(client, make_user, login, ready_lesson):
    lesson = ready_lesson()
    cadre = make_user("reader", roles=["cadre"])
    login(cadre)
    links = master_links(client, lesson)
    asset_dir = lesson.current_asset.output_dir
    for link in links:
        _token, expires, user_id, directory, name = LINK_RE.match(link).groups()
        assert int(user_id) == cadre.id and name == "index.m3u8"
        assert directory.startswith(asset_dir + "/")
        assert 1790 <= int(expires) - time.time() <= 1860  # LMS_MEDIA_LINK_SECONDS, to the minute
        for segment in segments_of(client, link):
            response = client.get(segment)
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "video/mp2t"
            assert response.headers["Cache-Control"] == "public, max-age=86400"
            assert "Expires" not in response.headers and "Set-Cookie" not in response.headers
            assert len(response.data) > 1000
    # No cookie is needed: the link is the capability (an edge cache may answer it).
    client.post("/logout", data={"csrf_token": _csrf(client)})
    anonymous = client.application.test_client()
    assert anonymous.get(segments_of(client, links[0])[0]).status_code == 200


def _csrf(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")


def test_the_master_only_to_those_who_may_see(client, make_user, login, ready_lesson):
    draft = ready_lesson(published=False)
    url = f"/media/assets/{draft.current_asset_id}/master.m3u8"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    login(make_user("reader", roles=["cadre"]))
    assert client.get(url).status_code == 404
    client.post("/logout", data={"csrf_token": _csrf(client)})
    teacher = make_user("teacher", roles=["instructor"])
    draft.course.instructors.append(teacher)
    db.session.commit()
    login(teacher)
    assert master_links(client, draft)


def _parts(link):
    token, expires, user_id, directory, name = LINK_RE.match(link).groups()
    return token, int(expires), int(user_id), directory, name


def _link(token, expires, user_id, directory, name):
    return f"/m/{token}/{expires}/{user_id}/{directory}/{name}"


def test_tampered_expired_and_other_users_links_are_refused(
    app, client, make_user, login, ready_lesson
):
    lesson = ready_lesson()
    other = ready_lesson()
    reader = make_user("reader", roles=["cadre"])
    someone = make_user("someone", roles=["cadre"])
    login(reader)
    link = master_links(client, lesson)[0]
    token, expires, user_id, directory, name = _parts(link)
    segment = segments_of(client, link)[0].rsplit("/", 1)[1]
    assert client.get(_link(token, expires, user_id, directory, segment)).status_code == 200
    other_dir = directory.replace(f"/{lesson.current_asset_id}/", f"/{other.current_asset_id}/")
    refused = [
        _link(token, expires, someone.id, directory, segment),  # another user's id
        _link(token, expires + 3600, user_id, directory, segment),  # a longer life
        _link(token, expires, user_id, other_dir, segment),  # another lecture
        _link(token, expires, user_id, directory.rsplit("/", 1)[0], "master.m3u8"),  # parent
        _link(("y" if token[0] == "x" else "x") + token[1:], expires, user_id, directory, segment),
        _link(token[:-1], expires, user_id, directory, segment),
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.data == b""
    # Someone else's link does not become theirs by logging in as them either.
    assert client.get(_link(token, expires, someone.id, directory, name)).status_code == 403
    # Only playlists and segments: the poster and the MP4 stay behind the app's check.
    assert client.get(_link(token, expires, user_id, directory, "poster.jpg")).status_code == 404
    # Past its time: 410 Gone (the player fetches the master again for fresh links).
    app.config["MEDIA_LINK_SECONDS"] = 1
    short = master_links(client, lesson)[0]
    assert client.get(short).status_code == 200
    time.sleep(2.1)
    expired = client.get(short)
    assert expired.status_code == 410
    assert expired.headers["Cache-Control"] == "no-store"


def test_revocation_takes_effect_with_the_next_master(client, make_user, login, ready_lesson):
    """Unpublish, a deactivated user: no new links; links already given run out in time."""
    lesson = ready_lesson()
    reader = make_user("reader", roles=["cadre"])
    login(reader)
    link = master_links(client, lesson)[0]
    lesson.course.is_published = False
    db.session.commit()
    assert client.get(f"/media/assets/{lesson.current_asset_id}/master.m3u8").status_code == 404
    assert client.get(link).status_code == 200  # until it expires (LMS_MEDIA_LINK_SECONDS)
    lesson.course.is_published = True
    db.session.commit()
    assert master_links(client, lesson)
    from lms.accounts.services import deactivate_user

    deactivate_user(db.session.merge(reader))
    db.session.commit()
    assert client.get(f"/media/assets/{lesson.current_asset_id}/master.m3u8").status_code == 302


def test_the_link_secret_setting_and_command(app, client, make_user, login, ready_lesson):
    lesson = ready_lesson()
    login(make_user("reader", roles=["cadre"]))
    link = master_links(client, lesson)[0]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["media", "link-secret"])
    assert result.exit_code == 0
    assert result.output.strip() == derive_secret(app.config["SECRET_KEY"])
    app.config["MEDIA_LINK_SECRET"] = "an-operator-chosen-secret-0123456789"
    assert client.get(link).status_code == 403  # signed with the old secret
    fresh = master_links(client, lesson)[0]
    assert client.get(fresh).status_code == 200
    token, expires, user_id, directory, _name = _parts(fresh)
    assert token == sign(expires, directory, user_id, "an-operator-chosen-secret-0123456789")
