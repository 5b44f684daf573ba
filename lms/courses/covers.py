"""The cover a course without an uploaded image gets: drawn, not stored (issue 14: course
cards get cover images, a generated default when none). An SVG of the title's first
character on a colour of the course's own, dark enough for white text (WCAG AA)."""

from markupsafe import escape

# Deep tones, each with white text above 4.5 : 1.
PALETTE = ("#7c1912", "#1b4f72", "#1e6b35", "#6c3483", "#7d5a00", "#11676b", "#5b2c6f")


def default_cover_svg(course) -> str:
    colour = PALETTE[course.id % len(PALETTE)]
    initial = escape((course.title or "·").strip()[:1] or "·")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 180" width="320" '
        'height="180" role="img">'
        f'<rect width="320" height="180" fill="{colour}"/>'
        '<circle cx="270" cy="30" r="70" fill="#ffffff" fill-opacity="0.08"/>'
        f'<text x="160" y="122" font-size="96" text-anchor="middle" fill="#ffffff" '
        f'font-family="sans-serif">{initial}</text></svg>'
    )
