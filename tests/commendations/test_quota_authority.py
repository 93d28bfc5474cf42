"""Quotas are set by the level that allocates them (issue 16 item 11; authority ``quota.set``,
level "above"): the capped unit's own administrator never raises its limit."""

import pytest

from apps.access.authority import may
from apps.commendations.models import Quota
from tests.factories.commendations import kind
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/commendations/quotas/"


@pytest.fixture
def staff(tree):
    return {
        "station_admin": user_with_role("unit_admin", tree.station, "q_station_admin"),
        "det_admin": user_with_role("unit_admin", tree.det, "q_det_admin"),
    }


def test_the_capped_units_own_administrator_cannot_raise_its_limit(tree, staff, api):
    quota = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)
    response = api(staff["station_admin"]).patch(f"{URL}{quota.pk}/", {"limit": 100}, format="json")
    assert response.status_code == 403
    quota.refresh_from_db()
    assert quota.limit == 2 and quota.history.count() == 1


def test_the_allocating_level_changes_a_quota_below_it(tree, staff, api):
    quota = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)
    response = api(staff["det_admin"]).patch(f"{URL}{quota.pk}/", {"limit": 3}, format="json")
    assert response.status_code == 200
    quota.refresh_from_db()
    assert quota.limit == 3 and quota.history.first().history_user == staff["det_admin"]


def test_a_detachment_administrator_does_not_set_the_detachments_own_quota(tree, staff, api):
    row = {"unit": tree.det.pk, "award_kind": kind().pk, "year": 2026, "limit": 9}
    assert api(staff["det_admin"]).post(URL, row, format="json").status_code == 403
    assert not Quota.objects.exists()


def test_a_station_administrator_cannot_create_or_delete_its_own_quota(tree, staff, api):
    row = {"unit": tree.station.pk, "award_kind": kind().pk, "year": 2026, "limit": 9}
    assert api(staff["station_admin"]).post(URL, row, format="json").status_code == 403
    quota = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)
    assert api(staff["station_admin"]).delete(f"{URL}{quota.pk}/").status_code == 403
    assert Quota.objects.filter(pk=quota.pk).exists()
    assert api(staff["det_admin"]).delete(f"{URL}{quota.pk}/").status_code == 204


def test_moving_a_quota_to_a_unit_the_actor_does_not_allocate_is_refused(tree, staff, api):
    quota = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)
    response = api(staff["det_admin"]).patch(f"{URL}{quota.pk}/", {"unit": tree.det.pk}, format="json")
    assert response.status_code == 403
    assert Quota.objects.get(pk=quota.pk).unit == tree.station


def test_the_authority_rule_is_what_the_api_applies(tree, staff):
    assert not may(staff["station_admin"], "quota.set", tree.station)
    assert may(staff["station_admin"], "quota.set", tree.squad)
    assert may(staff["det_admin"], "quota.set", tree.station)
    assert not may(staff["det_admin"], "quota.set", tree.det)
    assert may(make_user("q_root", is_superuser=True), "quota.set", tree.root)


# --- the admin ---------------------------------------------------------------------------


def _form(quota, **changes):
    return {
        "unit": quota.unit_id,
        "award_kind": quota.award_kind_id,
        "year": quota.year,
        "period": quota.period,
        "limit": quota.limit,
        **changes,
    }


def test_the_admin_shows_the_capped_unit_its_quota_read_only_and_refuses_a_post(tree, staff, client):
    quota = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)
    client.force_login(staff["station_admin"])
    url = f"/admin/commendations/quota/{quota.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="limit"' not in page.content.decode()
    assert client.post(url, _form(quota, limit=100)).status_code == 403
    assert client.get(f"/admin/commendations/quota/{quota.pk}/delete/").status_code == 403
    assert client.post(f"/admin/commendations/quota/{quota.pk}/delete/", {"post": "yes"}).status_code == 403
    quota.refresh_from_db()
    assert quota.limit == 2


def test_the_admin_add_refuses_a_quota_on_ones_own_unit_with_a_message(tree, staff, client):
    client.force_login(staff["station_admin"])
    response = client.post(
        "/admin/commendations/quota/add/",
        {"unit": tree.station.pk, "award_kind": kind().pk, "year": 2026, "period": "", "limit": 5},
    )
    assert response.status_code == 200 and "上级单位" in response.content.decode()
    assert not Quota.objects.exists()


def test_the_allocating_level_edits_the_quota_in_the_admin(tree, staff, client):
    quota = Quota.objects.create(unit=tree.station, award_kind=kind(), year=2026, limit=2)
    client.force_login(staff["det_admin"])
    response = client.post(f"/admin/commendations/quota/{quota.pk}/change/", _form(quota, limit=4))
    assert response.status_code == 302
    quota.refresh_from_db()
    assert quota.limit == 4


def test_a_quota_out_of_scope_is_a_404_in_the_admin(tree, staff, client):
    quota = Quota.objects.create(unit=tree.station3, award_kind=kind(), year=2026, limit=2)
    client.force_login(staff["det_admin"])
    for page in ("change", "delete", "history"):
        assert client.get(f"/admin/commendations/quota/{quota.pk}/{page}/").status_code in (302, 404)
    client.post(f"/admin/commendations/quota/{quota.pk}/change/", _form(quota, limit=50))
    assert Quota.objects.get(pk=quota.pk).limit == 2
