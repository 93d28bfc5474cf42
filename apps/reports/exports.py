""".xlsx exports of reports records, shared by the API actions and the admin actions.

Each function takes an already scoped (and filtered) queryset and returns ``(headers, rows)``
with a fixed number of queries whatever the number of rows.
"""

from django.utils import timezone

from apps.party.models import PartyOrganisation
from apps.people.selectors import user_full_name

RESPONSIBILITY_HEADERS = [
    "年度",
    "党组织",
    "所在单位",
    "责任类别",
    "责任事项",
    "责任人",
    "完成期限",
    "完成日期",
    "状态",
    "佐证材料说明",
]

GROUP_WEEKLY_HEADERS = [
    "周（周一）",
    "党小组",
    "所属党支部",
    "所在单位",
    "本周工作",
    "下周计划",
    "党员思想状况",
    "困难问题",
    "填报人",
    "填报时间",
]


def responsibility_state(item, today) -> str:
    if item.completed_on:
        return "已完成"
    return "已逾期" if item.due_date < today else "进行中"


def responsibility_rows(queryset):
    today = timezone.localdate()
    items = queryset.select_related("organisation__unit", "assignee").order_by(
        "year", "organisation__path", "kind", "due_date", "pk"
    )
    rows = [
        [
            item.year,
            item.organisation.name,
            item.organisation.unit.name,
            item.get_kind_display(),
            item.description,
            item.assignee.name,
            item.due_date,
            item.completed_on,
            responsibility_state(item, today),
            item.evidence,
        ]
        for item in items
    ]
    return RESPONSIBILITY_HEADERS, rows


def group_weekly_rows(queryset):
    reports = list(
        queryset.select_related("group__unit", "filed_by").order_by("-week_start", "group__path", "pk")
    )
    step = PartyOrganisation.steplen
    parents = dict(
        PartyOrganisation.objects.filter(
            path__in={r.group.path[:-step] for r in reports if len(r.group.path) > step}
        ).values_list("path", "name")
    )
    rows = [
        [
            r.week_start,
            r.group.name,
            parents.get(r.group.path[:-step], ""),
            r.group.unit.name,
            r.work_done,
            r.next_week_plan,
            r.members_state_of_mind,
            r.difficulties,
            user_full_name(r.filed_by) or r.filed_by.username,
            r.filed_at,
        ]
        for r in reports
    ]
    return GROUP_WEEKLY_HEADERS, rows
