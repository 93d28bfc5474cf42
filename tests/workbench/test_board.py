"""The HQ board: drill-down inside the scope only, the missing stations today, names not ids."""

import pytest

from apps.reports.services import zero_report_file

pytestmark = pytest.mark.django_db


def test_board_lists_every_station_red_amber_green(wb, login):
    import datetime

    zero_report_file(unit=wb.tree.station, report_date=datetime.date.today(), actor=wb.station_admin)
    text = login(wb.hq).get("/board/").content.decode()
    assert "今日尚未报送 3 个单位" in text
    assert "已报 1" in text and "未报 3" in text


def test_drilling_into_a_detachment_shows_only_it(wb, login):
    text = login(wb.hq).get(f"/board/?unit={wb.tree.det.pk}").content.decode()
    assert "甲市支队" in text and "丙站" not in text


def test_board_fragment_for_htmx(wb, login):
    text = login(wb.hq).get(f"/board/?unit={wb.tree.det.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="board"' in text and "<html" not in text


@pytest.mark.parametrize("raw", ["abc", "999999", ""])
def test_malformed_or_missing_unit_gives_404(wb, login, raw):
    assert login(wb.hq).get(f"/board/?unit={raw}").status_code == 404


def test_a_unit_outside_the_board_gives_404(wb, login):
    assert login(wb.secretary).get(f"/board/?unit={wb.tree.det2.pk}").status_code == 404
    assert login(wb.hq).get(f"/board/?unit={wb.tree.corps2.pk}").status_code == 404


def test_station_staff_have_no_board(wb, login):
    assert login(wb.station_admin).get("/board/").status_code == 404


def _trail(text):
    start = text.index('aria-label="上级单位"')
    return text[start : text.index("</nav>", start)]


def test_the_trail_names_the_units_above_the_root_that_the_user_sees(wb, login):
    trail = _trail(login(wb.hq).get(f"/board/?unit={wb.tree.bat.pk}").content.decode())
    assert wb.tree.corps.name in trail and wb.tree.det.name in trail
    assert wb.tree.root.name not in trail  # above the HQ user's grant
    trail = _trail(login(wb.secretary).get(f"/board/?unit={wb.tree.bat.pk}").content.decode())
    assert wb.tree.det.name in trail and wb.tree.corps.name not in trail
