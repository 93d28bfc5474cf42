"""Bad input is a 400 with Chinese field messages (API) or a form error (admin): never a 500,
never a partial write."""

import re

import pytest

from apps.operations.models import Operation, Pledge, QuickCommendation

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _chinese(body: dict) -> bool:
    return all(CHINESE.search(" ".join(map(str, v if isinstance(v, list) else [v]))) for v in body.values())


def test_an_operation_without_its_fields_is_a_400_in_chinese(ops, api):
    response = api(ops.admin).post("/api/operations/", {}, format="json")
    assert response.status_code == 400
    assert {"name", "kind", "unit", "start_date", "reason"} <= set(response.json())
    assert _chinese(response.json())


@pytest.mark.parametrize(
    "change,field",
    [
        ({"kind": "picnic"}, "kind"),
        ({"planned_end": "2000-01-01"}, "planned_end"),
        ({"coverage": "chosen"}, "units"),
        ({"start_date": "不是日期"}, "start_date"),
        ({"reason": "   "}, "reason"),
    ],
)
def test_each_bad_operation_field_is_named(ops, api, change, field):
    payload = {
        "name": "防汛",
        "kind": "flood",
        "unit": ops.tree.det.pk,
        "start_date": str(ops.start),
        "reason": "汛情",
        **change,
    }
    response = api(ops.admin).post("/api/operations/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json() and _chinese(response.json())
    assert not Operation.objects.exists()


def test_an_activation_with_a_bad_team_writes_nothing(ops, operation, api):
    response = api(ops.secretary).post(
        f"/api/operations/{operation.pk}/activate/",
        {
            "teams": [
                {
                    "name": "突击队",
                    "kind": "commando",
                    "unit": ops.tree.tqz.pk,
                    "organisation": "不存在的支部",
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 400 and _chinese(response.json())
    operation.refresh_from_db()
    assert operation.status == "draft"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"on_duty": -1}, "on_duty"),
        ({"report_date": "2999-01-01"}, "report_date"),
        ({"report_date": "2000-01-01"}, "report_date"),
        ({"unit": None}, "unit"),
        ({"party_group": "group"}, "party_group"),
    ],
)
def test_a_bad_daily_report_is_a_400(ops, active, api, payload, field):
    data = {
        "operation": active.pk,
        "unit": ops.tree.station.pk,
        "report_date": str(ops.today),
        "on_duty": 5,
        **payload,
    }
    if data.get("party_group") == "group":
        data["party_group"] = ops.group.pk
    response = api(ops.admin).post("/api/operations/daily-reports/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json() and _chinese(response.json())


def test_a_pledge_twice_and_a_pledge_for_an_outsider_are_400s(ops, active, api):
    client = api(ops.admin)
    person = ops.station_people[0]
    assert (
        client.post(
            "/api/operations/pledges/", {"operation": active.pk, "person": person.pk}, format="json"
        ).status_code
        == 201
    )
    again = client.post(
        "/api/operations/pledges/", {"operation": active.pk, "person": person.pk}, format="json"
    )
    assert again.status_code == 400 and "person" in again.json() and _chinese(again.json())
    outsider = client.post(
        "/api/operations/pledges/", {"operation": active.pk, "person": ops.outsider.pk}, format="json"
    )
    assert outsider.status_code == 400 and "person" in outsider.json()
    assert Pledge.objects.count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"entries": []}, "entries"),
        ({"notice_days": 30}, "notice_days"),
        ({"title": ""}, "title"),
        ({"duplicate": True}, "entries"),
    ],
)
def test_a_bad_commendation_is_a_400_and_writes_nothing(ops, active, api, change, field):
    people = ops.tqz_people
    payload = {
        "operation": active.pk,
        "title": "通报表扬",
        "number": "长消〔2020〕1号",
        "entries": [{"person": p.pk, "deeds": "表现突出"} for p in people],
        **change,
    }
    if payload.pop("duplicate", False):
        payload["entries"].append({"person": people[0].pk, "deeds": "再次"})
    response = api(ops.secretary).post("/api/operations/commendations/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json() and _chinese(response.json())
    assert not QuickCommendation.objects.exists()


def test_an_observation_outside_the_operation_or_in_the_future_is_a_400(ops, active, api):
    client = api(ops.secretary)
    base = {"operation": active.pk, "category": "vanguard", "conduct": "冲锋在前"}
    future = client.post(
        "/api/operations/observations/",
        {**base, "person": ops.tqz_people[0].pk, "date": "2999-01-01"},
        format="json",
    )
    assert future.status_code == 400 and "date" in future.json()
    before = client.post(
        "/api/operations/observations/",
        {**base, "person": ops.tqz_people[0].pk, "date": "2000-01-01"},
        format="json",
    )
    assert before.status_code == 400 and "date" in before.json()


def test_care_for_someone_not_on_the_front_line_is_a_400(ops, active, api):
    response = api(ops.admin).post(
        "/api/operations/care/",
        {"operation": active.pk, "person": ops.station_people[0].pk, "item": "home_visit"},
        format="json",
    )
    assert response.status_code == 400 and "person" in response.json() and _chinese(response.json())


def test_the_admin_shows_service_refusals_as_form_errors(ops, active, client):
    client.force_login(ops.admin, backend=MODEL_BACKEND)
    response = client.post(
        "/admin/operations/pledge/add/",
        {
            "operation": active.pk,
            "person": ops.station_people[0].pk,
            "kind": "petition",
            "date": "2999-01-01",
            "text": "",
        },
    )
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.content.decode()
    assert not Pledge.objects.exists()


def test_the_admin_creates_an_operation_through_the_service(ops, client):
    client.force_login(ops.admin, backend=MODEL_BACKEND)
    response = client.post(
        "/admin/operations/operation/add/",
        {
            "name": "防汛救灾",
            "kind": "flood",
            "unit": ops.tree.det.pk,
            "coverage": "subtree",
            "start_date": str(ops.start),
            "reason": "强降雨",
            "report_level": "station",
            "report_deadline": "20:00",
            "working_groups-TOTAL_FORMS": "0",
            "working_groups-INITIAL_FORMS": "0",
            "organisations-TOTAL_FORMS": "0",
            "organisations-INITIAL_FORMS": "0",
            "teams-TOTAL_FORMS": "0",
            "teams-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    op = Operation.objects.get(name="防汛救灾")
    assert op.created_by == ops.admin and op.covered.count() == 6


def test_nested_errors_keep_the_documented_shape(ops, active, api):
    response = api(ops.secretary).post(
        "/api/operations/commendations/",
        {
            "operation": active.pk,
            "title": "通报",
            "number": "1号",
            "entries": [{"person": 999999, "deeds": ""}],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body.values()), body
    assert any("第1项" in m for m in body["entries"])
    empty = api(ops.secretary).post(
        "/api/operations/commendations/",
        {"operation": active.pk, "title": "通报", "number": "1号", "entries": []},
        format="json",
    )
    assert empty.status_code == 400 and all(isinstance(m, str) for m in empty.json()["entries"])
