"""The admin speaks plainly too (issue 17): Django's stock zh_Hans phrases ("保存并增加另一个",
"添加另一个 X", "选择 X 来修改", "以 状态") are replaced by the project's catalogue."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

STOCK = ("保存并增加另一个", "添加另一个", "增加另一个", "来修改", "以 ")


def test_the_catalogue_replaces_the_stock_phrases():
    with translation.override("zh-hans"):
        assert translation.gettext("Save and add another") == "保存并继续新增"
        assert translation.gettext("Add another %(verbose_name)s") % {"verbose_name": "证明材料"} == (
            "继续添加证明材料"
        )
        assert translation.gettext("Select %s to change") % "党小组周报" == "党小组周报"
        assert translation.gettext(" By %(filter_title)s ") % {"filter_title": "状态"} == " 按状态 "


def test_admin_add_page_and_list_read_in_plain_chinese(wb, login):
    from tests.factories.units import make_user

    client = login(make_user("wb_root", is_superuser=True))
    add = client.get("/admin/reports/groupweeklyreport/add/").content.decode()
    assert "保存并继续新增" in add
    listing = client.get("/admin/reports/groupweeklyreport/").content.decode()
    inline = client.get("/admin/commendations/nomination/add/").content.decode()
    for text in (add, listing):
        for stock in STOCK:
            assert stock not in text, stock
    # the inline's button text travels as JSON in a data attribute (non-ASCII escaped)
    assert "\\u7ee7\\u7eed\\u6dfb\\u52a0" in inline  # 继续添加
    assert "\\u6dfb\\u52a0\\u53e6\\u4e00\\u4e2a" not in inline  # 添加另一个
