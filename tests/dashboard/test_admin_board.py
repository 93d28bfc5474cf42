"""The admin index for HQ and committees opens with the workbench's tiles and station board."""

import pytest

from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def test_hq_admin_index_starts_with_tiles_and_the_station_board(tree, client):
    client.force_login(user_with_role("hq_admin", tree.corps))
    text = client.get("/admin/").content.decode()
    board = text.index('id="board"')
    assert board < text.index('id="dashboard-title"')
    for tile in ("今日零报告", "谈话覆盖率", "待审批推荐", "逾期跟进事项", "公示中"):
        assert tile in text
    assert "今日尚未报送 4 个单位" in text and "乙省总队" not in text


def test_station_admin_index_has_no_board(tree, client):
    client.force_login(user_with_role("unit_admin", tree.station))
    text = client.get("/admin/").content.decode()
    assert 'id="board"' not in text and 'id="dashboard-title"' in text


def test_admin_board_drills_inside_the_scope_only(tree, client):
    client.force_login(user_with_role("hq_admin", tree.det))
    text = client.get(f"/admin/?unit={tree.det2.pk}").content.decode()
    assert "丙站" not in text  # out of scope: the dashboard falls back to the user's own unit
