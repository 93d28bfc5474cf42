"""Reference data: the award kinds and the level whose approval makes each final."""

from django.db import migrations

KINDS = [
    ("circular_praise", "通报表扬", "detachment", False, 3),
    ("commendation", "嘉奖", "detachment", False, 5),
    ("merit_third", "三等功", "corps", False, 5),
    ("merit_second", "二等功", "corps", False, 7),
    ("merit_first", "一等功", "bureau", False, 7),
    ("honorary_title", "荣誉称号", "bureau", False, 7),
    ("advanced_party_org", "先进基层党组织", "bureau", True, 7),
    ("excellent_member", "优秀共产党员", "corps", False, 5),
    ("excellent_party_worker", "优秀党务工作者", "corps", False, 5),
    ("advanced_party_group", "先进党小组", "detachment", True, 3),
]


def seed(apps, schema_editor):
    AwardKind = apps.get_model("commendations", "AwardKind")
    for order, (code, name, level, collective, days) in enumerate(KINDS):
        AwardKind.objects.get_or_create(
            code=code, defaults={"name": name, "approving_kind": level, "collective": collective, "notice_days": days, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("commendations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
