"""Security headers on every response: Content-Security-Policy, framing, referrer, sniffing.

A small ``after_request`` rather than Flask-Talisman: Talisman's other duties (redirecting
to HTTPS, HSTS, secure cookies) belong to nginx and to ``LMS_SECURE_COOKIES`` here (see the
README, *Running in production*), and turning them off would leave it setting four headers.
Every script and style is a file under ``lms/static`` (no inline ``<script>`` or ``style=``),
so the policy needs neither 'unsafe-inline' nor nonces. ``<script type="application/json">``
blocks hold chart data; a browser never runs them, so the policy does not apply to them.
"""

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        # The player: hls.js feeds the <video> through a blob: MediaSource URL and remuxes
        # in a worker it creates from a blob: URL.
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    # Page addresses (unit, cadre and run ids) stay inside the platform.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def add_security_headers(response):
    """Add each header the view did not set itself (pages, JSON, static files, errors)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
