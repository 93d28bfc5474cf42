"""Reference data: the 八必议 / 七必议 / 四必议 lists (editable in the admin afterwards)."""

from django.db import migrations

LISTS = {
    "eight": ("八必议", "corps,detachment", [
        "贯彻落实上级重大决策部署",
        "年度工作计划、总结和重大工作安排",
        "干部选拔任用、调整交流和推荐",
        "重大经费开支和大宗物资采购",
        "表彰奖励和发展党员",
        "重大安全事故和违纪违规问题的处理",
        "队伍管理和官兵切身利益的重大事项",
        "党风廉政建设和意识形态工作重大事项",
    ]),
    "seven": ("七必议", "battalion", [
        "贯彻落实上级决策部署",
        "季度和年度工作安排",
        "干部调整和推荐",
        "经费开支和物资采购",
        "表彰奖励和发展党员",
        "安全事故和违纪问题的处理",
        "官兵切身利益事项",
    ]),
    "four": ("四必议", "station", [
        "发展党员和党员教育管理",
        "评先评优和表彰奖励推荐",
        "经费使用",
        "官兵切身利益事项",
    ]),
}


def seed(apps, schema_editor):
    DeliberationList = apps.get_model("reports", "DeliberationList")
    DeliberationItem = apps.get_model("reports", "DeliberationItem")
    for code, (name, kinds, items) in LISTS.items():
        lst, _ = DeliberationList.objects.get_or_create(code=code, defaults={"name": name, "unit_kinds": kinds})
        for order, text in enumerate(items, start=1):
            DeliberationItem.objects.get_or_create(list=lst, order=order, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
