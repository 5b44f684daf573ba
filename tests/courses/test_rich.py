"""Descriptions are rendered through one sanitizer: formatting stays, scripts go."""

from lms.courses.richtext import render_rich


def test_script_and_style_are_removed_with_their_content():
    html = str(render_rich("<p>Hello</p><script>alert('x')</script><style>p{}</style>"))
    assert html == "<p>Hello</p>"


def test_event_handler_attributes_are_removed():
    html = str(render_rich('<p onclick="steal()">Hi <img src=x onerror="alert(1)"></p>'))
    assert "onclick" not in html and "onerror" not in html and "<img" not in html
    assert "Hi" in html


def test_javascript_links_lose_their_href():
    html = str(render_rich('<a href="javascript:alert(1)">click</a>'))
    assert "javascript" not in html
    assert "click" in html


def test_allowed_tags_are_kept_and_links_get_rel():
    source = (
        "<h3>Part</h3><h4>Sub</h4><p><strong>b</strong> <em>i</em><br></p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote>"
        '<a href="https://example.org/x">link</a>'
    )
    html = str(render_rich(source))
    for tag in ("<h3>", "<h4>", "<strong>", "<em>", "<br>", "<ul>", "<ol>", "<li>", "<blockquote>"):
        assert tag in html, tag
    assert '<a href="https://example.org/x" rel="noopener noreferrer">link</a>' in html


def test_other_tags_and_attributes_are_stripped():
    html = str(
        render_rich('<div class="x"><iframe src="https://evil"></iframe><p style="c">t</p></div>')
    )
    assert html == "<p>t</p>"


def test_plain_text_keeps_its_paragraphs_and_is_escaped():
    html = str(render_rich("First line\nsecond & third\n\nNext paragraph"))
    assert html == "<p>First line<br>second &amp; third</p><p>Next paragraph</p>"


def test_empty_description():
    assert str(render_rich(None)) == ""
