"""The home page: sections from the grants held, sign-in, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person

from .data import grow

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_sign_in_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/")
    page = client.get("/login/")
    assert page.status_code == 200 and "账号" in page.content.decode()


def test_sign_in_with_a_wrong_password_says_what_to_do(client, wb):
    response = client.post("/login/", {"username": "wb_station", "password": "wrong"})
    assert "账号或密码不正确" in response.content.decode()


def test_sign_in_lands_on_the_workbench(client, wb):
    response = client.post("/login/", {"username": "wb_station", "password": "Test-pass-2026"}, follow=True)
    assert response.redirect_chain[-1][0] == "/" and "今日无异常，一键报送" in response.content.decode()


def test_station_admin_sees_the_station_day_and_not_another_unit(wb, login):
    text = login(wb.station_admin).get("/").content.decode()
    assert "今日无异常，一键报送" in text and "有情况" in text
    for name in ("张三", "李四", "王五"):
        assert name in text  # not yet talked with this period, each with 记录谈话
    assert text.count("记录谈话") >= 3
    assert "甲站一班党小组" in text and "未报送，去填写" in text
    assert "赵丙" not in text and "丙站" not in text
    assert 'id="board' not in text and 'id="inbox-section"' not in text


def test_squad_staff_are_not_offered_the_zero_report(wb, login):
    from tests.workbench.data import named_user

    squad_admin = named_user("wb_squad", "班", "长", ("unit_admin", wb.tree.squad))
    text = login(squad_admin).get("/").content.decode()
    assert "一键报送" not in text and "本单位无需报送每日零报告" in text


def test_secretary_gets_talks_inbox_and_board(wb, login):
    text = login(wb.secretary).get("/").content.decode()
    assert 'id="talks-section"' in text and 'id="inbox-section"' in text and 'id="board"' in text
    assert "一键报送" not in text


def test_approver_gets_only_the_inbox(wb, login):
    text = login(wb.approver).get("/").content.decode()
    assert 'id="inbox-section"' in text
    assert 'id="board"' not in text and 'id="talks-section"' not in text


def test_hq_home_is_the_board_with_tiles(wb, login):
    text = login(wb.hq).get("/").content.decode()
    for tile in ("今日零报告", "谈话覆盖率", "待审批推荐", "逾期跟进事项", "公示中"):
        assert tile in text
    assert "甲站" in text and "丙站" in text and "乙省总队" not in text


def test_a_user_without_grants_is_told_whom_to_ask(login):
    from tests.factories.units import make_user

    text = login(make_user("wb_nobody")).get("/").content.decode()
    assert "请联系本单位管理员" in text


def _count(client, url="/"):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["station_admin", "secretary", "approver", "hq"])
def test_home_query_count_is_the_same_for_a_small_and_a_bigger_unit(wb, login, who):
    client = login(getattr(wb, who))
    advance(make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary)
    _count(client)  # warm the caches (content types, policies)
    small = _count(client)
    grow(wb.tree.station, 12)
    grow(wb.tree.station2, 6)
    for _ in range(3):
        advance(
            make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary
        )
    assert _count(client) == small


def test_board_query_count_is_the_same_for_a_small_and_a_bigger_corps(wb, login):
    from tests.factories.units import make_unit

    client = login(wb.hq)
    _count(client, "/board/")
    small = _count(client, "/board/")
    for i in range(5):
        make_unit(wb.tree.bat2, "station", f"新站{i}")
    grow(wb.tree.station3, 5)
    assert _count(client, "/board/") == small
