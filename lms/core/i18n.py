"""Choosing the language: the user's setting, else the browser's, else the default."""

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["DEFAULT_LOCALE"]
    if (
        current_user
        and current_user.is_authenticated
        and current_user.preferred_language in languages
    ):
        return current_user.preferred_language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    # Accept-Language says "zh-CN" or "zh"; match on the language part as well.
    best = request.accept_languages.best_match(
        [*languages, *(code.replace("_", "-") for code in languages), "zh"]
    )
    if best:
        best = best.replace("-", "_")
        if best == "zh":
            return "zh_CN"
        if best in languages:
            return best
    return current_app.config["DEFAULT_LOCALE"]


def current_locale() -> str:
    """The language code as settings spell it (``zh_CN``, ``en``).

    Babel resolves ``zh_CN`` to ``zh_Hans_CN`` (hence the catalogue folder's name); the
    settings, the user's preference and the templates keep the short code.
    """
    locale = get_locale()
    if locale is None:
        return current_app.config["DEFAULT_LOCALE"]
    for code in current_app.config["LANGUAGES"]:
        if Locale.parse(code) == locale:
            return code
    return str(locale)


def init_app(app) -> None:
    @app.context_processor
    def _inject_languages():
        return {
            "language_names": LANGUAGE_NAMES,
            "current_locale": current_locale(),
            "html_lang": current_locale().replace("_", "-"),
        }
