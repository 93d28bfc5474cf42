"""年度先进党小组: top N per branch from the party-group rating, accepted with its members."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.evaluations.models import GroupHonour, HonourStatus, Scheme
from apps.evaluations.selectors import advanced_groups, is_advanced_group_member
from apps.evaluations.services import (
    evaluation_create,
    evaluation_publish,
    honour_accept,
    honour_reject,
    honours_propose,
    scores_submit,
)
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def _rate(group, actor, values):
    scheme = Scheme.objects.get(code="group_rating")
    evaluation = evaluation_create(scheme=scheme, subject=group, year=2026, actor=actor)
    leaves = list(scheme.criteria.order_by("order"))
    scores_submit(
        evaluation=evaluation, evaluator=actor, scores={c.pk: v for c, v in zip(leaves, values, strict=True)}
    )
    return evaluation_publish(evaluation=evaluation, actor=actor)


@pytest.fixture
def rated(tree, hq):
    branch = make_org(tree.station, "branch", name="甲站党支部")
    groups = [
        make_org(tree.station, "party_group", parent=branch, name=f"甲站第{i}党小组") for i in range(1, 5)
    ]
    other_branch = make_org(tree.station3, "branch", name="丙站党支部")
    other_groups = [
        make_org(tree.station3, "party_group", parent=other_branch, name=f"丙站第{i}党小组")
        for i in range(1, 3)
    ]
    # Maxima 25/20/25/15/15. 甲站: 2 and 3 tie at the top; 丙站: group 2 first.
    for group, values in zip(
        groups + other_groups,
        [
            (20, 15, 20, 10, 10),
            (25, 20, 25, 15, 14),
            (25, 20, 25, 14, 15),
            (10, 10, 10, 10, 10),
            (20, 20, 20, 10, 10),
            (25, 20, 25, 15, 15),
        ],
        strict=True,
    ):
        _rate(group, hq, values)
    return branch, groups, other_branch, other_groups


def test_the_top_group_of_each_branch_is_proposed_with_ties(rated, hq):
    branch, groups, other_branch, other_groups = rated
    honours = honours_propose(year=2026, actor=hq)
    proposed = {(h.branch_id, h.group_id, h.rank_in_branch) for h in honours}
    assert proposed == {
        (branch.pk, groups[1].pk, 1),
        (branch.pk, groups[2].pk, 1),
        (other_branch.pk, other_groups[1].pk, 1),
    }
    # Proposing again adds nothing.
    assert honours_propose(year=2026, actor=hq) == []


def test_top_n_is_configurable(rated, hq):
    branch, groups, *_ = rated
    honours = honours_propose(year=2026, actor=hq, top_n=3)
    in_branch = sorted((h.rank_in_branch, h.group.name) for h in honours if h.branch_id == branch.pk)
    assert in_branch == [(1, "甲站第2党小组"), (1, "甲站第3党小组"), (3, "甲站第1党小组")]
    with pytest.raises(ValidationError):
        honours_propose(year=2027, actor=hq, top_n=0)


def test_a_station_admin_proposes_only_in_their_scope_but_ranks_are_branch_wide(rated, tree):
    honours = honours_propose(year=2026, actor=user_with_role("unit_admin", tree.station3))
    assert [h.group.name for h in honours] == ["丙站第2党小组"]


def test_accepting_flags_the_group_and_its_members(rated, hq, tree):
    _, groups, *_ = rated
    members = [make_person(tree.station, party_group=groups[1]) for _ in range(3)]
    make_person(tree.station, party_group=groups[0])
    honour = next(h for h in honours_propose(year=2026, actor=hq) if h.group_id == groups[1].pk)
    honour = honour_accept(honour=honour, actor=hq)
    assert honour.status == HonourStatus.ACCEPTED
    assert set(honour.members.all()) == set(members)
    assert [h.group for h in advanced_groups(2026)] == [groups[1]]
    assert is_advanced_group_member(members[0], 2026)
    assert not is_advanced_group_member(members[0], 2025)
    with pytest.raises(ValidationError):
        honour_accept(honour=honour, actor=hq)


def test_only_an_authorised_user_in_scope_may_accept(rated, hq, tree):
    honour = next(h for h in honours_propose(year=2026, actor=hq) if h.unit_id == tree.station.pk)
    for outsider in (user_with_role("unit_admin", tree.det2), user_with_role("viewer", tree.corps)):
        with pytest.raises(PermissionDenied):
            honour_accept(honour=honour, actor=outsider)
    honour.refresh_from_db()
    assert honour.status == HonourStatus.PROPOSED
    honour_reject(honour=honour, actor=hq)
    assert not advanced_groups(2026).exists()


def test_the_honours_api_proposes_and_accepts(rated, hq, api, tree):
    client = api(hq)
    response = client.post("/api/evaluations/honours/propose/", {"year": 2026}, format="json")
    assert response.status_code == 201
    assert len(response.json()) == 3
    pk = response.json()[0]["id"]
    viewer = user_with_role("viewer", tree.corps)
    assert api(viewer).post(f"/api/evaluations/honours/{pk}/accept/").status_code == 403
    response = client.post(f"/api/evaluations/honours/{pk}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert GroupHonour.objects.filter(status="accepted").count() == 1
    outsider = user_with_role("unit_admin", tree.corps2)
    assert api(outsider).get(f"/api/evaluations/honours/{pk}/").status_code == 404


def test_the_honours_list_runs_the_same_number_of_queries_for_few_and_many(api, tree, hq):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(hq)
    branch = make_org(tree.station, "branch")

    def add(n):
        for _ in range(n):
            group = make_org(tree.station, "party_group", parent=branch)
            make_person(tree.station, party_group=group)
            _rate(group, hq, (20, 15, 20, 10, 10))
        honours_propose(year=2026, actor=hq, top_n=100)
        for honour in GroupHonour.objects.filter(status="proposed"):
            honour_accept(honour=honour, actor=hq)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/evaluations/honours/").status_code == 200
        return len(ctx.captured_queries)

    add(2)
    count()
    few = count()
    add(10)
    assert count() == few


def test_the_admin_accepts_proposals_in_scope_and_lists_them_in_constant_queries(rated, hq, tree, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    honours = honours_propose(year=2026, actor=hq, top_n=4)
    station_admin = user_with_role("unit_admin", tree.station)
    client.force_login(station_admin)
    response = client.get("/admin/evaluations/grouphonour/")
    assert {h.unit_id for h in response.context["cl"].result_list} == {tree.station.pk}
    ids = [h.pk for h in honours]  # includes 丙站's, out of this admin's scope
    client.post("/admin/evaluations/grouphonour/", {"action": "accept_selected", "_selected_action": ids})
    accepted = GroupHonour.objects.filter(status="accepted")
    assert accepted.count() == 4
    assert {h.unit_id for h in accepted} == {tree.station.pk}

    client.force_login(hq)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/evaluations/grouphonour/").status_code == 200
        return len(ctx.captured_queries)

    count()
    many = count()
    assert GroupHonour.objects.count() == 6
    GroupHonour.objects.filter(pk__in=ids[:4]).delete()
    assert count() == many
