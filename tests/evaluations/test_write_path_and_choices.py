"""Evaluations: the admin deletes only through the service (drafts only, undecided honours
only); a dissolved unit is not offered as a subject (issue 16 write path, issue 21 item 5)."""

import datetime

import pytest

from apps.evaluations.models import Evaluation
from apps.evaluations.services import evaluation_create
from apps.units.services import unit_dissolve
from tests.factories.evaluations import make_scheme
from tests.factories.people import make_person
from tests.factories.units import make_unit, make_user, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_user(db):
    return make_user("evroot", is_superuser=True)


def test_a_published_evaluation_cannot_be_deleted_in_the_admin(tree, client, root_user):
    evaluation = evaluation_create(
        scheme=make_scheme(), subject=make_person(tree.station), year=2026, actor=root_user
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(status="published")
    client.force_login(user_with_role("unit_admin", tree.station))
    response = client.post(f"/admin/evaluations/evaluation/{evaluation.pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403)
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()


def test_a_draft_evaluation_is_deleted_through_the_service_in_scope_only(tree, client, root_user):
    mine = evaluation_create(
        scheme=make_scheme(), subject=make_person(tree.station), year=2026, actor=root_user
    )
    other = evaluation_create(
        scheme=make_scheme(), subject=make_person(tree.station3), year=2026, actor=root_user
    )
    client.force_login(user_with_role("unit_admin", tree.station))
    assert client.get(f"/admin/evaluations/evaluation/{mine.pk}/delete/").status_code == 200
    assert client.post(f"/admin/evaluations/evaluation/{other.pk}/delete/", {"post": "yes"}).status_code in (
        302,
        404,
    )
    assert Evaluation.objects.filter(pk=other.pk).exists()
    assert client.post(f"/admin/evaluations/evaluation/{mine.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Evaluation.objects.filter(pk=mine.pk).exists()


def test_a_dissolved_unit_is_not_accepted_as_an_evaluation_subject(tree, api):
    old = unit_dissolve(unit=make_unit(tree.bat, "station", "旧站"), on=datetime.date(2026, 1, 1))
    scheme = make_scheme(subject_kind="unit")
    client = api(user_with_role("unit_admin", tree.bat))
    response = client.post(
        "/api/evaluations/evaluations/", {"scheme": scheme.pk, "subject": old.pk, "year": 2026}, format="json"
    )
    assert response.status_code == 400 and "已撤销" in response.json()["subject"][0]
    ok = client.post(
        "/api/evaluations/evaluations/",
        {"scheme": scheme.pk, "subject": tree.station.pk, "year": 2026},
        format="json",
    )
    assert ok.status_code == 201, ok.content


def test_a_dissolved_unit_is_not_offered_on_the_open_evaluation_page(tree, client):
    old = unit_dissolve(unit=make_unit(tree.bat, "station", "旧站"), on=datetime.date(2026, 1, 1))
    client.force_login(user_with_role("unit_admin", tree.bat))
    form = client.get("/admin/evaluations/evaluation/add/").context["form"]
    assert old not in form.fields["subject_unit"].queryset


def test_a_detachment_admin_cannot_add_a_scheme_in_the_admin_nor_through_the_service(tree, client):
    from django.core.exceptions import PermissionDenied

    from apps.evaluations.models import Scheme
    from apps.evaluations.services import scheme_save

    user = user_with_role("unit_admin", tree.det)
    client.force_login(user)
    assert client.get("/admin/evaluations/scheme/add/").status_code == 403
    with pytest.raises(PermissionDenied):
        scheme_save(
            instance=Scheme(code="x-1", name="越权方案", subject_kind="person", period_kind="year"),
            actor=user,
        )
    assert not Scheme.objects.filter(code="x-1").exists()


def test_a_bureau_admin_adds_a_scheme_through_the_service_with_history(tree, client):
    from apps.evaluations.models import Scheme

    user = user_with_role("hq_admin", tree.root)
    client.force_login(user)
    payload = {
        "code": "corps-new",
        "name": "新方案",
        "subject_kind": "person",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "",
        "honour_top_n": "1",
        "is_active": "on",
    }
    for prefix in ("criteria", "bands", "evaluator_roles"):
        payload.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post("/admin/evaluations/scheme/add/", payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Scheme.objects.get(code="corps-new").history.first().history_user == user
