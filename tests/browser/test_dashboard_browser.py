"""Real-browser tests (Playwright driving Debian's Chromium) of the dashboard and the inbox.

Skipped with a message only when no Chromium is installed (``make browser-deps`` installs it).
Screenshots are saved to ``tests/browser/artifacts/``.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "Test-pass-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="no Chromium: run `make browser-deps` (apt chromium)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync Playwright API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#dashboard-title")


@pytest.fixture
def corps_data(tree):
    talker = user_with_role("secretary", tree.corps, "b_sec")
    for unit in (tree.station, tree.station2, tree.tqz, tree.station3):
        for _ in range(2):
            make_talk(make_person(unit), talker)
    return tree


def test_hq_sees_every_chart_drawn_and_drills_into_a_detachment(page, live_server, corps_data):
    tree = corps_data
    user_with_role("hq_admin", tree.corps, "b_hq")
    login(page, live_server, "b_hq")
    canvases = page.locator("#dashboard canvas")
    assert canvases.count() >= 4
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        page.wait_for_function("c => c.dataset.drawn !== undefined", arg=canvas.element_handle())
        assert int(canvas.get_attribute("data-drawn")) > 0
    for key in ("membership", "talks", "reports"):  # the sections the fixture gives data to
        assert float(page.get_attribute(f"#chart-{key}", "data-total")) > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-hq.png"), full_page=True)
    page.click("a.drill >> text=甲市支队")
    page.wait_for_selector("#dashboard-title")
    assert "甲市支队" in page.inner_text("#dashboard-title")
    page.screenshot(path=str(ARTIFACTS / "dashboard-detachment.png"), full_page=True)
    page.select_option("#period-picker select[name=period]", "month")
    page.click("#period-picker input[type=submit]")
    page.wait_for_url("**period=month**")
    assert "甲市支队" in page.inner_text("#dashboard-title")
    assert "月01日" in page.inner_text("#figure-talks h3")
    page.wait_for_function("() => document.querySelector('#chart-talks').dataset.drawn !== undefined")


def test_station_admin_sees_only_the_station(page, live_server, corps_data):
    tree = corps_data
    user_with_role("unit_admin", tree.station, "b_station")
    login(page, live_server, "b_station")
    assert "甲站" in page.inner_text("#dashboard-title")
    text = page.inner_text("#dashboard")
    assert "丙站" not in text and "乙市支队" not in text
    page.screenshot(path=str(ARTIFACTS / "dashboard-station.png"), full_page=True)


def test_approver_opens_the_inbox_and_approves(page, live_server, tree):
    from apps.commendations.models import Nomination

    drafter = user_with_role("unit_admin", tree.station, "b_drafter")
    reviewer = user_with_role("secretary", tree.station, "b_reviewer")
    user_with_role("approver", tree.bat, "b_approver")
    n = advance(
        make_nomination(tree.station, drafter, make_person(tree.station, name="浏览器测试对象")), reviewer
    )
    login(page, live_server, "b_approver")
    page.click("#inbox-panel a >> text=浏览器测试对象")
    page.select_option("select[name=action]", "approve")
    page.fill("textarea[name=comment]", "同意")
    page.click("#decide-submit")
    page.wait_for_selector(".messagelist")
    n.refresh_from_db()
    assert n.status == Nomination.Status.APPROVING and n.current_level == tree.det
    page.screenshot(path=str(ARTIFACTS / "inbox-approved.png"), full_page=True)
