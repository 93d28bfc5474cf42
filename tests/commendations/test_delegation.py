"""Delegation 审批代理 (issue 16 item 6): only the approver lends their own authority, to an
eligible deputy inside their scope who is not themselves; a deputy acts only on what they can
see; decisions say on whose behalf."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.commendations import services
from apps.commendations.models import Delegation, Nomination
from tests.factories.commendations import advance, make_nomination
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
URL = "/api/commendations/delegations/"


def _row(deputy, **extra):
    return {"deputy": deputy.username, "starts_on": str(TODAY), "ends_on": str(TODAY), **extra}


def _at_det(tree, crew):
    """A nomination waiting at the detachment."""
    return advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat)


def test_an_approver_delegates_to_a_colleague_in_their_scope_through_the_api(tree, crew, api):
    deputy = user_with_role("viewer", tree.det, "det_deputy")
    response = api(crew.det).post(URL, _row(deputy), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["approver"] == crew.det.username
    assert Delegation.objects.get().deputy == deputy


def test_a_deputy_in_another_corps_is_refused_like_an_unknown_name(tree, crew, api):
    elsewhere = user_with_role("approver", tree.corps2, "other_corps_deputy")
    refused = api(crew.det).post(URL, _row(elsewhere), format="json")
    unknown = api(crew.det).post(URL, {**_row(elsewhere), "deputy": "no_such_user"}, format="json")
    assert refused.status_code == unknown.status_code == 400
    assert refused.json()["deputy"] == unknown.json()["deputy"]  # no account oracle
    assert not Delegation.objects.exists()


def test_a_deputy_beside_or_above_the_approvers_level_is_refused(tree, crew, api):
    sibling = user_with_role("viewer", tree.det2, "sibling_deputy")
    above = user_with_role("viewer", tree.corps, "above_deputy")
    for deputy in (sibling, above):
        assert api(crew.det).post(URL, _row(deputy), format="json").status_code == 400
    assert not Delegation.objects.exists()


def test_delegating_to_oneself_is_a_400(tree, crew, api):
    response = api(crew.det).post(URL, _row(crew.det), format="json")
    assert response.status_code == 400 and "本人" in str(response.json())
    assert not Delegation.objects.exists()


def test_delegating_to_oneself_is_refused_by_the_database_too(tree, crew):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.create(approver=crew.det, deputy=crew.det, starts_on=TODAY, ends_on=TODAY)


def test_someone_who_approves_nowhere_cannot_delegate(tree, crew, api):
    admin = user_with_role("unit_admin", tree.det, "det_admin")
    colleague = user_with_role("viewer", tree.det, "det_colleague")
    assert api(admin).post(URL, _row(colleague), format="json").status_code == 403
    with pytest.raises(PermissionDenied):
        services.delegation_create(
            approver=crew.det, deputy=colleague, starts_on=TODAY, ends_on=TODAY, actor=admin
        )
    assert not Delegation.objects.exists()


def test_a_superuser_may_delegate_for_an_approver_but_only_to_an_eligible_deputy(tree, crew):
    root = make_user("root_deleg", is_superuser=True)
    colleague = user_with_role("viewer", tree.det, "det_colleague2")
    made = services.delegation_create(
        approver=crew.det, deputy=colleague, starts_on=TODAY, ends_on=TODAY, actor=root
    )
    assert made.approver == crew.det
    with pytest.raises(ValidationError):
        services.delegation_create(
            approver=crew.det,
            deputy=user_with_role("viewer", tree.det2, "x"),
            starts_on=TODAY,
            ends_on=TODAY,
            actor=root,
        )


def test_a_deputy_only_sees_and_acts_on_nominations_in_their_own_scope(tree, crew, api):
    n = _at_det(tree, crew)
    # a deputy at the sibling station: inside the detachment, but cannot see 甲站's nomination
    narrow = user_with_role("viewer", tree.station2, "narrow_deputy")
    services.delegation_create(
        approver=crew.det, deputy=narrow, starts_on=TODAY, ends_on=TODAY, actor=crew.det
    )
    assert list(services.inbox(narrow)) == []
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=narrow)
    bulk = api(narrow).post(
        "/api/commendations/nominations/bulk-approve/", {"ids": [n.pk], "comment": "同意"}, format="json"
    )
    assert bulk.json()["done"] == 0 and bulk.json()["not_waiting"] == 1
    n.refresh_from_db()
    assert n.current_level == tree.det and n.status == Nomination.Status.APPROVING


def test_a_delegation_written_before_the_rules_to_another_corps_shows_nothing(tree, crew):
    n = _at_det(tree, crew)
    stranger = user_with_role("approver", tree.corps2, "stranger")
    Delegation.objects.create(approver=crew.det, deputy=stranger, starts_on=TODAY, ends_on=TODAY)
    assert list(services.inbox(stranger)) == []
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=stranger)


def test_a_deputy_decision_records_on_behalf_of_in_the_api(tree, crew, api):
    n = _at_det(tree, crew)
    deputy = user_with_role("viewer", tree.det, "good_deputy")
    services.delegation_create(
        approver=crew.det, deputy=deputy, starts_on=TODAY, ends_on=TODAY, actor=crew.det
    )
    assert [x.pk for x in services.inbox(deputy)] == [n.pk]
    assert api(deputy).post(f"/api/commendations/nominations/{n.pk}/approve/").status_code == 200
    decisions = api(deputy).get(f"/api/commendations/nominations/{n.pk}/").json()["decisions"]
    assert decisions[-1]["actor"] == deputy.username
    assert decisions[-1]["on_behalf_of"] == crew.det.username
    assert decisions[0]["on_behalf_of"] is None  # declared nullable (issue 21 item 4)


def test_only_the_approver_revokes_their_delegation(tree, crew, api):
    deputy = user_with_role("viewer", tree.det, "revoked_deputy")
    made = services.delegation_create(
        approver=crew.det, deputy=deputy, starts_on=TODAY, ends_on=TODAY, actor=crew.det
    )
    with pytest.raises(PermissionDenied):
        services.delegation_delete(delegation=made, actor=deputy)
    assert api(deputy).delete(f"{URL}{made.pk}/").status_code == 404  # not theirs to list
    assert api(crew.det).delete(f"{URL}{made.pk}/").status_code == 204
    assert not Delegation.objects.exists()


# --- the admin ---------------------------------------------------------------------------


def _admin_row(deputy, **extra):
    return {"deputy": deputy.username, "starts_on": str(TODAY), "ends_on": str(TODAY), **extra}


def test_a_unit_administrator_cannot_name_an_approver_as_delegating_in_the_admin(tree, crew, client):
    admin = user_with_role("unit_admin", tree.det, "det_admin_adm")
    client.force_login(admin)
    assert client.get("/admin/commendations/delegation/add/").status_code == 403
    response = client.post(
        "/admin/commendations/delegation/add/", _admin_row(admin, approver=crew.det.username)
    )
    assert response.status_code == 403
    assert not Delegation.objects.exists()


def test_an_approver_delegates_in_the_admin_by_typing_a_username(tree, crew, client):
    deputy = user_with_role("viewer", tree.det, "typed_deputy")
    client.force_login(crew.det)
    page = client.get("/admin/commendations/delegation/add/")
    assert page.status_code == 200 and "approver" not in page.context["adminform"].form.fields
    response = client.post("/admin/commendations/delegation/add/", _admin_row(deputy))
    assert response.status_code == 302
    assert Delegation.objects.get().approver == crew.det


@pytest.mark.parametrize("who", ["self", "other_corps"])
def test_the_admin_refuses_an_ineligible_deputy_with_a_message(tree, crew, client, who):
    deputy = crew.det if who == "self" else user_with_role("viewer", tree.corps2, "far_deputy")
    client.force_login(crew.det)
    response = client.post("/admin/commendations/delegation/add/", _admin_row(deputy))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Delegation.objects.exists()


def test_the_admin_lists_only_ones_own_delegations_and_404s_the_others(tree, crew, client):
    mine = services.delegation_create(
        approver=crew.det,
        deputy=user_with_role("viewer", tree.det, "d1"),
        starts_on=TODAY,
        ends_on=TODAY,
        actor=crew.det,
    )
    theirs = services.delegation_create(
        approver=crew.bat,
        deputy=user_with_role("viewer", tree.bat, "d2"),
        starts_on=TODAY,
        ends_on=TODAY,
        actor=crew.bat,
    )
    client.force_login(crew.det)
    listing = client.get("/admin/commendations/delegation/")
    assert [d.pk for d in listing.context["cl"].result_list] == [mine.pk]
    for page in ("change", "delete", "history"):
        assert client.get(f"/admin/commendations/delegation/{theirs.pk}/{page}/").status_code in (302, 404)
    assert client.post(
        f"/admin/commendations/delegation/{theirs.pk}/delete/", {"post": "yes"}
    ).status_code in (
        302,
        404,
    )
    assert Delegation.objects.filter(pk=theirs.pk).exists()
    assert (
        client.post(f"/admin/commendations/delegation/{mine.pk}/delete/", {"post": "yes"}).status_code == 302
    )
    assert not Delegation.objects.filter(pk=mine.pk).exists()


def test_a_superuser_names_the_approver_in_the_admin(tree, crew, client):
    client.force_login(make_user("root_adm", is_superuser=True))
    deputy = user_with_role("viewer", tree.det, "su_deputy")
    response = client.post(
        "/admin/commendations/delegation/add/", _admin_row(deputy, approver=crew.det.username)
    )
    assert response.status_code == 302
    assert Delegation.objects.get().approver == crew.det
