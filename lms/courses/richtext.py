"""Course descriptions: the HTML an instructor may write, cleaned before it is shown."""

import re

import nh3
from markupsafe import Markup

RICH_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}


def render_rich(html: str | None) -> Markup:
    """An instructor's description as safe HTML: a few formatting tags, links without scripts.

    Plain text (no tags) keeps its paragraphs and line breaks.
    """
    text = html or ""
    if "<" not in text:
        paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        text = "".join(
            "<p>" + str(Markup.escape(p.strip())).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    cleaned = nh3.clean(
        text,
        tags=RICH_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)
