"""Each role's main task on the workbench, in a real browser at phone and desk sizes.

For each viewport: the task completes, nothing overflows sideways, no other unit's text
appears, and every step is saved as a screenshot in ``tests/browser/artifacts/`` (a CI artifact).
Skipped only when no Chromium is installed (``make browser-deps``).
"""

import contextlib
import datetime
import os
import shutil
from pathlib import Path

import pytest

from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role
from tests.workbench.data import build_wb

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts" / "workbench"
PASSWORD = "Test-pass-2026"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1440, "height": 900}}
#: text only the sibling detachment's units carry: must never show for 甲站's people
FOREIGN = ["丙站", "乙市支队", "赵丙"]

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


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], locale="zh-CN", is_mobile=request.param == "phone"
    )
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


class Steps:
    """Screenshots of every step, and the checks every step must pass."""

    def __init__(self, page, task):
        self.page, self.task, self.n = page, task, 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name, foreign=FOREIGN):
        self.n += 1
        self.page.wait_for_load_state("load")
        # htmx swaps and fonts settle; a busy CI machine may never reach idle: screenshot anyway
        with contextlib.suppress(Exception):  # Playwright's TimeoutError
            self.page.wait_for_load_state("networkidle", timeout=5000)
        self.page.screenshot(
            path=str(ARTIFACTS / f"{self.task}-{self.page.viewport_name}-{self.n:02d}-{name}.png"),
            full_page=True,
        )
        width = self.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name}: page is {width[0]} px wide in a {width[1]} px window"
        text = self.page.inner_text("body")
        for word in foreign:
            assert word not in text, f"{name}: another unit's text {word!r} is shown"


def login(page, live_server, username):
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#login-form")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def station_data(tree):
    return build_wb(tree)


def test_station_admin_files_todays_zero_report_in_two_taps(page, live_server, station_data):
    from apps.reports.models import ZeroReport

    steps = Steps(page, "zero-report")
    login(page, live_server, "wb_station")
    steps("home")
    page.click("#zero-one-tap")  # tap 1
    page.wait_for_selector("#zero-confirm")
    steps("confirm")
    page.click("#zero-confirm")  # tap 2
    page.wait_for_selector("#zero-done")
    steps("filed")
    assert "今日已报送" in page.inner_text("#zero-done")
    report = ZeroReport.objects.get(unit=station_data.tree.station)
    assert report.nothing_to_report and report.filed_by == station_data.station_admin


def test_station_admin_records_a_talk_with_a_follow_up_without_typing_an_id(page, live_server, station_data):
    from apps.talks.models import FollowUp, TalkRecord

    w = station_data
    steps = Steps(page, "talk")
    login(page, live_server, "wb_station")
    page.click("#uncovered a >> nth=0")  # "记录谈话" next to the first person not yet talked with
    page.wait_for_selector("#talk-form")
    steps("form")
    person = page.inner_text("#chosen-person")
    page.fill("textarea[name=state_of_mind]", "思想稳定，家中老人住院，需要请假照顾。")
    page.fill("textarea[name=difficulties]", "母亲住院")
    page.fill("textarea[name=fu0-description]", "协调安排轮休三天，到医院看望")
    page.select_option("select[name=fu0-owner]", label="杨站长")
    page.fill("input[name=fu0-due_date]", (datetime.date.today() + datetime.timedelta(days=3)).isoformat())
    steps("filled")
    page.click("#talk-submit")
    page.wait_for_selector("#messages")
    steps("saved")
    assert f"已登记与{person}的谈话" in page.inner_text("#messages")
    record = TalkRecord.objects.get(person__name=person)
    followup = FollowUp.objects.get(record=record)
    assert followup.owner == w.station_admin
    assert followup.decrypted_text()["description"] == "协调安排轮休三天，到医院看望"


def test_talker_finds_a_person_by_name(page, live_server, station_data):
    steps = Steps(page, "talk-search")
    login(page, live_server, "wb_station")
    page.click("#talk-new")
    page.wait_for_selector("#person-search")
    page.fill("#person-search", "李")
    page.wait_for_selector("label.wb-person-option >> text=李四")
    steps("matches")
    page.click("label.wb-person-option >> text=李四")
    page.wait_for_selector("select[name=fu0-owner] >> option >> text=杨站长", state="attached")
    steps("owners")


def test_approver_sees_only_valid_actions_and_approves(page, live_server, station_data):
    from apps.commendations.models import Nomination

    w = station_data
    nomination = advance(make_nomination(w.tree.station, w.station_admin, w.people[0]), w.secretary)
    second = advance(make_nomination(w.tree.station, w.station_admin, w.people[1]), w.secretary)
    steps = Steps(page, "approve")
    login(page, live_server, "wb_approver")
    steps("inbox")  # the home's inbox: every row carries its own valid buttons
    row, other = f"#nomination-{nomination.pk}", f"#nomination-{second.pk}"
    for selector in (row, other):
        actions = page.eval_on_selector_all(
            f"{selector} button[data-action]", "bs => bs.map(b => b.dataset.action)"
        )
        assert actions == ["approve", "return", "reject"]
    page.click(f"{other} button[data-action=return]")  # from the list, no reason given
    page.wait_for_selector(f"{other} .wb-error")
    steps("reason-required")  # the row opens with the deeds, the evidence and what to do
    assert "理由" in page.inner_text(f"{other} .wb-error") and "先进事迹" in page.inner_text(other)
    page.fill(f"{other} textarea[name=comment]", "事迹不够具体，请补充")
    page.click(f"{other} button[data-action=return]")
    page.wait_for_selector("text=已退回修改")
    steps("returned")
    page.click(f"{row} [data-open]")  # 详情: the row opens in place
    page.wait_for_selector(f"{row} .wb-deeds")
    steps("opened")
    page.click(f"{row} button[data-action=approve]")
    page.wait_for_selector("text=已审批通过")
    steps("approved")
    nomination.refresh_from_db()
    second.refresh_from_db()
    assert nomination.status == Nomination.Status.APPROVING and nomination.current_level == w.tree.det
    assert second.status == Nomination.Status.DRAFT


def test_hq_sees_the_stations_that_have_not_filed_today_on_one_screen(page, live_server, station_data):
    from django.utils import timezone

    from apps.reports.services import zero_report_file

    w = station_data
    today = timezone.localdate()
    # filed at 08:00 (before any deadline), so the chip is green at whatever hour the test runs
    on_time = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8)))
    zero_report_file(unit=w.tree.station, report_date=today, actor=w.station_admin, now=on_time)
    make_talk(
        make_person(w.tree.station3), user_with_role("secretary", w.tree.corps), date=datetime.date.today()
    )
    steps = Steps(page, "hq-board")
    login(page, live_server, "wb_hq")
    steps("board", foreign=["乙省总队"])
    board = page.inner_text("#status-board")
    for name in ("乙站", "特勤站", "丙站"):
        assert name in board
    assert page.get_attribute(f"#status-board a[href$='unit={w.tree.station.pk}']", "data-state") == "green"
    missing = page.eval_on_selector_all(
        "#status-board a[data-state=red], #status-board a[data-state=amber]", "as => as.length"
    )
    assert missing == 3
    page.click("#drill a >> text=甲市支队")
    page.wait_for_selector("#board-title >> text=甲市支队")
    steps("drilled", foreign=["乙省总队", "丙站"])
    # back up through the trail; tonight's stored coverage is shown with its time
    from apps.talks.tasks import coverage_snapshots_store

    coverage_snapshots_store(today=today)
    page.click("nav.wb-trail a >> text=甲省总队")
    page.wait_for_selector("#coverage-computed-at")
    assert "夜间统计" in page.inner_text("#tiles")
    steps("stored-coverage", foreign=["乙省总队"])


def test_drafter_drafts_a_nomination_with_evidence_in_one_flow(page, live_server, station_data, tmp_path):
    from apps.commendations.models import Nomination

    evidence = tmp_path / "事迹材料.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    steps = Steps(page, "nomination")
    login(page, live_server, "wb_station")
    page.click("#nomination-new")
    page.wait_for_selector("#subject-search")
    page.fill("#subject-search", "王")
    page.wait_for_selector("#subject-matches label >> text=王五")
    page.click("#subject-matches label >> text=王五")
    page.select_option("select[name=award_kind]", label="通报表扬")
    page.fill("textarea[name=deeds]", "连续三昼夜参加抗洪抢险，转移群众 40 余人。")
    page.set_input_files("#evidence", str(evidence))
    steps("filled")
    page.click("#nomination-submit")
    page.wait_for_selector("#messages")
    steps("submitted")
    nomination = Nomination.objects.get(subject_person__name="王五")
    assert nomination.status == Nomination.Status.SUBMITTED and nomination.attachments.count() == 1


def test_hq_admin_index_opens_with_the_board_and_fits_the_screen(page, live_server, station_data):
    steps = Steps(page, "admin-index")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "wb_hq")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#board")
    steps("board", foreign=["乙省总队"])
    assert "今日尚未报送 4 个单位" in page.inner_text("#status-board")


def test_station_admin_files_this_weeks_party_group_report(page, live_server, station_data):
    from apps.reports.models import GroupWeeklyReport

    w = station_data
    steps = Steps(page, "weekly-report")
    login(page, live_server, "wb_station")
    page.click(f"#weekly-file-{w.group.pk}")
    page.wait_for_selector("#weekly-form")
    assert page.input_value("select[name=group]") == str(w.group.pk)
    monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    assert page.input_value("input[name=week_start]") == monday.isoformat()
    steps("form")
    page.fill("textarea[name=work_done]", "  ")  # passes the browser's check, not the server's
    page.click("#weekly-submit")  # nothing written: the form comes back saying what is missing
    page.wait_for_selector("#weekly-form .wb-field-error")
    steps("missing-work")
    assert "请填写本周工作" in page.inner_text("#weekly-form")
    page.fill("textarea[name=work_done]", "组织党员学习一次，开展体能训练三次。")
    page.fill("textarea[name=members_state_of_mind]", "党员思想稳定，一名党员家中有事已谈心。")
    page.fill("textarea[name=next_week_plan]", "开展党小组工作交流会。")
    steps("filled")
    page.click("#weekly-submit")
    page.wait_for_selector("#weekly-done")
    steps("filed")
    assert "已报送" in page.inner_text("#weekly-done")
    report = GroupWeeklyReport.objects.get(group=w.group)
    assert report.week_start == monday and report.filed_by == w.station_admin
    page.click("#weekly-done a")
    page.wait_for_selector(f"#weekly-status-{w.group.pk}")
    steps("home")
    assert "已报送" in page.inner_text(f"#weekly-status-{w.group.pk}")


def test_drafter_continues_a_draft_uploads_evidence_and_submits(page, live_server, station_data, tmp_path):
    from apps.commendations.models import Nomination

    w = station_data
    draft = make_nomination(w.tree.station, w.station_admin, w.people[1])
    evidence = tmp_path / "获奖证明.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    steps = Steps(page, "draft-continue")
    login(page, live_server, "wb_station")
    page.click(f"#draft-{draft.pk}")
    page.wait_for_selector("#nomination-form")
    assert page.is_checked(f"#subject-{w.people[1].pk}")
    steps("draft")
    page.fill("textarea[name=deeds]", "  ")  # passes the browser's check, not the server's
    page.click("#nomination-draft")  # blank deeds: the form comes back, nothing written
    page.wait_for_selector("#nomination-form .wb-field-error")
    steps("missing-deeds")
    assert "请填写先进事迹" in page.inner_text("#nomination-form")
    page.fill("textarea[name=deeds]", "汛期连续参加抢险救援 12 次，转移群众 60 余人。")
    page.set_input_files("#evidence", str(evidence))
    steps("filled")
    page.click("#nomination-submit")
    page.wait_for_selector("#messages")
    steps("submitted")
    assert "推荐已提交" in page.inner_text("#messages")
    draft.refresh_from_db()
    assert draft.status == Nomination.Status.SUBMITTED and draft.attachments.count() == 1
    assert draft.deeds.startswith("汛期连续参加抢险救援")


@pytest.mark.parametrize("username, foreign", [("wb_hq", ["乙省总队"]), ("wb_station", FOREIGN)])
def test_a_long_admin_list_says_at_least_how_many_and_selects_them_all(
    page, live_server, station_data, monkeypatch, username, foreign
):
    """Past the count's cap an admin list says "3+" (10000+ in production) in its pagination,
    search bar and "select all", and still pages and selects across pages."""
    from django.contrib import admin

    from apps.core.api import pagination
    from apps.talks.models import TalkRecord

    for person in station_data.people:
        make_talk(person, station_data.station_admin)
    make_talk(make_person(station_data.tree.station), station_data.station_admin)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr(admin.site.get_model_admin(TalkRecord), "list_per_page", 2)
    steps = Steps(page, f"admin-capped-list-{username}")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/talks/talkrecord/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list")
    assert "3+ 谈心谈话记录" in page.inner_text("p.paginator")
    assert "3+ 条结果" in page.inner_text("#changelist-search")
    steps("list", foreign=foreign)
    page.check("#action-toggle")
    page.click(".actions .question a")
    assert page.inner_text(".actions .all") == "选中了 3+ 个"
    steps("all-selected", foreign=foreign)
    page.goto(f"{live_server.url}/admin/talks/talkrecord/?p=2")
    assert page.locator("#result_list tbody tr").count() == 2
