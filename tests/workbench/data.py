"""The workbench's test data: the hand-built tree with one named user per role and a few people."""

import datetime
from types import SimpleNamespace

from tests.factories.people import make_org, make_person
from tests.factories.talks import make_talk
from tests.factories.units import grant, make_user, user_with_role


def named_user(username, family, given, *roles):
    """A user with a Chinese name and ``(role_code, unit)`` grants."""
    user = make_user(username, last_name=family, first_name=given)
    for role, unit in roles:
        grant(user, unit, role)
    return user


def build_wb(tree) -> SimpleNamespace:
    """Users (with names) and people in 甲站 and 丙站 (the sibling detachment's station)."""
    w = SimpleNamespace(tree=tree)
    w.station_admin = named_user(
        "wb_station", "杨", "站长", ("unit_admin", tree.station), ("talker", tree.station)
    )
    w.other_station_admin = named_user("wb_station3", "丁", "丙站", ("unit_admin", tree.station3))
    w.secretary = named_user("wb_secretary", "周", "书记", ("secretary", tree.det))
    w.approver = named_user("wb_approver", "吴", "审批", ("approver", tree.bat))
    w.hq = named_user("wb_hq", "王", "总部", ("hq_admin", tree.corps))
    w.people = [make_person(tree.station, name=n) for n in ("张三", "李四", "王五")]
    w.other_people = [make_person(tree.station3, name=n) for n in ("赵丙", "钱丙")]
    w.group = make_org(tree.squad, "party_group", make_org(tree.station), name="甲站一班党小组")
    return w


def grow(unit, n):
    """``n`` more people in ``unit``, each talked with today, each with one follow-up."""
    talker = user_with_role("talker", unit)
    today = datetime.date.today()
    for _ in range(n):
        make_talk(
            make_person(unit),
            talker,
            date=today,
            followups=[{"owner": talker, "due_date": today, "description": "回访"}],
        )
