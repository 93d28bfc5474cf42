"""Scoping and roles on every endpoint and admin page of the app.

Out of scope (a sibling detachment's administrator) is 404 and looks like missing; in scope
without the permission is 403; a foreign key to another unit's record is a 400."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from apps.operations import services
from apps.operations.content import read_content
from apps.operations.models import (
    CareAction,
    DailyAssessment,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    ObservationLink,
    Operation,
    OperationOrganisation,
    OperationTeam,
    Pledge,
    QuickCommendation,
    ReportContentAccess,
    SectorAssignment,
    WorkingGroup,
    WorkingGroupMember,
)
from tests.factories.commendations import make_nomination
from tests.factories.units import make_user

from .conftest import user_on
from .helpers import populate

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

ENDPOINTS = [
    ("operations", Operation),
    ("operations/working-groups", WorkingGroup),
    ("operations/working-group-members", WorkingGroupMember),
    ("operations/organisations", OperationOrganisation),
    ("operations/teams", OperationTeam),
    ("operations/sectors", SectorAssignment),
    ("operations/visits", InspectionVisit),
    ("operations/pledges", Pledge),
    ("operations/frontline", FrontlinePerson),
    ("operations/care", CareAction),
    ("operations/daily-reports", DailyReport),
    ("operations/report-reads", ReportContentAccess),
    ("operations/assessments", DailyAssessment),
    ("operations/observations", Observation),
    ("operations/observation-links", ObservationLink),
    ("operations/commendations", QuickCommendation),
]
OPERATION_ACTIONS = [
    ("get", "board/"),
    ("get", "summary/"),
    ("get", "missing-reports/"),
    ("get", "care-matrix/"),
    ("get", "unvisited/"),
    ("post", "activate/"),
    ("post", "close/"),
]
ADMIN_MODELS = [m for _, m in ENDPOINTS if m is not WorkingGroupMember]  # members: an inline


@pytest.fixture
def world(ops, active):
    populate(ops, active)
    group = services.working_group_create(
        operation=active, name="指挥调度组", members=[(ops.deputy, True)], actor=ops.admin
    )
    services.sector_assign(operation=active, member=ops.deputy, unit=ops.tree.tqz, actor=ops.admin)
    services.assessment_write(operation=active, date=ops.today, note="研判", actor=ops.admin)
    observation = Observation.objects.filter(operation=active).first()
    root = get_user_model().objects.create_superuser("nominator", password="x")
    nomination = make_nomination(ops.tree.station, root, subject_person=observation.person)
    services.observation_link(observation=observation, nomination=nomination, actor=ops.secretary)
    read_content(ops.secretary, DailyReport.objects.first(), "api")
    assert group.members.exists()
    return active


def _one(model):
    return model.objects.order_by("pk").first()


def test_every_endpoint_hides_another_detachments_records(ops, world, api):
    client = api(ops.sibling_admin)
    for prefix, model in ENDPOINTS:
        obj = _one(model)
        assert obj is not None, model
        listing = client.get(f"/api/{prefix}/")
        assert listing.status_code == 200, prefix
        assert listing.json()["count"] == 0, prefix
        assert client.get(f"/api/{prefix}/{obj.pk}/").status_code == 404, prefix
        for method in ("patch", "delete"):
            status = getattr(client, method)(f"/api/{prefix}/{obj.pk}/", {}, format="json").status_code
            assert status in (404, 405), (prefix, method, status)
    for method, suffix in OPERATION_ACTIONS:
        response = getattr(client, method)(f"/api/operations/{world.pk}/{suffix}", {}, format="json")
        assert response.status_code == 404, (suffix, response.status_code)


def test_creating_against_another_detachments_operation_is_a_400(ops, world, api):
    client = api(ops.sibling_admin)
    person = ops.outsider
    for prefix, payload in [
        ("operations/pledges", {"operation": world.pk, "person": person.pk}),
        ("operations/frontline", {"operation": world.pk, "person": person.pk}),
        ("operations/working-groups", {"operation": world.pk, "name": "宣传组"}),
        (
            "operations/daily-reports",
            {
                "operation": world.pk,
                "unit": ops.tree.station3.pk,
                "report_date": str(ops.today),
                "on_duty": 1,
            },
        ),
    ]:
        response = client.post(f"/api/{prefix}/", payload, format="json")
        assert response.status_code in (400, 403), (prefix, response.status_code)
        if response.status_code == 400:
            assert "operation" in response.json(), prefix


def test_a_viewer_reads_but_every_write_is_a_403(ops, world, api):
    client = api(ops.viewer)
    for prefix, model in ENDPOINTS:
        obj = _one(model)
        assert client.get(f"/api/{prefix}/").json()["count"] > 0, prefix
        assert client.get(f"/api/{prefix}/{obj.pk}/").status_code == 200, prefix
        assert client.post(f"/api/{prefix}/", {}, format="json").status_code in (403, 405), prefix
        for method in ("patch", "delete"):
            status = getattr(client, method)(f"/api/{prefix}/{obj.pk}/", {}, format="json").status_code
            assert status in (403, 405), (prefix, method, status)
    for method, suffix in OPERATION_ACTIONS:
        status = getattr(client, method)(
            f"/api/operations/{world.pk}/{suffix}", {}, format="json"
        ).status_code
        assert status == (200 if method == "get" else 403), (suffix, status)


def test_station_staff_may_report_but_not_observe_commend_activate_or_edit_the_committees_records(
    ops, world, api
):
    client = api(ops.station_staff)
    for prefix in (
        "operations/observations",
        "operations/commendations",
        "operations/working-groups",
        "operations",
    ):
        assert client.post(f"/api/{prefix}/", {}, format="json").status_code == 403, prefix
    # the committee's records are not theirs to see
    assert client.get(f"/api/operations/{world.pk}/").status_code in (403, 404)
    assert client.get("/api/operations/observations/").status_code == 403
    response = client.post(
        "/api/operations/daily-reports/",
        {"operation": world.pk, "unit": ops.tree.station.pk, "report_date": str(ops.today), "on_duty": 8},
        format="json",
    )
    assert response.status_code == 201, response.json()
    # but not for another station of the same operation
    response = client.post(
        "/api/operations/daily-reports/",
        {"operation": world.pk, "unit": ops.tree.tqz.pk, "report_date": str(ops.today), "on_duty": 8},
        format="json",
    )
    assert response.status_code == 400 and "unit" in response.json()


def test_the_station_sees_what_it_must_report_today(ops, world, api):
    rows = api(ops.station_staff).get("/api/operations/to-report/").json()
    assert [r["name"] for r in rows] == ["甲站"]


def test_a_user_without_any_grant_gets_403_everywhere(ops, world, api):
    client = api(make_user())
    for prefix, _model in ENDPOINTS:
        assert client.get(f"/api/{prefix}/").status_code == 403, prefix


def test_a_self_pledge_needs_a_linked_person_in_a_covered_unit(ops, world, api):
    stranger = make_user()
    response = api(stranger).post("/api/operations/pledges/mine/", {"operation": world.pk}, format="json")
    assert response.status_code == 400 and "person" in response.json()
    ops.outsider.user = stranger
    ops.outsider.save()
    response = api(stranger).post("/api/operations/pledges/mine/", {"operation": world.pk}, format="json")
    assert response.status_code == 400 and "operation" in response.json()


def _admin_urls(model, obj):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return base, [f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/", f"{base}{obj.pk}/delete/"]


def test_every_admin_page_hides_another_detachments_records(ops, world, client):
    client.force_login(ops.sibling_admin, backend=MODEL_BACKEND)
    for model in ADMIN_MODELS:
        obj = _one(model)
        base, pages = _admin_urls(model, obj)
        listing = client.get(base)
        assert listing.status_code == 200, model
        assert not list(listing.context["cl"].result_list), model
        for page in pages:
            for method in ("get", "post"):
                response = getattr(client, method)(page, {})
                assert response.status_code in (302, 403, 404), (page, method, response.status_code)
                if response.status_code == 302:
                    assert f"/{obj.pk}/" not in response["Location"], page
    for page in (
        f"/admin/operations/operation/{world.pk}/board/",
        f"/admin/operations/operation/{world.pk}/summary.docx",
    ):
        assert client.get(page).status_code == 404, page
    commendation = _one(QuickCommendation)
    assert (
        client.get(f"/admin/operations/quickcommendation/{commendation.pk}/circular.docx").status_code == 404
    )


def test_every_admin_page_refuses_writes_to_a_viewer(ops, world, client):
    client.force_login(ops.viewer, backend=MODEL_BACKEND)
    for model in ADMIN_MODELS:
        obj = _one(model)
        base, pages = _admin_urls(model, obj)
        assert client.get(base).status_code == 200, model
        assert client.get(pages[0]).status_code == 200, model  # a read-only view
        for page in (pages[0], pages[2], f"{base}add/"):
            assert client.post(page, {}).status_code == 403, (page, model)
        before = model.objects.count()
        client.post(base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        assert model.objects.count() == before, model
    assert client.get(f"/admin/operations/operation/{world.pk}/board/").status_code == 200


def test_the_admin_activate_action_refuses_a_viewer(ops, operation, client):
    from django.contrib.messages import get_messages  # noqa: F401

    client.force_login(ops.admin, backend=MODEL_BACKEND)
    response = client.post(
        "/admin/operations/operation/", {"action": "activate_selected", "_selected_action": [operation.pk]}
    )
    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.status == "active"  # the admin holds operations.*
    client.force_login(ops.viewer, backend=MODEL_BACKEND)
    client.post(
        "/admin/operations/operation/", {"action": "close_selected", "_selected_action": [operation.pk]}
    )
    operation.refresh_from_db()
    assert operation.status == "active"


def test_every_model_of_the_app_has_an_admin():
    from django.apps import apps

    registered = set(admin.site._registry)
    missing = [
        m
        for m in apps.get_app_config("operations").get_models()
        if m not in registered and not m.__name__.startswith("Historical")
    ]
    assert {m.__name__ for m in missing} <= {"CoveredUnit", "CommendedPerson", "WorkingGroupMember"}


def test_a_secretary_on_the_corps_sees_the_detachments_observations(ops, world, api):
    corps_secretary = user_on("ops_secretary", ops.tree.corps)
    assert (
        api(corps_secretary).get("/api/operations/observations/").json()["count"]
        == Observation.objects.count()
    )


def test_the_admin_board_drills_down_to_a_visible_unit(ops, world, client):
    client.force_login(ops.admin, backend=MODEL_BACKEND)
    page = client.get(f"/admin/operations/operation/{world.pk}/board/?unit={ops.tree.bat.pk}")
    assert page.status_code == 200
    assert page.context["figures"]["root_name"] == "甲区大队"
    assert "甲站" in page.content.decode()
    # a unit outside the user's scope is ignored, not shown
    page = client.get(f"/admin/operations/operation/{world.pk}/board/?unit={ops.tree.det2.pk}")
    assert page.context["figures"]["root_name"] == "甲市支队"
