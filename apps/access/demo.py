"""Demo users: HQ, a corps, a detachment, a station, approvers, a talker and a secretary."""

from django.contrib.auth import get_user_model

from .models import Role
from .services import role_grant

# username, family name, given name, role code(s), unit code
DEMO_USERS = [
    ("demo_hq", "王", "建国", ["hq_admin"], "XFJ"),
    ("demo_guizhou", "李", "黔峰", ["hq_admin", "secretary"], "GZ"),
    ("demo_zunyi", "陈", "遵明", ["unit_admin"], "GZ-ZY"),
    ("demo_zunyi_secretary", "周", "红军", ["secretary"], "GZ-ZY"),
    ("demo_huizhi", "杨", "会址", ["unit_admin", "talker"], "GZ-ZY-HH-HZ"),
    ("demo_changzhi", "赵", "长治", ["unit_admin"], "SX-CZ"),
    ("demo_tqz", "郭", "特勤", ["unit_admin", "talker"], "SX-CZ-TQ"),
    ("demo_mudanjiang", "孙", "牡丹", ["unit_admin"], "HLJ-MDJ"),
    ("demo_approver_battalion", "吴", "审批", ["approver"], "GZ-ZY-HH"),
    ("demo_approver_zunyi", "郑", "遵义", ["approver"], "GZ-ZY"),
    ("demo_approver_guizhou", "冯", "贵州", ["approver"], "GZ"),
    ("demo_approver_bureau", "韩", "总局", ["approver"], "XFJ"),
    ("demo_viewer", "何", "查看", ["viewer"], "GZ-ZY"),
]


def load(ctx):
    User = get_user_model()
    roles = {r.code: r for r in Role.objects.all()}
    ctx["users"] = {}
    admin = User.objects.create_superuser(
        "demo_admin", "admin@example.invalid", ctx["password"], last_name="系统", first_name="管理员"
    )
    ctx["users"]["demo_admin"] = admin
    for username, family, given, role_codes, unit_code in DEMO_USERS:
        user = User.objects.create_user(
            username, password=ctx["password"], last_name=family, first_name=given, is_staff=True
        )
        for code in role_codes:
            role_grant(user=user, unit=ctx["units"][unit_code], role=roles[code], actor=admin)
        ctx["users"][username] = user
