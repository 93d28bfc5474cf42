"""The workbench's fixtures: the hand-built tree with one user per role and a little data."""

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client

from apps.access.models import Grant, Role
from tests.factories.people import make_org, make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role


def named(user, family, given):
    user.last_name, user.first_name = family, given
    user.save(update_fields=["last_name", "first_name"])  # test data, not a product write
    return user


@pytest.fixture
def wb(tree):
    """Users (with names) and people in 甲站 and 丙站 (the sibling detachment's station)."""
    w = SimpleNamespace(tree=tree)
    w.station_admin = named(user_with_role("unit_admin", tree.station, "wb_station"), "杨", "站长")
    Grant.objects.create(user=w.station_admin, unit=tree.station, role=Role.objects.get(code="talker"))
    w.other_station_admin = named(user_with_role("unit_admin", tree.station3, "wb_station3"), "丁", "丙站")
    w.secretary = named(user_with_role("secretary", tree.det, "wb_secretary"), "周", "书记")
    w.approver = named(user_with_role("approver", tree.bat, "wb_approver"), "吴", "审批")
    w.hq = named(user_with_role("hq_admin", tree.corps, "wb_hq"), "王", "总部")
    w.people = [make_person(tree.station, name=n) for n in ("张三", "李四", "王五")]
    w.other_people = [make_person(tree.station3, name=n) for n in ("赵丙", "钱丙")]
    w.group = make_org(tree.squad, "party_group", make_org(tree.station), name="甲站一班党小组")
    return w


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    return client_for


def grow(unit, n):
    """``n`` more people, each talked with, with one follow-up: a bigger unit."""
    talker = user_with_role("talker", unit)
    for _ in range(n):
        person = make_person(unit)
        make_talk(
            person,
            talker,
            date=datetime.date.today(),
            followups=[{"owner": talker, "due_date": datetime.date.today(), "description": "回访"}],
        )
