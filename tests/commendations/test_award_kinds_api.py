"""Award kinds 奖项类别 are global reference data: read by everyone who works with commendations,
managed through the API and the admin only from the top of the tree (``award_kind.manage``
asked on every root unit), always through the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations.models import AwardKind
from tests.factories.commendations import make_nomination
from tests.factories.people import make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db

URL = "/api/commendations/award-kinds/"
NEW = {
    "code": "fire_star",
    "name": "消防之星",
    "approving_kind": "corps",
    "collective": False,
    "notice_days": 7,
}


@pytest.fixture
def hq(tree):
    return user_with_role("hq_admin", tree.root, "hq_top")


def snapshot(kind):
    kind = AwardKind.objects.get(pk=kind.pk)
    return (kind.code, kind.name, kind.approving_kind, kind.notice_days, kind.history.count())


def test_hq_at_the_top_creates_updates_and_deletes_an_award_kind_through_the_api(tree, api, hq):
    client = api(hq)
    created = client.post(URL, NEW, format="json")
    assert created.status_code == 201, created.content
    kind = AwardKind.objects.get(code="fire_star")
    assert kind.history.get().history_user == hq  # through the service: the actor is recorded
    changed = client.patch(f"{URL}{kind.pk}/", {"name": "消防之星（年度）", "order": 3}, format="json")
    assert changed.status_code == 200 and changed.json()["name"] == "消防之星（年度）"
    assert client.delete(f"{URL}{kind.pk}/").status_code == 204
    assert not AwardKind.objects.filter(code="fire_star").exists()


@pytest.mark.parametrize(
    "role,where", [("hq_admin", "corps"), ("unit_admin", "station"), ("viewer", "station")]
)
def test_an_administrator_below_the_top_or_a_viewer_is_refused_and_nothing_changes(tree, api, role, where):
    kind = AwardKind.objects.create(code="k1", name="奖项一", approving_kind="corps")
    before, rows = snapshot(kind), AwardKind.objects.count()
    client = api(user_with_role(role, getattr(tree, where)))
    assert client.get(f"{URL}{kind.pk}/").status_code == 200
    assert client.post(URL, NEW, format="json").status_code == 403
    refused = client.patch(f"{URL}{kind.pk}/", {"name": "改名"}, format="json")
    assert refused.status_code == 403
    assert "detail" in refused.json()
    assert client.delete(f"{URL}{kind.pk}/").status_code == 403
    assert snapshot(kind) == before and AwardKind.objects.count() == rows


def test_a_user_with_no_commendations_role_cannot_read_award_kinds(tree, api):
    talker = user_with_role("talker", tree.station)
    assert api(talker).get(URL).status_code == 403


def test_a_kind_that_nominations_use_is_not_deleted(tree, api, hq):
    kind = AwardKind.objects.create(code="used", name="已用奖项", approving_kind="battalion")
    drafter = user_with_role("unit_admin", tree.station)
    make_nomination(tree.station, drafter, make_person(tree.station), award="used")
    response = api(hq).delete(f"{URL}{kind.pk}/")
    assert response.status_code == 400
    assert "不能删除" in response.json()["non_field_errors"][0]
    assert AwardKind.objects.filter(pk=kind.pk).exists()


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(tree, api, hq):
    client = api(hq)
    AwardKind.objects.create(code="taken", name="已有", approving_kind="corps")
    rows = AwardKind.objects.count()
    cases = {
        "approving_kind": {**NEW, "approving_kind": "planet"},
        "code": {**NEW, "code": "taken"},
        "notice_days": {**NEW, "notice_days": -1},
        "name": {**NEW, "name": ""},
    }
    for field, body in cases.items():
        response = client.post(URL, body, format="json")
        assert response.status_code == 400, (field, response.content)
        message = " ".join(response.json()[field])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), (field, message)
    assert AwardKind.objects.count() == rows


def test_the_list_runs_a_fixed_number_of_queries(tree, api):
    client = api(user_with_role("viewer", tree.station))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    AwardKind.objects.bulk_create(
        AwardKind(code=f"bulk{i}", name=f"奖项{i}", approving_kind="corps") for i in range(15)
    )
    assert count() == few


def test_the_admin_goes_through_the_same_service(tree, client, hq):
    client.force_login(hq)
    added = client.post(
        "/admin/commendations/awardkind/add/",
        {**NEW, "code": "admin_kind", "order": 0},
    )
    assert added.status_code == 302, added.content[:2000]
    kind = AwardKind.objects.get(code="admin_kind")
    assert kind.history.get().history_user == hq
    bad = client.post(
        f"/admin/commendations/awardkind/{kind.pk}/change/",
        {**NEW, "code": "admin_kind", "approving_kind": "planet", "order": 0},
    )
    assert bad.status_code == 200 and "审批层级须为单位类别之一" in bad.content.decode()
    assert AwardKind.objects.get(pk=kind.pk).approving_kind == "corps"


def test_a_station_administrator_sees_award_kinds_read_only_in_the_admin(tree, client):
    kind = AwardKind.objects.create(code="ro", name="只读", approving_kind="corps")
    client.force_login(user_with_role("unit_admin", tree.station))
    assert client.get("/admin/commendations/awardkind/add/").status_code == 403
    before = snapshot(kind)
    response = client.post(f"/admin/commendations/awardkind/{kind.pk}/change/", {**NEW, "code": "ro"})
    assert response.status_code in (200, 403)
    assert snapshot(kind) == before


def test_a_superuser_manages_award_kinds(tree, api):
    client = api(make_user("root_ak", is_superuser=True))
    assert client.post(URL, NEW, format="json").status_code == 201
