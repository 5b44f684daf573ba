"""Serving renditions and captions: access rules, byte ranges, X-Accel-Redirect, the player."""

import os
import re

import pytest

from lms.courses.models import Caption, Course, Lesson
from lms.extensions import db
from lms.media.models import MediaAsset

BODY = bytes(range(256)) * 4096  # 1 MiB with a recognisable pattern
MASTER = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=1280x720\n720p/index.m3u8\n"


@pytest.fixture
def published(app, make_user):
    """``published(is_published=True, kind="video")``: a ready lesson with rendition files."""

    def _make(is_published=True, kind="video", teacher=None):
        course = Course(title="Delivery course", is_published=is_published)
        if teacher is not None:
            course.instructors.append(teacher)
        lesson = Lesson(course=course, title="The lecture", kind=kind, position=1, status="ready")
        db.session.add_all([course, lesson])
        db.session.flush()
        asset = MediaAsset(
            lesson_id=lesson.id,
            original_filename="camera.mov",
            source_path="sources/x/source.mov",
            output_dir=f"renditions/{lesson.id}/1",
            status="ready",
            progress=100.0,
            has_video=kind == "video",
        )
        db.session.add(asset)
        db.session.flush()
        lesson.current_asset_id = asset.id
        folder = os.path.join(app.config["MEDIA_ROOT"], asset.output_dir)
        os.makedirs(folder, exist_ok=True)
        names = ["fallback.mp4", "master.m3u8", "poster.jpg", "720p/seg_00001.ts"]
        if kind == "audio":
            names = ["audio.m4a", "waveform.json"]
        for name in names:
            os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
            with open(os.path.join(folder, name), "wb") as fh:
                if name.endswith("json"):
                    fh.write(b'{"peaks": [0.1, 0.5, 1.0], "duration": 3}')
                elif name.endswith("m3u8"):
                    fh.write(MASTER)
                else:
                    fh.write(BODY)
        # Files the pipeline never makes, and a secret beside the media folder.
        with open(os.path.join(folder, "notes.txt"), "w") as fh:
            fh.write("not served")
        with open(os.path.join(app.config["MEDIA_ROOT"], "secret.mp4"), "wb") as fh:
            fh.write(b"TOP-SECRET-CONTENT")
        captions_dir = os.path.join(app.config["MEDIA_ROOT"], "captions", str(lesson.id))
        os.makedirs(captions_dir, exist_ok=True)
        with open(os.path.join(captions_dir, "abc.vtt"), "w") as fh:
            fh.write("WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n")
        caption = Caption(
            lesson_id=lesson.id,
            language="en",
            label="English",
            path=f"captions/{lesson.id}/abc.vtt",
        )
        db.session.add(caption)
        db.session.commit()
        return lesson, asset, caption

    return _make


@pytest.fixture
def cadre(client, make_user, login):
    user = make_user("reader", roles=["cadre"])
    login(user)
    return user


def url(asset, name):
    return f"/media/assets/{asset.id}/{name}"


def test_the_whole_file_with_private_caching(client, cadre, published):
    _lesson, asset, _caption = published()
    response = client.get(url(asset, "fallback.mp4"))
    assert response.status_code == 200
    assert response.data == BODY
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Type"] == "video/mp4"
    assert "private" in response.headers["Cache-Control"]


def test_a_range_at_the_end_of_the_file(client, cadre, published):
    _lesson, asset, _caption = published()
    size = len(BODY)
    response = client.get(url(asset, "fallback.mp4"), headers={"Range": f"bytes={size - 1000}-"})
    assert response.status_code == 206
    assert response.data == BODY[-1000:]
    assert response.headers["Content-Range"] == f"bytes {size - 1000}-{size - 1}/{size}"
    assert response.headers["Content-Length"] == "1000"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "private" in response.headers["Cache-Control"]


def test_a_range_in_the_middle_and_a_suffix_range(client, cadre, published):
    _lesson, asset, _caption = published()
    size = len(BODY)
    middle = client.get(url(asset, "fallback.mp4"), headers={"Range": "bytes=1000-1999"})
    assert middle.status_code == 206
    assert middle.data == BODY[1000:2000]
    assert middle.headers["Content-Range"] == f"bytes 1000-1999/{size}"
    suffix = client.get(url(asset, "fallback.mp4"), headers={"Range": "bytes=-300"})
    assert suffix.status_code == 206
    assert suffix.data == BODY[-300:]
    assert suffix.headers["Content-Range"] == f"bytes {size - 300}-{size - 1}/{size}"
    assert suffix.headers["Content-Length"] == "300"


def test_an_unsatisfiable_range_is_416(client, cadre, published):
    _lesson, asset, _caption = published()
    size = len(BODY)
    response = client.get(url(asset, "fallback.mp4"), headers={"Range": f"bytes={size + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_a_cadre_gets_a_published_course_but_not_a_draft(client, cadre, published):
    _lesson, asset, caption = published(is_published=True)
    _draft_lesson, draft_asset, draft_caption = published(is_published=False)
    assert client.get(url(asset, "master.m3u8")).status_code == 200
    assert client.get(url(asset, "720p/seg_00001.ts")).status_code == 200
    assert client.get(f"/media/captions/{caption.id}.vtt").status_code == 200
    assert client.get(url(draft_asset, "master.m3u8")).status_code == 404
    assert client.get(url(draft_asset, "fallback.mp4")).status_code == 404
    assert client.get(f"/media/captions/{draft_caption.id}.vtt").status_code == 404


def test_a_drafts_instructor_and_an_admin_get_it(client, make_user, login, published):
    teacher = make_user("teacher", roles=["instructor"])
    _lesson, asset, caption = published(is_published=False, teacher=teacher)
    login(teacher)
    assert client.get(url(asset, "fallback.mp4")).status_code == 200
    assert client.get(f"/media/captions/{caption.id}.vtt").data.startswith(b"WEBVTT")
    client.post("/logout", data={"csrf_token": _token(client)})
    login(make_user("other_teacher", roles=["instructor"]))
    assert client.get(url(asset, "fallback.mp4")).status_code == 404
    client.post("/logout", data={"csrf_token": _token(client)})
    login(make_user("boss", roles=["admin"]))
    assert client.get(url(asset, "fallback.mp4")).status_code == 200


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")


def test_anonymous_callers_are_sent_to_login(client, published):
    _lesson, asset, _caption = published()
    response = client.get(url(asset, "fallback.mp4"))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fsecret.mp4",
        "../../secret.mp4",
        "%2E%2E/%2E%2E/secret.mp4",
        "..%5C..%5Csecret.mp4",
        "notes.txt",
        "720p",
        "missing.mp4",
        "%2Fetc%2Fpasswd",
    ],
)
def test_nothing_outside_the_renditions_is_served(client, cadre, published, name):
    _lesson, asset, _caption = published()
    # Werkzeug answers "//" with a redirect to the merged path, which is then 404 too.
    response = client.get(f"/media/assets/{asset.id}/{name}", follow_redirects=True)
    assert response.status_code == 404
    assert b"TOP-SECRET" not in response.data


def test_an_earlier_upload_is_not_served_to_learners(app, client, cadre, published):
    lesson, asset, _caption = published()
    newer = MediaAsset(
        lesson_id=lesson.id,
        original_filename="retake.mov",
        source_path="sources/y/source.mov",
        output_dir=asset.output_dir,
        status="processing",
    )
    db.session.add(newer)
    db.session.commit()
    assert client.get(url(newer, "fallback.mp4")).status_code == 404


def test_x_accel_redirect_mode(app, client, cadre, published):
    app.config["MEDIA_ACCEL"] = "nginx"
    _lesson, asset, caption = published()
    response = client.get(url(asset, "720p/seg_00001.ts"), headers={"Range": "bytes=0-99"})
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == (
        f"/protected-media/{asset.output_dir}/720p/seg_00001.ts"
    )
    assert response.data == b""
    assert "private" in response.headers["Cache-Control"]
    app.config["MEDIA_ACCEL_PREFIX"] = "/internal/media"
    vtt = client.get(f"/media/captions/{caption.id}.vtt")
    assert vtt.headers["X-Accel-Redirect"] == f"/internal/media/{caption.path}"
    assert vtt.data == b""
    # Authorization still applies: a draft's files get no redirect.
    _draft, draft_asset, _ = published(is_published=False)
    denied = client.get(url(draft_asset, "fallback.mp4"))
    assert denied.status_code == 404
    assert "X-Accel-Redirect" not in denied.headers


def test_the_video_player_uses_hls_with_the_mp4_and_captions(client, cadre, published):
    lesson, asset, caption = published()
    response = client.get(f"/media/play/{lesson.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "vendor/hls.js/hls.min.js" in html
    assert "js/player.js" in html
    assert f'data-hls="/media/assets/{asset.id}/master.m3u8"' in html
    assert f'<source src="/media/assets/{asset.id}/fallback.mp4" type="video/mp4">' in html
    assert f'poster="/media/assets/{asset.id}/poster.jpg"' in html
    assert re.search(
        rf'<track kind="subtitles" src="/media/captions/{caption.id}.vtt" srclang="en" '
        r'label="English">',
        html,
    )
    assert "<script>" not in html  # no inline scripts: URLs travel in data- attributes
    # The files the page points at are really served.
    assert client.get(f"/media/assets/{asset.id}/master.m3u8").status_code == 200
    assert client.get("/static/vendor/hls.js/hls.min.js").status_code == 200


def test_the_audio_player_has_a_waveform(client, cadre, published):
    lesson, asset, _caption = published(kind="audio")
    html = client.get(f"/media/play/{lesson.id}").get_data(as_text=True)
    assert f'src="/media/assets/{asset.id}/audio.m4a"' in html
    assert f'data-waveform="/media/assets/{asset.id}/waveform.json"' in html
    assert "Waveform of the recording" in html  # the text alternative
    assert "hls.min.js" not in html
    assert client.get(f"/media/assets/{asset.id}/waveform.json").get_json()["peaks"] == [
        0.1,
        0.5,
        1.0,
    ]


def test_a_lesson_still_processing_says_so(client, cadre, published):
    lesson, _asset, _caption = published()
    lesson.current_asset_id = None
    lesson.status = "processing"
    db.session.commit()
    response = client.get(f"/media/play/{lesson.id}")
    assert response.status_code == 200
    assert "still being processed" in response.get_data(as_text=True)
    assert "<video" not in response.get_data(as_text=True)


def test_a_drafts_player_is_404_for_cadres(client, cadre, published):
    lesson, _asset, _caption = published(is_published=False)
    assert client.get(f"/media/play/{lesson.id}").status_code == 404
    assert client.get("/media/play/999999").status_code == 404
