"""Every response carries the security headers: pages, JSON, static files, downloads, errors."""

import re
from pathlib import Path

import pytest

from lms.core.security_headers import HEADERS


def assert_secured(response, label):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (label, name)


def test_the_policy_forbids_framing_and_inline_code():
    policy = dict(
        directive.split(" ", 1) for directive in HEADERS["Content-Security-Policy"].split("; ")
    )
    assert policy["frame-ancestors"] == "'none'" and HEADERS["X-Frame-Options"] == "DENY"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in HEADERS["Content-Security-Policy"]
    assert policy["worker-src"] == "'self' blob:"  # hls.js
    assert policy["media-src"] == "'self' blob:"
    assert HEADERS["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/login", 200),  # a page
        ("GET", "/", 302),  # a redirect to the login page
        ("GET", "/static/css/app.css", 200),
        ("GET", "/static/vendor/hls.js/hls.min.js", 200),
        ("GET", "/healthz", None),  # JSON (200 or 503 without a job consumer)
        ("GET", "/api/v1/me", 401),  # a JSON error
        ("POST", "/api/v1/auth/token", 400),
        ("GET", "/no-such-page", 404),
        ("POST", "/login", 400),  # no CSRF token
        ("DELETE", "/login", 405),
        ("HEAD", "/login", 200),
    ],
)
def test_anonymous_responses_carry_the_headers(client, method, path, status):
    response = client.open(path, method=method)
    if status is not None:
        assert response.status_code == status
    assert_secured(response, path)


def test_signed_in_pages_downloads_and_server_errors_carry_the_headers(
    app, client, login, make_user
):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/test-broken", "test_broken", broken)
    login(make_user("root", roles=["admin"]))
    for path, status in [
        ("/", 200),
        ("/admin/users/", 200),
        ("/reports/export/summary.csv", 200),
        ("/reports/export/summary.xlsx", 200),
        ("/test-broken", 500),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        assert_secured(response, path)


# Rendered to PDF on the server (WeasyPrint), never sent to a browser: their <style> is fine.
PDF_TEMPLATES = {"archive/pdf.html", "reports/monthly_pdf.html"}
INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"), "script"),
    (re.compile(r"<style\b"), "<style>"),
    (re.compile(r"\sstyle\s*="), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_templates_hold_no_inline_code():
    """The policy refuses inline scripts and styles: they belong in lms/static."""
    root = Path(__file__).resolve().parents[2] / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {label}" for pattern, label in INLINE_CODE if pattern.search(text)]
    assert found == []
