"""HTML to PDF with WeasyPrint; the CJK font comes from Debian's fonts-noto-cjk via fontconfig
and is embedded (subset) in the file, so it prints the same anywhere."""

from flask import Response

from lms.core.exports import attachment


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango

    return HTML(string=html).write_pdf()


def pdf_response(html: str, filename_stem: str) -> Response:
    """A download of ``html`` printed to PDF as ``filename_stem.pdf`` (the learning archive,
    the monthly report)."""
    response = Response(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = attachment(f"{filename_stem}.pdf")
    return response
