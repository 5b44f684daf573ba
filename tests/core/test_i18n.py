"""Languages: every message has a Chinese translation; the right language is chosen."""

from datetime import datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from lms.extensions import db

ROOT = Path(__file__).resolve().parents[2]
# Babel resolves zh_CN to zh_Hans_CN, and looks for the catalogue under that name.
FOLDERS = {"zh_CN": "zh_Hans_CN", "en": "en"}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
# English words with several meanings, each translated differently (docs/glossary.md): each must
# be given a context with pgettext / lazy_pgettext, never used as a plain msgid, or the catalogue
# would translate it one way everywhere (a quiz's "Never" read "never logged in").
AMBIGUOUS = {
    "Never",  # reveal answers: 从不公布; last login: 从未登录
    "Sent",  # mail: 已发送; upload progress: 已上传
    "Failed",  # mail: 发送失败; media processing: 处理失败
    "Resume",  # study: 继续学习; quiz attempt: 继续作答; upload: 续传
    "Summary",  # a course's: 简介; an import's: 汇总
    "Lessons",  # a count: 讲数; a heading: 课程目录
    "Category",  # a cadre's: 干部类别; a course's: 内容分类
    "Categories",
    "Last attempt",  # counting rule: 取最后一次; a date column: 最近作答时间
    "Rejected",  # an offline record's review: 已退回; an import row: 不予导入
    "Date",
}


def _extracted():
    method_map = [("lms/**.py", "python"), ("templates/**.html", "jinja2"), ("config.py", "python")]
    for file, line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        if isinstance(message, tuple):
            message = message[0]  # a plural entry is filed under its singular msgid
        if message:
            yield file, line, message, context


def _source_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message in the source."""
    return {(context, message) for _file, _line, message, context in _extracted()}


def _catalog(locale: str):
    with (ROOT / "lms" / "translations" / FOLDERS[locale] / "LC_MESSAGES" / "messages.po").open(
        "rb"
    ) as f:
        return read_po(f, locale=locale)


def test_every_message_has_a_chinese_translation():
    catalog = _catalog("zh_CN")
    missing = []
    for context, msgid in sorted(_source_messages(), key=lambda m: (m[1], m[0] or "")):
        entry = catalog.get(msgid, context=context)
        text = entry.string if entry else None
        if isinstance(text, tuple):
            text = text[0]
        if not text or (entry and entry.fuzzy):
            missing.append((context, msgid) if context else msgid)
    assert not missing, f"{len(missing)} messages lack a zh_CN translation, e.g. {missing[:10]}"


def test_words_with_several_meanings_are_only_used_with_a_context():
    plain = sorted(
        f"{file}:{line}: {message!r}"
        for file, line, message, context in _extracted()
        if message in AMBIGUOUS and context is None
    )
    assert not plain, f"use pgettext / lazy_pgettext with a context (docs/glossary.md): {plain}"


def test_each_context_has_its_own_chinese_word():
    catalog = _catalog("zh_CN")
    words = {}
    for message in catalog:
        if message.id in AMBIGUOUS and message.context:
            words.setdefault(message.id, {})[message.context] = message.string
    # the wrong words of issue 14, each now kept to the one meaning it has
    assert words["Never"] == {"last login": "从未登录", "reveal answers": "从不公布"}
    assert words["Sent"] == {"mail status": "已发送", "upload": "已上传"}
    assert words["Failed"] == {"mail status": "发送失败", "processing": "处理失败"}
    assert words["Resume"] == {"study": "继续学习", "quiz attempt": "继续作答", "upload": "续传"}
    assert words["Summary"] == {"course": "简介", "import": "汇总"}
    assert words["Category"] == {"cadre": "干部类别", "content": "内容分类"}
    assert words["Last attempt"]["date"] != words["Last attempt"]["counting rule"] == "取最后一次"
    # a lesson is 讲 / 课; 课时 reads as a credit hour (学时) to a cadre
    assert not [m.id for m in catalog if m.id and "课时" in str(m.string)]


def test_chinese_text_uses_chinese_punctuation():
    """No ASCII comma or parenthesis beside Chinese characters in a translation."""
    import re

    beside = re.compile(r"[\u4e00-\u9fff][,()]|[,(][\u4e00-\u9fff]|[\u4e00-\u9fff]\)")
    wrong = [
        (m.id, m.string)
        for m in _catalog("zh_CN")
        if m.id and isinstance(m.string, str) and beside.search(m.string)
    ]
    assert not wrong, wrong


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


# --- the pages in Chinese show the right word for each meaning --------------------------


def _chinese(make_user, login, roles=("cadre",), **fields):
    user = make_user(roles=roles, preferred_language="zh_CN", **fields)
    login(user)
    return user


def test_quiz_form_offers_never_reveal_not_never_logged_in(app, client, make_user, login):
    _chinese(make_user, login, roles=("instructor",))
    page = client.get("/quizzes/new").get_data(as_text=True)
    assert '<option value="never">从不公布</option>' in page or ">从不公布</option>" in page
    assert "从未登录" not in page


def test_outbox_statuses_say_sent_and_failed_as_mail(app, client, make_user, login):
    from lms.notify import services
    from lms.notify.models import MailStatus

    _chinese(make_user, login, roles=("admin",))
    cadre = make_user("wang", email="wang@example.org")
    sent = services.queue_mail(cadre, "quota_at_risk", "学时提醒", "b")
    failed = services.queue_mail(cadre, "quota_at_risk", "学时提醒", "b")
    sent.status, failed.status = MailStatus.SENT.value, MailStatus.FAILED.value
    db.session.commit()
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "已发送" in page and "发送失败" in page
    assert "已上传" not in page and "处理失败" not in page


def _course_with_lessons(lessons=3):
    from lms.courses.categories import ensure_default_content_categories
    from lms.courses.models import ContentCategory, Course, Lesson, LessonStatus

    ensure_default_content_categories()
    category = db.session.scalars(select(ContentCategory).order_by(ContentCategory.id)).first()
    course = Course(title="党性教育", is_published=True, content_category=category)
    for position in range(lessons):
        course.lessons.append(
            Lesson(
                title=f"第{position + 1}讲",
                position=position,
                kind="video",
                status=LessonStatus.READY.value,
                duration_seconds=600.0,
            )
        )
    db.session.add(course)
    db.session.commit()
    return course, category


def test_course_card_and_page_say_lessons_and_content_category(app, client, make_user, login):
    course, category = _course_with_lessons(3)
    _chinese(make_user, login)
    card = client.get("/courses/").get_data(as_text=True)
    assert "<dt>讲数</dt><dd>3</dd>" in card
    assert f"<dt>内容分类</dt><dd>{category.name_zh}</dd>" in card
    assert "课时" not in card and "干部类别" not in card
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f"<dt>内容分类</dt><dd>{category.name_zh}</dd>" in page
    assert "课程目录" in page and "课时" not in page and "干部类别" not in page


def test_my_learning_resumes_study_not_an_upload(app, client, make_user, login):
    from lms.tracking.models import LessonProgress

    course, _category = _course_with_lessons(2)
    cadre = _chinese(make_user, login)
    db.session.add(
        LessonProgress(user_id=cadre.id, lesson_id=course.lessons[0].id, credited_seconds=60)
    )
    db.session.commit()
    page = client.get("/learning/").get_data(as_text=True)
    assert "继续学习</a>" in page
    assert "续传" not in page
