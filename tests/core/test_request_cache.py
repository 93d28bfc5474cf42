"""Grants are read once per request and never remembered beyond it (issue 19)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.access.models import Grant
from apps.core.request_cache import memoized, request_scope
from apps.units.models import Unit
from tests.factories.commendations import make_nomination
from tests.factories.people import make_person
from tests.factories.talks import make_talk

LISTS = ["/api/talks/records/", "/api/people/", "/api/commendations/nominations/"]


def _grant_reads(captured) -> int:
    return sum("access_unitpermission" in q["sql"] for q in captured)


def test_a_grant_revoked_between_two_requests_takes_effect_on_the_second(tree, make_user_with_role, client):
    user = make_user_with_role("unit_admin", tree.det)
    client.force_login(user)
    assert client.get(f"/api/units/{tree.station.pk}/").status_code == 200
    Grant.objects.filter(user=user).delete()
    # no grant left anywhere: refused outright (403) rather than out of scope (404)
    assert client.get(f"/api/units/{tree.station.pk}/").status_code in (403, 404)
    assert client.get("/api/people/").status_code == 403


@pytest.mark.parametrize(
    "granted_at, door, headers",
    [
        ("det", lambda t: f"/admin/people/person/?unit_subtree={t.station.pk}", {}),
        ("det", lambda t: f"/admin/units/unit/{t.station.pk}/change/", {}),
        ("station", lambda t: f"/reports/zero/{t.station.pk}/confirm/", {"HTTP_HX_REQUEST": "true"}),
    ],
    ids=["admin list", "admin change page", "workbench page"],
)
def test_a_revoked_grant_takes_effect_on_the_next_request_in_the_admin_and_workbench(
    granted_at, door, headers, tree, make_user_with_role, client
):
    user = make_user_with_role("unit_admin", getattr(tree, granted_at))
    client.force_login(user)
    url = door(tree)
    assert client.get(url, **headers).status_code == 200
    Grant.objects.filter(user=user).delete()
    assert client.get(url, **headers).status_code in (302, 403, 404)


def test_a_grant_given_inside_a_request_counts_at_once_in_that_request(tree, make_user_with_role):
    user = make_user_with_role("viewer", tree.station)
    with request_scope():
        assert not Unit.objects.visible_to(user, "view").filter(pk=tree.det.pk).exists()
        Grant.objects.create(
            user=user,
            unit=tree.det,
            role=Grant._meta.get_field("role").related_model.objects.get(code="viewer"),
        )
        assert Unit.objects.visible_to(user, "view").filter(pk=tree.det.pk).exists()


def test_nothing_is_remembered_outside_a_request():
    calls = []
    memoized(("k",), lambda: calls.append(1))
    memoized(("k",), lambda: calls.append(1))
    assert len(calls) == 2
    with request_scope():
        memoized(("k",), lambda: calls.append(1))
        memoized(("k",), lambda: calls.append(1))
    assert len(calls) == 3


@pytest.mark.parametrize("url", LISTS)
def test_a_list_request_reads_the_grants_once_and_stays_within_five_queries(
    url, tree, make_user_with_role, client
):
    user = make_user_with_role("secretary", tree.det)
    drafter = make_user_with_role("unit_admin", tree.det)
    client.force_login(user)
    counts = []
    for extra in (3, 30):
        for i in range(extra):
            person = make_person(tree.station, name=f"人员{len(counts)}{i}")
            make_talk(person, user)
            make_nomination(
                tree.station, drafter, subject_person=person, award="circular_praise", year=2000 + i
            )
        client.get(url)  # the session and user are loaded: measure the list itself
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        # session + user + one read of all the grants + the rows
        assert _grant_reads(ctx.captured_queries) == 1, [q["sql"][:120] for q in ctx.captured_queries]
    assert counts[0] == counts[1]
    assert counts[0] - 2 <= 5  # minus the session and the user row
