"""The admin matrix of the commendations admins (issue 16): every add, change, delete, history,
decide and action page, GET and POST, for every role granted on 甲站, on objects in scope (甲站)
and out of scope (its sibling 乙站). Expected outcomes come from the authority table
(``apps.access.authority.may``) and the role's permissions, never from the admin itself."""

import datetime

import pytest

from apps.access.authority import may
from apps.commendations import services
from apps.commendations.models import Delegation, Nomination, Quota
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
ROLES = ["hq_admin", "unit_admin", "secretary", "talker", "approver", "viewer"]
S = Nomination.Status
INLINES = {
    f"{prefix}-{key}": 0
    for prefix in ("supports", "attachments", "decisions", "objections")
    for key in ("TOTAL_FORMS", "INITIAL_FORMS")
}
BASE = "/admin/commendations"


@pytest.fixture
def world(tree):
    root = make_user("mx_root", is_superuser=True)
    return {
        "root": root,
        "mine": make_nomination(tree.station, root, make_person(tree.station)),
        "theirs": make_nomination(tree.station2, root, make_person(tree.station2)),
    }


MISSING = 987654321


def hidden(client, url: str, pk) -> bool:
    """Out of scope looks exactly like missing: the same answer as for an id that does not
    exist (404, the admin's redirect away, or a 403 that does not depend on the object)."""
    response = client.get(url.format(pk=pk))
    missing = client.get(url.format(pk=MISSING))
    if response.status_code != missing.status_code:
        return False
    if response.status_code == 302:
        return response["Location"] == missing["Location"].replace(str(MISSING), str(pk)) or (
            f"/{pk}/" not in response["Location"]
        )
    return response.status_code in (403, 404)


def nomination_form(n, **changes):
    data = {
        "unit": n.unit_id,
        "award_kind": n.award_kind_id,
        "year": n.year,
        "subject_person": n.subject_person_id or "",
        "deeds": n.deeds,
        "source_note": "",
        **INLINES,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_nomination_admin_pages_follow_the_authority_table(role, tree, world, client):
    user = user_with_role(role, tree.station, f"mx_{role}")
    client.force_login(user)
    mine, theirs = world["mine"], world["theirs"]
    can_view = user.has_perm("commendations.view_nomination", mine)
    can_change = user.has_perm("commendations.change_nomination", mine)
    may_draft = may(user, "nomination.draft", tree.station)
    may_delete = may(user, "nomination.delete", tree.station)

    # add
    add = client.get(f"{BASE}/nomination/add/")
    assert add.status_code == (200 if may_draft else 403), (role, "add GET")
    person = make_person(tree.station)
    row = {
        "unit": tree.station.pk,
        "award_kind": kind().pk,
        "year": 2026,
        "subject_person": person.pk,
        "deeds": "事迹",
        **INLINES,
    }
    created = client.post(f"{BASE}/nomination/add/", row)
    assert Nomination.objects.filter(subject_person=person).exists() == may_draft, (role, "add POST")
    assert created.status_code == (302 if may_draft else 403), (role, created.status_code)
    outsider = make_person(tree.station2)
    client.post(f"{BASE}/nomination/add/", {**row, "unit": tree.station2.pk, "subject_person": outsider.pk})
    assert not Nomination.objects.filter(subject_person=outsider).exists(), (role, "add POST out of scope")

    # change, history, decide: in scope
    change = client.get(f"{BASE}/nomination/{mine.pk}/change/")
    assert change.status_code == (200 if can_view or can_change else 403), (role, "change GET")
    history = client.get(f"{BASE}/nomination/{mine.pk}/history/").status_code
    assert history == 200 if can_view else history in (403, 404), (role, "history GET")
    decide = client.get(f"{BASE}/nomination/{mine.pk}/decide/").status_code
    assert decide == 200 if can_view else decide in (403, 404), (role, "decide GET")
    client.post(f"{BASE}/nomination/{mine.pk}/change/", nomination_form(mine, deeds="改写的事迹"))
    assert (Nomination.objects.get(pk=mine.pk).deeds == "改写的事迹") == can_change, (role, "change POST")

    # out of scope: every page looks missing, every POST changes nothing
    for page in ("change", "history", "delete", "decide"):
        assert hidden(client, f"{BASE}/nomination/{{pk}}/{page}/", theirs.pk), (role, page)
    client.post(f"{BASE}/nomination/{theirs.pk}/change/", nomination_form(theirs, deeds="越权"))
    client.post(f"{BASE}/nomination/{theirs.pk}/delete/", {"post": "yes"})
    client.post(f"{BASE}/nomination/{theirs.pk}/decide/", {"action": "submit"})
    for action in ("approve_selected", "delete_selected"):
        client.post(f"{BASE}/nomination/", {"action": action, "_selected_action": [theirs.pk], "post": "yes"})
    theirs_now = Nomination.objects.get(pk=theirs.pk)
    assert (theirs_now.deeds, theirs_now.status) == (theirs.deeds, S.DRAFT), (role, "outside changed")

    # delete: a fresh draft by the authority table; one in the workflow never
    fresh = make_nomination(tree.station, world["root"], make_person(tree.station))
    assert client.get(f"{BASE}/nomination/{fresh.pk}/delete/").status_code == (200 if may_delete else 403)
    client.post(f"{BASE}/nomination/{fresh.pk}/delete/", {"post": "yes"})
    assert Nomination.objects.filter(pk=fresh.pk).exists() != may_delete, (role, "delete POST")
    busy = services.nomination_submit(
        nomination=make_nomination(tree.station, world["root"], make_person(tree.station)),
        actor=world["root"],
    )
    assert client.get(f"{BASE}/nomination/{busy.pk}/delete/").status_code == 403, role
    assert client.post(f"{BASE}/nomination/{busy.pk}/delete/", {"post": "yes"}).status_code == 403, role
    assert Nomination.objects.filter(pk=busy.pk).exists()

    # decide: review of a submitted nomination by the authority table
    client.post(f"{BASE}/nomination/{busy.pk}/decide/", {"action": "review", "comment": ""})
    reviewed = Nomination.objects.get(pk=busy.pk).status == S.APPROVING
    assert reviewed == may(user, "nomination.review", tree.station), (role, "review")


@pytest.mark.parametrize("role", ROLES)
def test_quota_admin_pages_follow_the_authority_table(role, tree, client):
    user = user_with_role(role, tree.station, f"mq_{role}")
    client.force_login(user)
    own = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)  # the capped unit
    below = Quota.objects.create(unit=tree.squad, award_kind=kind(), year=2026, limit=2)
    theirs = Quota.objects.create(unit=tree.station2, award_kind=kind(), year=2026, limit=2)
    can_view = user.has_perm("commendations.view_quota", own)
    can_add = user.has_perm("commendations.add_quota", tree.station)

    def form(quota, **changes):
        return {
            "unit": quota.unit_id,
            "award_kind": quota.award_kind_id,
            "year": quota.year,
            "period": "",
            **changes,
        }

    assert client.get(f"{BASE}/quota/add/").status_code == (200 if can_add else 403), role
    client.post(f"{BASE}/quota/add/", form(below, year=2027, limit=5))
    assert Quota.objects.filter(unit=tree.squad, year=2027).exists() == (
        can_add and may(user, "quota.set", tree.squad)
    ), (role, "add below")
    client.post(f"{BASE}/quota/add/", form(own, year=2027, limit=5))
    assert not Quota.objects.filter(unit=tree.station, year=2027).exists(), (role, "add on own unit")

    for quota, sets in ((own, False), (below, may(user, "quota.set", tree.squad))):
        page = client.get(f"{BASE}/quota/{quota.pk}/change/")
        assert page.status_code == (200 if can_view else 403), (role, "change GET")
        client.post(f"{BASE}/quota/{quota.pk}/change/", form(quota, limit=99))
        assert (Quota.objects.get(pk=quota.pk).limit == 99) == sets, (role, quota.unit.name, "change POST")
        assert client.get(f"{BASE}/quota/{quota.pk}/delete/").status_code == (200 if sets else 403), role
    assert may(user, "quota.set", tree.station) is False  # the capped unit never sets its own

    for page in ("change", "history", "delete"):
        assert hidden(client, f"{BASE}/quota/{{pk}}/{page}/", theirs.pk), (role, page)
    client.post(f"{BASE}/quota/{theirs.pk}/change/", form(theirs, limit=99))
    client.post(f"{BASE}/quota/{theirs.pk}/delete/", {"post": "yes"})
    assert Quota.objects.get(pk=theirs.pk).limit == 2, role

    sets_below = may(user, "quota.set", tree.squad)
    client.post(f"{BASE}/quota/{below.pk}/delete/", {"post": "yes"})
    assert Quota.objects.filter(pk=below.pk).exists() != sets_below, (role, "delete POST")


@pytest.mark.parametrize("role", ROLES)
def test_delegation_admin_pages_follow_the_authority_table(role, tree, client):
    user = user_with_role(role, tree.station, f"md_{role}")
    colleague = user_with_role("viewer", tree.station, f"md_colleague_{role}")
    today = str(datetime.date.today())
    client.force_login(user)
    approves = services.approves_anywhere(user)
    assert client.get(f"{BASE}/delegation/add/").status_code == (200 if approves else 403), role
    client.post(
        f"{BASE}/delegation/add/", {"deputy": colleague.username, "starts_on": today, "ends_on": today}
    )
    assert Delegation.objects.filter(deputy=colleague).exists() == approves, (role, "add POST")
    other_approver = user_with_role("approver", tree.station, f"md_other_{role}")
    someone_elses = Delegation.objects.create(
        approver=other_approver,
        deputy=colleague,
        starts_on=datetime.date.today(),
        ends_on=datetime.date.today(),
    )
    for page in ("change", "delete", "history"):
        assert hidden(client, f"{BASE}/delegation/{{pk}}/{page}/", someone_elses.pk), (role, page)
    client.post(f"{BASE}/delegation/{someone_elses.pk}/delete/", {"post": "yes"})
    assert Delegation.objects.filter(pk=someone_elses.pk).exists(), role


@pytest.mark.parametrize("role", ROLES)
def test_award_order_and_exemplary_admin_pages_hide_what_is_out_of_scope(role, tree, client):
    from apps.commendations.models import AwardOrder, ExemplaryModel

    root = make_user(f"mo_root_{role}", is_superuser=True)
    reviewer = user_with_role("secretary", tree.station2, f"mo_rev_{role}")
    a_bat = user_with_role("approver", tree.bat, f"mo_bat_{role}")
    a_det = user_with_role("approver", tree.det, f"mo_det_{role}")
    n = advance(make_nomination(tree.station2, root, make_person(tree.station2)), reviewer, a_bat, a_det)
    services.notices_close(today=n.notice_ends_on + datetime.timedelta(days=1))
    order = services.award_order_issue(
        unit=tree.station2,
        number=f"乙站〔2026〕{role}号",
        title="通报",
        nominations=[n],
        actor=root,
        exemplary=[n],
    )
    exemplary = ExemplaryModel.objects.get(nomination=n)
    client.force_login(user_with_role(role, tree.station, f"mo_{role}"))
    for model, obj in (("awardorder", order), ("exemplarymodel", exemplary)):
        for page in ("change", "history", "delete"):
            assert hidden(client, f"{BASE}/{model}/{{pk}}/{page}/", obj.pk), (role, model, page)
        client.post(f"{BASE}/{model}/{obj.pk}/delete/", {"post": "yes"})
    assert client.get(f"{BASE}/awardorder/{order.pk}/document/").status_code == 404
    assert (
        AwardOrder.objects.filter(pk=order.pk).exists()
        and ExemplaryModel.objects.filter(pk=exemplary.pk).exists()
    )


def test_the_nomination_changelist_runs_a_constant_number_of_queries(tree, world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user_with_role("unit_admin", tree.station, "mx_counter"))
    client.get(f"{BASE}/nomination/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/nomination/")
    for _ in range(6):
        make_nomination(tree.station, world["root"], make_person(tree.station))
    with CaptureQueriesContext(connection) as many:
        client.get(f"{BASE}/nomination/")
    assert len(many) == len(few)
