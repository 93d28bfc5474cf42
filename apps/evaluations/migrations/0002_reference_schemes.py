"""Reference schemes shipped with every install (editable in the admin afterwards)."""

from decimal import Decimal

from django.db import migrations

PEOPLE_BANDS = [("优秀", 90), ("称职", 75), ("基本称职", 60), ("不称职", 0)]

SCHEMES = [
    {
        "code": "annual",
        "name": "年度考核",
        "subject_kind": "person",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "干部年度考核，按德、能、勤、绩、廉评定优秀、称职、基本称职、不称职。",
        "bands": PEOPLE_BANDS,
        "criteria": [
            ("德", "政治素质和思想品德", 20, 100, []),
            ("能", "履职能力和业务水平", 20, 100, []),
            ("勤", "工作态度和出勤", 20, 100, []),
            ("绩", "工作实绩", 30, 100, []),
            ("廉", "廉洁自律", 10, 100, []),
        ],
    },
    {
        "code": "wartime",
        "name": "战时干部考察考核",
        "subject_kind": "person",
        "period_kind": "campaign",
        "aggregation": "role_weighted",
        "description": "急难险重任务中对干部的考察考核，党委书记/政治委员评分权重高于其他评价人。",
        "bands": PEOPLE_BANDS,
        "criteria": [
            ("政治表现", "关键时刻的政治立场和表率作用", 25, 100, []),
            ("履职尽责", "任务完成情况", 30, 100, []),
            ("担当作为", "急难险重任务中的担当", 25, 100, []),
            ("作风纪律", "作风和纪律表现", 20, 100, []),
        ],
    },
    {
        "code": "group_rating",
        "name": "党小组量化评比",
        "subject_kind": "party_group",
        "period_kind": "year",
        "aggregation": "mean",
        "honour_top_n": 1,
        "description": "党支部年终对所属党小组量化评比，排名靠前的评为年度先进党小组。",
        "bands": [("先进", 90), ("良好", 80), ("一般", 60), ("较差", 0)],
        "criteria": [
            ("组织生活", "按时召开党小组会，记录完整", 25, 25, []),
            ("学习教育", "微党课、理论学习", 20, 20, []),
            ("作用发挥", "执勤训练和急难险重任务中的先锋作用", 25, 25, []),
            ("三人包保", "互帮互助落实情况", 15, 15, []),
            ("周报告与微会议", "每周向支部报告、微会议、微报告", 15, 15, []),
        ],
    },
    {
        "code": "six_plus_one",
        "name": "6+1考评体系",
        "subject_kind": "party_org",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "总队对党支部的“6+1”考评：六项党的建设加一项党建与中心工作融合。",
        "bands": [("好", 90), ("较好", 80), ("一般", 60), ("差", 0)],
        "criteria": [
            ("政治建设", "", 1, 100, []),
            ("思想建设", "", 1, 100, []),
            ("组织建设", "", 1, 100, []),
            ("作风建设", "", 1, 100, []),
            ("纪律建设", "", 1, 100, []),
            ("制度建设", "", 1, 100, []),
            ("党建与中心工作融合", "“+1”：党建引领执勤训练和灭火救援", 1, 100, []),
        ],
    },
    {
        "code": "standardisation",
        "name": "标准化规范化建设",
        "subject_kind": "party_org",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "党支部标准化规范化建设检查表（分项下设细项，按细项打分）。",
        "bands": [("达标", 80), ("基本达标", 60), ("不达标", 0)],
        "criteria": [
            ("组织设置", "", 0, 30, [("支部设置规范", "", 10, 10), ("班子配备齐全", "", 20, 20)]),
            ("组织生活", "", 0, 40, [("三会一课", "", 25, 25), ("主题党日", "", 15, 15)]),
            ("党员管理", "", 0, 20, [("发展党员程序规范", "", 10, 10), ("党费按时足额收缴", "", 10, 10)]),
            ("阵地与档案", "", 10, 10, []),
        ],
    },
    {
        "code": "satisfaction",
        "name": "满意率",
        "subject_kind": "unit",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "满意度测评：得分为满意票占有效票的百分比（0–100）。",
        "bands": [("满意", 90), ("基本满意", 70), ("不满意", 0)],
        "criteria": [("满意率", "满意票数 ÷ 有效票数 × 100", 1, 100, [])],
    },
]


def add_schemes(apps, schema_editor):
    Scheme = apps.get_model("evaluations", "Scheme")
    Criterion = apps.get_model("evaluations", "Criterion")
    GradeBand = apps.get_model("evaluations", "GradeBand")
    for spec in SCHEMES:
        scheme, created = Scheme.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "subject_kind": spec["subject_kind"],
                "period_kind": spec["period_kind"],
                "aggregation": spec["aggregation"],
                "description": spec["description"],
                "honour_top_n": spec.get("honour_top_n", 1),
            },
        )
        if not created:
            continue
        for label, minimum in spec["bands"]:
            GradeBand.objects.create(scheme=scheme, label=label, min_total=Decimal(minimum))
        for order, (name, description, weight, maximum, children) in enumerate(spec["criteria"], start=1):
            parent = Criterion.objects.create(
                scheme=scheme,
                name=name,
                description=description,
                weight=Decimal(weight),
                max_score=Decimal(maximum),
                order=order * 10,
            )
            for sub_order, (sub_name, sub_description, sub_weight, sub_max) in enumerate(children, start=1):
                Criterion.objects.create(
                    scheme=scheme,
                    parent=parent,
                    name=sub_name,
                    description=sub_description,
                    weight=Decimal(sub_weight),
                    max_score=Decimal(sub_max),
                    order=order * 10 + sub_order,
                )


def remove_schemes(apps, schema_editor):
    Scheme = apps.get_model("evaluations", "Scheme")
    Scheme.objects.filter(code__in=[s["code"] for s in SCHEMES], evaluations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(add_schemes, remove_schemes)]
