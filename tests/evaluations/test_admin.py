"""The admin: scoped changelists, the score page through the service, reference data at corps level."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.evaluations.models import Evaluation, Scheme, Score
from apps.evaluations.services import evaluation_create
from tests.factories.evaluations import leaves, make_scheme
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/evaluations/evaluation/"


@pytest.fixture
def scheme(db):
    return make_scheme()


def _rows(scheme, units, n):
    Evaluation.objects.bulk_create(
        Evaluation(
            scheme=scheme,
            year=2026,
            subject_kind="person",
            person=make_person(units[i % len(units)]),
            unit=units[i % len(units)],
            total=Decimal(50 + i),
            grade="称职",
            rank_in_corps=i + 1,
        )
        for i in range(n)
    )


def test_the_changelist_is_scoped_and_filters_by_subtree(client, tree, scheme):
    _rows(scheme, [tree.station, tree.station3], 4)
    client.force_login(user_with_role("unit_admin", tree.det))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert {e.unit for e in response.context["cl"].result_list} == {tree.station}
    response = client.get(f"{CHANGELIST}?unit_subtree={tree.station3.pk}")
    assert list(response.context["cl"].result_list) == []


def test_the_changelist_runs_the_same_number_of_queries_for_few_and_many(client, tree, scheme):
    client.force_login(user_with_role("unit_admin", tree.corps))
    units = [tree.station, tree.station3, tree.tqz]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST).status_code == 200
        return len(ctx.captured_queries)

    _rows(scheme, units, 3)
    count()
    few = count()
    _rows(scheme, units, 30)
    assert count() == few


def test_the_score_page_saves_through_the_service_and_refuses_out_of_bounds(
    client, tree, hq, scheme, django_capture_on_commit_callbacks
):
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    client.force_login(hq)
    url = f"{CHANGELIST}{evaluation.pk}/score/"
    a, b = leaves(scheme)
    response = client.post(url, {f"c{a.pk}": "11", f"c{b.pk}": "5"})
    assert response.status_code == 200
    assert "10" in str(response.context["form"].errors)
    assert not Score.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {f"c{a.pk}": "9", f"c{b.pk}": "5"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    # 100 × (2 × 0.9 + 0.25) / 3 = 68.33
    assert evaluation.total == Decimal("68.33")


def test_the_score_page_is_out_of_reach_outside_the_scope_or_without_the_permission(client, tree, hq, scheme):
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    client.force_login(user_with_role("unit_admin", tree.det2))
    assert client.get(f"{CHANGELIST}{evaluation.pk}/score/").status_code == 404
    client.force_login(user_with_role("viewer", tree.det))
    assert client.get(f"{CHANGELIST}{evaluation.pk}/score/").status_code == 403


def test_publish_action_and_ranking_export(client, tree, hq, scheme, django_capture_on_commit_callbacks):
    client.force_login(hq)
    a, b = leaves(scheme)
    pks = []
    for values in [("9", "5"), ("10", "20")]:
        evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{CHANGELIST}{evaluation.pk}/score/", {f"c{a.pk}": values[0], f"c{b.pk}": values[1]})
        pks.append(evaluation.pk)
    response = client.post(CHANGELIST, {"action": "publish_selected", "_selected_action": pks})
    assert response.status_code == 302
    assert set(Evaluation.objects.values_list("status", flat=True)) == {"published"}
    response = client.post(CHANGELIST, {"action": "export_ranking", "_selected_action": pks})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [1, 2]
    assert rows[1][4] == 100.0


def test_reference_schemes_are_read_only_below_the_bureau(client, tree):
    annual = Scheme.objects.get(code="annual")
    client.force_login(user_with_role("unit_admin", tree.station))
    response = client.post(f"/admin/evaluations/scheme/{annual.pk}/change/", {"name": "改名"})
    assert response.status_code in (302, 403) or "改名" not in response.content.decode()
    annual.refresh_from_db()
    assert annual.name == "年度考核"
    # a corps shares the schemes with every other corps: it reads them, it does not edit them
    client.force_login(user_with_role("hq_admin", tree.corps))
    assert client.get("/admin/evaluations/scheme/add/").status_code == 403
    client.force_login(user_with_role("hq_admin", tree.root))
    assert client.get(f"/admin/evaluations/scheme/{annual.pk}/change/").status_code == 200
    assert client.get("/admin/evaluations/scheme/add/").status_code == 200


def test_the_ranking_page_is_scoped_ordered_exportable_and_has_a_rollup(client, tree, scheme):
    _rows(scheme, [tree.station, tree.station3, tree.tqz], 6)
    client.force_login(user_with_role("unit_admin", tree.det))
    url = f"{CHANGELIST}ranking/?scheme={scheme.pk}&year=2026&unit={tree.det.pk}"
    response = client.get(url)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {e.unit for e in rows} == {tree.station, tree.tqz}
    assert [e.rank_in_corps for e in rows] == sorted(e.rank_in_corps for e in rows)
    assert {r["unit_name"]: r["subjects"] for r in response.context["rollup"]} == {"甲区大队": 2, "特勤站": 2}
    response = client.get(url + "&format=xlsx")
    sheet_rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(sheet_rows) == 5
    # A unit outside the scope is not a valid choice.
    response = client.get(f"{CHANGELIST}ranking/?scheme={scheme.pk}&year=2026&unit={tree.det2.pk}")
    assert response.context["rows"] is None
    assert "unit" in response.context["form"].errors


def test_the_ranking_page_runs_the_same_number_of_queries_for_few_and_many(client, tree, scheme):
    client.force_login(user_with_role("unit_admin", tree.corps))
    url = f"{CHANGELIST}ranking/?scheme={scheme.pk}&year=2026&unit={tree.corps.pk}"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _rows(scheme, [tree.station, tree.station3], 3)
    count()
    few = count()
    _rows(scheme, [tree.station, tree.station3], 30)
    assert count() == few


def test_the_admin_opens_an_evaluation_through_the_service_within_the_scope(client, tree, scheme):
    admin_user = user_with_role("unit_admin", tree.det)
    client.force_login(admin_user)
    inside, outside = make_person(tree.station), make_person(tree.station3)
    assert client.get(f"{CHANGELIST}add/").status_code == 200
    response = client.post(f"{CHANGELIST}add/", {"scheme": scheme.pk, "year": 2026, "person": outside.pk})
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    response = client.post(
        f"{CHANGELIST}add/", {"scheme": scheme.pk, "year": 2026, "subject_unit": tree.station.pk}
    )
    assert response.status_code == 200  # a person scheme refuses a unit subject
    assert Evaluation.objects.count() == 0
    response = client.post(f"{CHANGELIST}add/", {"scheme": scheme.pk, "year": 2026, "person": inside.pk})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.person, evaluation.unit, evaluation.created_by) == (inside, tree.station, admin_user)
    client.force_login(user_with_role("viewer", tree.det))
    assert client.get(f"{CHANGELIST}add/").status_code == 403
