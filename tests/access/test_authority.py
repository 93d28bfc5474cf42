"""The authority table (``apps/access/authority.py``) walked for every default role.

Each role is granted on a station and, separately, on a battalion; ``may()`` is asked for
every action of the table on units in scope (the granted unit and below) and out of scope
(the parent, a sibling, another detachment), and must answer what the table below says.
The expected outcomes are written out here by hand, not derived from the code: a change of
a bundle in ``apps/access/roles.py`` or of a rule in the table that changes who may do what
fails here until this table is changed with it.
"""

import pytest
from django.contrib.auth.models import Permission

from apps.access.authority import ABOVE, AUTHORITY, SUPERUSER, UNIT, authorize, may, rule_for
from apps.access.models import Role
from apps.access.roles import DEFAULT_ROLES
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db

ROLES = list(DEFAULT_ROLES)

#: action → the default roles that hold it (where their grant reaches, at the rule's level)
EXPECTED = {
    "nomination.draft": {"hq_admin", "unit_admin", "secretary"},
    "nomination.review": {"secretary"},
    "nomination.approve": {"approver"},
    "nomination.delete": {"hq_admin", "unit_admin"},
    "quota.set": {"hq_admin", "unit_admin"},
    "delegation.create": {"approver"},
    "award_kind.manage": {"hq_admin", "unit_admin"},  # asked on the root units by the services
    "reporting_policy.manage": {"hq_admin", "unit_admin"},
    "deliberation_list.manage": {"hq_admin", "unit_admin"},  # asked on the root units
    "grant.create": {"hq_admin", "unit_admin"},
    "grant.change": {"hq_admin", "unit_admin"},
    "grant.revoke": {"hq_admin", "unit_admin"},
    "role.edit": set(),
    "user.flags": set(),
    "user.create": set(),
    "user.delete": set(),
    "user.manage": {"hq_admin", "unit_admin"},
    "talk.read_content": {"secretary"},
    "talk.record": {"hq_admin", "unit_admin", "secretary", "talker"},
    "talk.share": {"secretary"},
    "talk.delete": set(),
    "operation.activate": {"hq_admin", "unit_admin", "secretary"},
    "operation.report": {"hq_admin", "unit_admin", "secretary"},
    "operation.observe": {"hq_admin", "secretary"},
    "operation.commend": {"hq_admin", "secretary"},
    # asked of the tree's root by the evaluations services (schemes are shared reference data)
    "scheme.manage": {"hq_admin", "unit_admin", "secretary"},
}

#: level of each action: who decides it relative to the unit acted on
EXPECTED_LEVEL = {
    "quota.set": ABOVE,  # set by the level that allocates it
    "reporting_policy.manage": ABOVE,  # a unit does not exempt itself from reporting
    "role.edit": SUPERUSER,
    "user.flags": SUPERUSER,
    "user.create": SUPERUSER,
    "user.delete": SUPERUSER,
    "talk.delete": SUPERUSER,  # confidential records are never hard-deleted by unit staff
}

#: grant level → (granted unit, units in scope, units out of scope), attribute names of ``tree``
LEVELS = {
    "station": ("station", ("station", "squad"), ("bat", "station2", "station3")),
    "battalion": ("bat", ("bat", "station", "station2", "squad"), ("det", "station3", "squad3")),
}


def expected(action: str, role: str, target: str, granted: str, in_scope: bool, tree) -> bool:
    if role not in EXPECTED[action] or not in_scope:
        return False
    level = EXPECTED_LEVEL.get(action, UNIT)
    if level == SUPERUSER:
        return False
    if level == ABOVE:  # held on a strict ancestor of the target: never on the granted unit itself
        return target != granted
    return True


def test_the_table_covers_every_sensitive_act_of_the_issue():
    acts = ["draft", "review", "approve", "quota", "delete", "read_content", "delegation", "grant"]
    for act in acts:
        assert any(act in action for action in AUTHORITY), act
    assert set(EXPECTED) == set(AUTHORITY), "every rule has an expected outcome here, and no more"


def test_every_rule_names_a_permission_that_exists():
    for action, rule in AUTHORITY.items():
        app_label, codename = rule.permission.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (
            action
        )
        assert rule.level == EXPECTED_LEVEL.get(action, UNIT), action


def test_an_unknown_action_fails_loudly_never_allows(tree):
    with pytest.raises(LookupError):
        rule_for("nomination.aprove")
    with pytest.raises(LookupError):
        may(make_user(is_superuser=True), "nomination.aprove", tree.station)


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("role", ROLES)
def test_may_answers_the_expected_table_for_every_role_in_and_out_of_scope(tree, role, level):
    granted, inside, outside = LEVELS[level]
    user = user_with_role(role, getattr(tree, granted))
    wrong = []
    for action in AUTHORITY:
        for target, in_scope in [(t, True) for t in inside] + [(t, False) for t in outside]:
            want = expected(action, role, target, granted, in_scope, tree)
            if may(user, action, getattr(tree, target)) != want:
                wrong.append((action, target, "expected", want))
    assert wrong == []


def test_a_superuser_may_do_everything_everywhere_and_nobody_else_without_a_unit(tree):
    root = make_user(is_superuser=True)
    hq = user_with_role("hq_admin", tree.root)
    for action in AUTHORITY:
        assert may(root, action, tree.station) and may(root, action, None)
        assert not may(hq, action, None), action


def test_inactive_and_anonymous_users_may_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    hq = user_with_role("hq_admin", tree.root)
    type(hq).objects.filter(pk=hq.pk).update(is_active=False)
    hq.refresh_from_db()
    for action in AUTHORITY:
        assert not may(hq, action, tree.station)
        assert not may(AnonymousUser(), action, tree.station)
        assert not may(None, action, tree.station)


def test_a_refusal_says_what_and_where_in_chinese(tree):
    from django.core.exceptions import PermissionDenied

    admin = user_with_role("unit_admin", tree.station)
    with pytest.raises(PermissionDenied, match="上级单位设定表彰名额"):
        authorize(admin, "quota.set", tree.station)
    with pytest.raises(PermissionDenied, match="只有系统管理员可以编辑角色"):
        authorize(admin, "role.edit", tree.station)
    with pytest.raises(PermissionDenied, match="该单位审批表彰推荐"):
        authorize(admin, "nomination.approve", tree.station)


# --- the bundles in roles.py agree with the table -----------------------------------------------


def bundle(code: str) -> set[str]:
    role = Role.objects.get(code=code)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.select_related("content_type")
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_bundle_carries_exactly_the_authority_the_table_expects(role):
    held = bundle(role)
    for action, rule in AUTHORITY.items():
        if rule.level == SUPERUSER:
            assert rule.permission not in held, (role, action, "a superuser-only act in a bundle")
        else:
            assert (rule.permission in held) == (role in EXPECTED[action]), (role, action)


def test_no_role_but_the_secretary_reads_talk_content_or_personal_data_outside_hq():
    assert {r for r in ROLES if "talks.view_talk_content" in bundle(r)} == {"secretary"}
    assert {r for r in ROLES if "people.view_personal_data" in bundle(r)} == {"hq_admin", "secretary"}


def test_unit_admin_cannot_approve_review_read_content_or_edit_roles():
    held = bundle("unit_admin")
    for perm in (
        "commendations.approve_nomination",
        "commendations.review_nomination",
        "talks.view_talk_content",
        "people.view_personal_data",
        "access.change_role",
        "access.add_role",
        "talks.delete_talkrecord",
        "talks.delete_talkcontentaccess",
    ):
        assert perm not in held, perm


def test_nobody_edits_roles_or_account_flags_through_a_bundle():
    for role in ROLES:
        held = bundle(role)
        assert not {p for p in held if p.startswith("auth.")}, role
        assert not held & {"access.add_role", "access.change_role", "access.delete_role"}, role


OPERATIONS = {
    "activate_operation",
    "file_wartime_report",
    "record_observation",
    "commend_in_operation",
}


def operations_acts(role: str) -> set[str]:
    return {p.split(".")[1] for p in bundle(role) if p.split(".")[1] in OPERATIONS}


def operations_writes(role: str) -> set[str]:
    return {
        p.split(".")[1]
        for p in bundle(role)
        if p.startswith("operations.") and not p.split(".")[1].startswith("view_")
    }


def test_operations_bundles():
    all_ops = {p.codename for p in Permission.objects.filter(content_type__app_label="operations")}
    assert {p.split(".")[1] for p in bundle("hq_admin") if p.startswith("operations.")} == all_ops
    unit_admin = {p.split(".")[1] for p in bundle("unit_admin") if p.startswith("operations.")}
    assert unit_admin == all_ops - {"commend_in_operation", "record_observation"}
    assert operations_acts("secretary") == OPERATIONS
    assert operations_writes("secretary") == OPERATIONS  # besides reading, only the four acts
    for role in ("talker", "viewer"):
        ops = {p.split(".")[1] for p in bundle(role) if p.startswith("operations.")}
        assert ops == {c for c in all_ops if c.startswith("view_")}, role
    assert not {p for p in bundle("approver") if p.startswith("operations.")}


def test_station_staff_file_wartime_reports(tree):
    station_admin = user_with_role("unit_admin", tree.station)
    assert may(station_admin, "operation.report", tree.station)
    assert not may(station_admin, "operation.report", tree.station2)
    assert not may(station_admin, "operation.commend", tree.station)
