"""The hand-built operation every test here stands on.

Roles are built in the tests (the default roles bundle ``operations.*`` through
``apps/access/roles.py``; these tests do not depend on that)::

    甲市支队 (det, the committee)          ── 甲区大队 ── 甲站 ── 甲站一班
                                                      └─ 乙站
                                           └─ 特勤站 (tqz)
    乙市支队 (det2, a sibling: out of scope) ── 乙区大队 ── 丙站
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.access.models import Role
from apps.access.roles import permissions_matching
from apps.party.models import OrganisationKind
from tests.factories.people import make_org, make_person
from tests.factories.units import build_tree, grant, make_user

BASE_VIEW = [
    "units.view_unit",
    "people.view_person",
    "party.view_*",
    "commendations.view_*",
    "evaluations.view_*",
]

ROLES = {
    # the detachment's administrator: everything in operations, not the confidential read
    "ops_admin": BASE_VIEW + ["operations.*"],
    # the committee's secretary: activate, observe, commend, read the confidential parts
    "ops_secretary": BASE_VIEW
    + [
        "operations.view_*",
        "operations.activate_operation",
        "operations.record_observation",
        "operations.commend_in_operation",
        "talks.view_talk_content",
    ],
    # a station's staff: file the daily report, pledges, front line and care for its people
    "ops_station": BASE_VIEW
    + [
        "operations.view_pledge",
        "operations.add_pledge",
        "operations.view_dailyreport",
        "operations.file_wartime_report",
        "operations.view_frontlineperson",
        "operations.add_frontlineperson",
        "operations.view_careaction",
        "operations.add_careaction",
    ],
    "ops_viewer": BASE_VIEW + ["operations.view_*"],
}


def make_role(code: str) -> Role:
    role, _ = Role.objects.get_or_create(code=code, defaults={"name": code})
    role.permissions.set(permissions_matching({"include": ROLES[code], "exclude": []}))
    return role


def user_on(code: str, unit, username=None):
    make_role(code)
    user = make_user(username)
    grant(user, unit, code)
    return user


@pytest.fixture
def ops(db):
    t = build_tree()
    o = SimpleNamespace(tree=t)
    o.today = timezone.localdate()
    o.start = o.today - datetime.timedelta(days=3)
    o.committee = make_org(t.det, OrganisationKind.COMMITTEE, name="甲市支队党委")
    o.bat_committee = make_org(t.bat, OrganisationKind.COMMITTEE, parent=o.committee, name="甲区大队党委")
    o.branch = make_org(t.station, OrganisationKind.BRANCH, parent=o.bat_committee, name="甲站党支部")
    o.branch2 = make_org(t.station2, OrganisationKind.BRANCH, parent=o.bat_committee, name="乙站党支部")
    o.tqz_branch = make_org(t.tqz, OrganisationKind.BRANCH, parent=o.committee, name="特勤站党支部")
    o.group = make_org(t.squad, OrganisationKind.PARTY_GROUP, parent=o.branch, name="甲站一班党小组")
    o.admin = user_on("ops_admin", t.det, "det_admin")
    o.secretary = user_on("ops_secretary", t.det, "det_secretary")
    o.station_staff = user_on("ops_station", t.station, "station_staff")
    o.tqz_staff = user_on("ops_station", t.tqz, "tqz_staff")
    o.sibling_admin = user_on("ops_admin", t.det2, "sibling_admin")
    o.viewer = user_on("ops_viewer", t.det, "det_viewer")
    o.leader = make_person(t.det, "蔡武军", position="政治委员")
    o.deputy = make_person(t.det, "王建国", position="副支队长")
    o.station_people = [make_person(t.station, f"甲站队员{i}", party_organisation=o.branch) for i in range(3)]
    o.station2_people = [
        make_person(t.station2, f"乙站队员{i}", party_organisation=o.branch2) for i in range(2)
    ]
    o.tqz_people = [make_person(t.tqz, f"特勤队员{i}", party_organisation=o.tqz_branch) for i in range(4)]
    o.outsider = make_person(t.station3, "丙站队员")
    return o


@pytest.fixture
def operation(ops):
    """A prepared (not yet active) epidemic operation of 甲市支队 over its whole subtree."""
    from apps.operations.services import operation_create

    return operation_create(
        name="新冠肺炎疫情防控",
        kind="epidemic",
        unit=ops.tree.det,
        committee=ops.committee,
        start_date=ops.start,
        reason="疫情防控阻击战打响，支队党委启动战时思想政治工作机制。",
        actor=ops.admin,
    )


@pytest.fixture
def active(ops, operation):
    from apps.operations.services import operation_activate

    return operation_activate(operation=operation, actor=ops.secretary)
