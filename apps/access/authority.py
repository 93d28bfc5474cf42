"""Who may do which sensitive thing, at which level: one declarative table.

Scope answers *where* a user may act (a grant covers a unit and its subtree); this table
answers *what* they may do there when the act carries authority beyond an ordinary edit:
drafting, reviewing and approving nominations, setting a quota, delegating, granting,
reading or deleting confidential content, running a wartime operation. Every door (API,
admin, workbench, tasks) asks the same question through the services:
``authorize(actor, "quota.set", unit)``.

Each rule names the permission a role must carry and the *level* at which it must be
held relative to the target unit:

* ``"unit"``  – held on the unit itself or an ancestor (an ordinary grant covers it);
* ``"above"`` – held on a strict ancestor: the level that allocates or supervises, never
  the unit acting on itself (a capped station does not raise its own quota);
* ``"superuser"`` – nobody but a superuser (roles, staff flags, hard deletes of
  confidential records).

``tests/access/test_authority.py`` walks this table for every role; the API, admin and
workbench matrices take their expected outcomes from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

UNIT = "unit"
ABOVE = "above"
SUPERUSER = "superuser"


@dataclass(frozen=True)
class Rule:
    permission: str  # "app_label.codename" a role must carry
    level: str = UNIT
    label: str = ""  # what the act is, in the words of the refusal


AUTHORITY: dict[str, Rule] = {
    # 表彰奖励
    "nomination.draft": Rule("commendations.add_nomination", UNIT, "起草表彰推荐"),
    "nomination.review": Rule("commendations.review_nomination", UNIT, "审核表彰推荐"),
    "nomination.approve": Rule("commendations.approve_nomination", UNIT, "审批表彰推荐"),
    "nomination.delete": Rule("commendations.delete_nomination", UNIT, "删除表彰推荐"),
    "quota.set": Rule("commendations.change_quota", ABOVE, "设定表彰名额"),
    "delegation.create": Rule("commendations.approve_nomination", UNIT, "委托审批"),
    # global reference data: the services ask it on every root unit (held at the top of the
    # tree, i.e. HQ for the whole installation) — a grant lower down edits nothing global
    "award_kind.manage": Rule("commendations.change_awardkind", UNIT, "管理奖项类别"),
    # 报告与会议
    # a unit does not exempt itself from the daily zero-report nor move its own deadline
    "reporting_policy.manage": Rule("reports.change_reportingpolicy", ABOVE, "设定零报告报送要求"),
    # global reference data, like award kinds (asked on every root unit)
    "deliberation_list.manage": Rule("reports.change_deliberationlist", UNIT, "管理必议事项清单"),
    # 授权与角色
    "grant.create": Rule("access.add_grant", UNIT, "授权"),
    "grant.change": Rule("access.change_grant", UNIT, "修改授权"),
    "grant.revoke": Rule("access.delete_grant", UNIT, "撤销授权"),
    "role.edit": Rule("access.change_role", SUPERUSER, "编辑角色"),
    "user.flags": Rule("auth.change_user", SUPERUSER, "设置管理员或超级用户"),
    "user.create": Rule("auth.add_user", SUPERUSER, "创建用户账号"),
    "user.delete": Rule("auth.delete_user", SUPERUSER, "删除用户账号"),
    # an account is managed where its grants and its person are (apps.access.services)
    "user.manage": Rule("access.change_grant", UNIT, "管理用户账号"),
    # 谈心谈话（保密）
    "talk.read_content": Rule("talks.view_talk_content", UNIT, "查阅谈话内容"),
    "talk.record": Rule("talks.add_talkrecord", UNIT, "登记谈心谈话"),
    "talk.share": Rule("talks.view_talk_content", UNIT, "共享谈话记录"),
    "talk.delete": Rule("talks.delete_talkrecord", SUPERUSER, "删除谈话记录"),
    # 战时行动
    "operation.activate": Rule("operations.activate_operation", UNIT, "启动或结束战时行动"),
    "operation.report": Rule("operations.file_wartime_report", UNIT, "报送战时日报"),
    "operation.observe": Rule("operations.record_observation", UNIT, "记录战时考察"),
    "operation.commend": Rule("operations.commend_in_operation", UNIT, "战时通报表扬"),
    # 考核考评: schemes are reference data shared by every corps, so the rule is asked on
    # every root unit (may_everywhere, apps.evaluations.services.scheme_may_manage): HQ at
    # the bureau or a superuser; a corps would otherwise change what other corps are
    # evaluated by
    "scheme.manage": Rule("evaluations.change_scheme", UNIT, "管理考核方案"),
}


def rule_for(action: str) -> Rule:
    try:
        return AUTHORITY[action]
    except KeyError:  # a typo in a service must fail loudly, never allow
        raise LookupError(f"no authority rule named {action!r}") from None


def may(actor, action: str, unit) -> bool:
    """Whether ``actor`` holds the authority ``action`` over ``unit`` (see the module doc)."""
    rule = rule_for(action)
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if rule.level == SUPERUSER or unit is None:
        return False
    if rule.level == ABOVE:
        parent = unit.get_parent() if unit.pk else None
        return parent is not None and actor.has_perm(rule.permission, parent)
    return actor.has_perm(rule.permission, unit)


def authorize(actor, action: str, unit) -> None:
    """Raise ``PermissionDenied`` (a Chinese message) unless ``may(actor, action, unit)``."""
    if not may(actor, action, unit):
        rule = rule_for(action)
        where = "上级单位" if rule.level == ABOVE else "该单位"
        if rule.level == SUPERUSER:
            raise PermissionDenied(f"只有系统管理员可以{rule.label}。")
        raise PermissionDenied(f"您无权在{where}{rule.label}。")


def may_everywhere(actor, action: str) -> bool:
    """``may`` on every live root unit: the authority over global reference data (award kinds,
    必议 lists), held at the top of the tree (HQ of the whole installation) or by a superuser."""
    from apps.core.request_cache import memoized
    from apps.units.models import Unit

    if actor is not None and actor.is_authenticated and actor.is_active and actor.is_superuser:
        return True
    if actor is None or not actor.is_authenticated:
        return False

    def decide():
        roots = memoized(
            ("live_roots",), lambda: list(Unit.objects.filter(depth=1, dissolved_on__isnull=True))
        )
        return bool(roots) and all(may(actor, action, root) for root in roots)

    # asked once per admin and permission on the admin index: answered once per request
    # (the key starts with "grants", so a grant given in the same request drops it)
    return memoized(("grants", "everywhere", actor.pk, action), decide)


def authorize_everywhere(actor, action: str) -> None:
    """Raise ``PermissionDenied`` (a Chinese message) unless ``may_everywhere(actor, action)``."""
    if not may_everywhere(actor, action):
        label = rule_for(action).label
        raise PermissionDenied(f"只有在最上级单位获得授权的管理员或系统管理员可以{label}（全局数据）。")
