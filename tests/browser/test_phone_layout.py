"""A cadre's phone (390×844, as the page fixture opens it): a one-line header whose menu folds
behind a button, a bottom tab bar with the five places a cadre goes, readable header links;
and the same pages on a laptop keep the full menu and no tab bar."""

import pytest

from lms.extensions import db

TABS = ["首页", "选课", "我的学习", "考试", "我的"]

# WCAG 2 relative luminance and contrast, computed from the colours the browser applied.
CONTRAST_JS = """([fg, bg]) => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(parse(fg)), lum(parse(bg))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.fixture
def cadre(make_unit, make_user):
    unit = make_unit("未央区/区财政局")
    user = make_user("ann", unit=unit, display_name="王芳", preferred_language="zh_CN")
    db.session.commit()
    return user


def test_a_cadre_on_a_phone_gets_a_one_line_header_and_a_bottom_tab_bar(
    page, live_server, browser_login, cadre
):
    browser_login(cadre)
    page.goto(f"{live_server}/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 70  # one line, not the three of a wrapped menu
    assert not page.locator("#main-nav").is_visible()

    tabs = page.get_by_role("navigation", name="常用栏目").get_by_role("link")
    assert tabs.all_inner_texts() == TABS
    bar = page.locator(".tab-bar").bounding_box()
    assert bar["y"] + bar["height"] == pytest.approx(844, abs=1)  # under the thumb
    assert page.locator(".tab-bar a[aria-current=page]").inner_text() == "首页"
    # Nothing scrolls sideways, and the page's end can be scrolled clear of the bar.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    padding = page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)")
    assert padding >= bar["height"]

    tabs.filter(has_text="我的学习").click()
    page.wait_for_url(f"{live_server}/learning/")
    assert page.locator(".tab-bar a[aria-current=page]").inner_text() == "我的学习"


def test_the_phone_menu_opens_with_its_button_and_closes_with_escape(
    page, live_server, browser_login, cadre
):
    browser_login(cadre)
    page.goto(f"{live_server}/")
    button = page.get_by_role("button", name="菜单")
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    menu = page.get_by_role("navigation", name="主导航")
    assert menu.is_visible()
    menu.get_by_role("link", name="我的账号").click()
    page.wait_for_url(f"{live_server}/account")
    page.get_by_role("button", name="菜单").click()
    page.keyboard.press("Escape")
    assert not page.locator("#main-nav").is_visible()
    assert page.evaluate("document.activeElement.className") == "menu-toggle"


def test_header_links_are_readable_on_the_red_header(page, live_server, browser_login, cadre):
    browser_login(cadre)
    page.goto(f"{live_server}/")
    link = page.locator(".notifications-link")
    colours = link.evaluate(
        "(el) => [getComputedStyle(el).color,"
        " getComputedStyle(document.querySelector('.site-header')).backgroundColor]"
    )
    assert page.evaluate(CONTRAST_JS, colours) >= 4.5


def test_on_a_laptop_the_menu_is_open_and_there_is_no_tab_bar(
    page, live_server, browser_login, cadre
):
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_login(cadre)
    page.goto(f"{live_server}/")
    assert page.locator("#main-nav").is_visible()
    assert not page.locator(".menu-toggle").is_visible()
    assert not page.locator(".tab-bar").is_visible()


def test_without_scripts_the_phone_menu_stays_usable(browser, live_server, cadre, app):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", "ann")
        page.fill("#password", "secret-pass-1")
        page.click("button.primary")
        page.goto(f"{live_server}/")
        assert page.locator("#main-nav").is_visible()
        assert not page.locator(".menu-toggle").is_visible()
    finally:
        context.close()


def test_my_courses_fits_a_phone_one_card_per_course(page, live_server, browser_login, cadre):
    from lms.courses.models import Course, Enrollment

    for n, required in ((1, True), (2, False)):
        course = Course(title=f"依法行政专题 {n}", is_published=True, duration_seconds=5400)
        db.session.add(course)
        db.session.flush()
        db.session.add(Enrollment(user_id=cadre.id, course_id=course.id, is_required=required))
    db.session.commit()
    browser_login(cadre)
    page.goto(f"{live_server}/courses/mine")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    cards = page.locator("main tbody tr")
    assert cards.count() == 2
    first = cards.first.bounding_box()
    assert first["width"] <= 390 - 2 * 15  # inside the page's margins
    # Each figure says what it is, read from the column header.
    labels = cards.first.locator("td").evaluate_all(
        "(cells) => cells.map((c) => getComputedStyle(c, '::before').content)"
    )
    assert labels[:3] == ['"类型"', '"讲数"', '"时长"']
    assert "必修" in cards.first.inner_text()
    remove = cards.nth(1).get_by_role("button", name="移除 依法行政专题 2")
    assert remove.is_visible()


def test_the_course_menu_folds_its_filters_on_a_phone_and_not_on_a_laptop(
    page, live_server, browser_login, cadre
):
    """Issue 14: the filters took the phone's whole first screen; now the first course does."""
    from lms.courses.models import Course

    for n in range(3):
        db.session.add(Course(title=f"依法行政专题 {n}", is_published=True, summary="专题讲座"))
    db.session.commit()
    browser_login(cadre)
    page.goto(f"{live_server}/courses/")
    search = page.get_by_role("searchbox")
    assert not search.is_visible()
    first_card = page.locator(".course-card").first
    assert first_card.bounding_box()["y"] + 40 < 844  # its title is on the first screen
    page.get_by_text("搜索和筛选").click()
    assert search.is_visible()
    search.fill("专题 1")
    search.press("Enter")
    page.wait_for_url("**/courses/?*")
    assert page.locator(".course-card").count() == 1
    assert page.get_by_role("searchbox").is_visible()  # a filtered menu shows its filters

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/courses/")
    assert page.get_by_role("searchbox").is_visible()
    assert not page.get_by_text("搜索和筛选").is_visible()
