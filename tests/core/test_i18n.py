"""Languages: every message has a Chinese translation; the right language is chosen."""

from datetime import datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# Babel resolves zh_CN to zh_Hans_CN, and looks for the catalogue under that name.
FOLDERS = {"zh_CN": "zh_Hans_CN", "en": "en"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    method_map = [("lms/**.py", "python"), ("templates/**.html", "jinja2"), ("config.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        if isinstance(message, tuple):
            found.add(message[0])  # a plural entry is filed under its singular msgid
        elif message:
            found.add(message)
    return found


def _catalog(locale: str):
    with (ROOT / "lms" / "translations" / FOLDERS[locale] / "LC_MESSAGES" / "messages.po").open(
        "rb"
    ) as f:
        return read_po(f, locale=locale)


def test_every_message_has_a_chinese_translation():
    catalog = _catalog("zh_CN")
    missing = []
    for msgid in sorted(_source_messages()):
        entry = catalog.get(msgid)
        text = entry.string if entry else None
        if isinstance(text, tuple):
            text = text[0]
        if not text or (entry and entry.fuzzy):
            missing.append(msgid)
    assert not missing, f"{len(missing)} messages lack a zh_CN translation, e.g. {missing[:10]}"


def test_translations_keep_their_placeholders():
    for locale in ("zh_CN", "en"):
        problems = [
            (message.id, [str(e) for e in errors])
            for message, errors in _catalog(locale).check()
            if errors
        ]
        assert not problems, f"{locale}: {problems[:5]}"


def test_default_language_is_chinese(app, client):
    import config

    assert config.Config.DEFAULT_LOCALE == "zh_CN"
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page


def test_browser_language_is_followed(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="en"' in page
    assert "Log in" in page and "登录" not in page


def test_users_setting_beats_the_browser(app, client, make_user, login):
    user = make_user("ann", preferred_language="zh_CN")
    login(user)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "退出" in page


def test_language_switch_for_visitors(client, post):
    response = post("/language/en", {"next": "/login"}, token_page="/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_times_are_shown_in_the_local_time_zone(app):
    from lms.core.templating import localtime

    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = localtime(datetime(2026, 1, 1, 0, 30), "yyyy-MM-dd HH:mm")
    assert shown == "2026-01-01 08:30"  # UTC+8, Asia/Shanghai


def test_error_pages_are_translated(app, client):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "页面" in page or "未找到" in page
