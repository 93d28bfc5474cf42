"""Errors in Chinese with what to do next (the site's 404 and 403 pages)."""

import pytest
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


def test_not_found_page_says_what_to_do(wb, login, settings):
    settings.DEBUG = False
    response = login(wb.station_admin).get(f"/reports/zero/{wb.tree.station3.pk}/confirm/")
    text = response.content.decode()
    assert response.status_code == 404 and "不在您的管辖范围内" in text and "返回工作台" in text


def test_forbidden_page_shows_the_reason_in_chinese():
    text = render_to_string("403.html", {"exception": "只有责任人或谈话人可以办结跟进事项。"})
    assert "只有责任人或谈话人可以办结跟进事项。" in text and "请联系本单位管理员" in text
