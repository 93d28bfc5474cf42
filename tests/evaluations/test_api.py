from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.evaluations.models import Evaluation, Score
from tests.factories.evaluations import make_scheme, sheet
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

URL = "/api/evaluations/evaluations/"


@pytest.fixture
def scheme(db):
    return make_scheme()


def _create(client, scheme, subject, **extra):
    return client.post(
        URL, {"scheme": scheme.pk, "subject": subject.pk, "year": 2026, **extra}, format="json"
    )


def test_schemes_are_listed_with_criteria_and_bands(api, hq):
    response = api(hq).get("/api/evaluations/schemes/")
    assert response.status_code == 200
    annual = next(s for s in response.json() if s["code"] == "annual")
    assert [b["label"] for b in annual["bands"]] == ["优秀", "称职", "基本称职", "不称职"]
    assert len(annual["criteria"]) == 5


def test_an_evaluator_creates_scores_and_publishes_through_the_api(
    api, tree, hq, scheme, django_capture_on_commit_callbacks
):
    client = api(hq)
    person = make_person(tree.station)
    response = _create(client, scheme, person)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{pk}/scores/", {"scores": sheet(scheme, "8", "10")}, format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["scores"]) == 2
    response = client.post(f"{URL}{pk}/publish/")
    assert response.status_code == 200, response.content
    body = response.json()
    # 100 × (2 × 8/10 + 1 × 10/20) / 3 = 70.00
    assert (body["status"], body["total"], body["grade"], body["rank_in_corps"]) == (
        "published",
        "70.00",
        "基本称职",
        1,
    )
    response = client.post(f"{URL}{pk}/scores/", {"scores": sheet(scheme, "9", "10")}, format="json")
    assert response.status_code == 400
    assert "已发布" in str(response.json())
    response = client.post(f"{URL}{pk}/correct/", {"reason": "复核后更正"}, format="json")
    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert response.json()["supersedes"] == pk


def test_a_score_above_the_maximum_is_a_400_with_a_clear_message_and_nothing_written(api, tree, hq, scheme):
    client = api(hq)
    pk = _create(client, scheme, make_person(tree.station)).json()["id"]
    response = client.post(f"{URL}{pk}/scores/", {"scores": sheet(scheme, "11", "10")}, format="json")
    assert response.status_code == 400
    assert "超出范围" in response.json()["scores"][0]
    assert not Score.objects.exists()


def test_a_subject_outside_the_scope_cannot_be_evaluated(api, tree, scheme):
    station_admin = user_with_role("unit_admin", tree.station)
    response = _create(api(station_admin), scheme, make_person(tree.station3))
    assert response.status_code == 400
    assert "subject" in response.json()
    assert not Evaluation.objects.exists()


def test_an_evaluation_outside_the_scope_is_a_404_and_a_viewer_gets_a_403(api, tree, hq, scheme):
    pk = _create(api(hq), scheme, make_person(tree.station3)).json()["id"]
    sibling = user_with_role("unit_admin", tree.det)
    assert api(sibling).get(f"{URL}{pk}/").status_code == 404
    assert (
        api(sibling).post(f"{URL}{pk}/scores/", {"scores": sheet(scheme, 1, 1)}, format="json").status_code
        == 404
    )
    viewer = user_with_role("viewer", tree.det2)
    assert api(viewer).get(f"{URL}{pk}/").status_code == 200
    assert (
        api(viewer).post(f"{URL}{pk}/scores/", {"scores": sheet(scheme, 1, 1)}, format="json").status_code
        == 403
    )
    assert api(viewer).post(f"{URL}{pk}/publish/").status_code == 403
    assert not Score.objects.exists()


def test_evaluations_cannot_be_edited_or_deleted_directly(api, tree, hq, scheme):
    pk = _create(api(hq), scheme, make_person(tree.station)).json()["id"]
    assert api(hq).patch(f"{URL}{pk}/", {"total": "100"}, format="json").status_code == 405
    assert api(hq).delete(f"{URL}{pk}/").status_code == 405


def _published(scheme, units, n):
    rows = []
    for i in range(n):
        unit = units[i % len(units)]
        rows.append(
            Evaluation(
                scheme=scheme,
                year=2026,
                subject_kind="person",
                person=make_person(unit),
                unit=unit,
                status="published",
                total=Decimal(60 + i % 40),
                grade="称职",
                rank_in_corps=i + 1,
                rank_in_parent=1,
            )
        )
    Evaluation.objects.bulk_create(rows)


def test_the_list_and_ranking_use_the_same_number_of_queries_for_few_and_many(api, tree, hq, scheme):
    client = api(hq)
    units = [tree.station, tree.station3, tree.tqz]

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    ranking_url = f"{URL}ranking/?scheme={scheme.pk}&year=2026"
    _published(scheme, units, 3)
    count(URL)  # warm the per-user permission cache
    few = count(URL), count(ranking_url)
    _published(scheme, units, 30)
    assert (count(URL), count(ranking_url)) == few


def test_the_ranking_is_scoped_ordered_and_exported_to_xlsx(api, tree, scheme):
    _published(scheme, [tree.station, tree.station3], 6)
    det_admin = user_with_role("unit_admin", tree.det)
    response = api(det_admin).get(f"{URL}ranking/?scheme={scheme.pk}&year=2026")
    results = response.json()["results"]
    assert len(results) == 3  # only the 甲市支队 half
    assert [r["rank_in_corps"] for r in results] == sorted(r["rank_in_corps"] for r in results)
    response = api(det_admin).get(f"{URL}ranking-xlsx/?scheme={scheme.pk}&year=2026")
    assert response.status_code == 200
    sheet_rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sheet_rows[0][0] == "总队内排名"
    assert len(sheet_rows) == 4
    assert all(row[3] == "甲站" for row in sheet_rows[1:])


def test_the_rollup_endpoint_gives_one_row_per_child(api, tree, hq, scheme):
    _published(scheme, [tree.station, tree.station3], 4)
    response = api(hq).get(f"{URL}rollup/?scheme={scheme.pk}&year=2026&unit={tree.corps.pk}")
    assert response.status_code == 200
    rows = {r["unit_name"]: r for r in response.json()}
    assert rows["甲市支队"]["subjects"] == 2
    assert rows["乙市支队"]["subjects"] == 2
    outsider = user_with_role("unit_admin", tree.corps2)
    response = api(outsider).get(f"{URL}rollup/?scheme={scheme.pk}&year=2026&unit={tree.corps.pk}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "",
        "scheme=abc&year=2026",
        "scheme={s}&year=x",
        "scheme={s}&year=2026&unit=x",
        "scheme={s}&year=2026&period_number=x",
    ],
)
def test_malformed_ranking_queries_are_a_400(api, hq, scheme, query):
    for endpoint in ("ranking", "ranking-xlsx", "rollup"):
        response = api(hq).get(f"{URL}{endpoint}/?{query.format(s=scheme.pk)}")
        assert response.status_code == 400, (endpoint, query)


def test_a_malformed_score_sheet_is_a_400(api, tree, hq, scheme):
    pk = _create(api(hq), scheme, make_person(tree.station)).json()["id"]
    for payload in ({"scores": {"x": "1"}}, {"scores": {}}, {"scores": "8"}, {}):
        assert api(hq).post(f"{URL}{pk}/scores/", payload, format="json").status_code == 400
    assert not Score.objects.exists()


def test_the_grade_distribution_endpoint_is_per_child_and_scoped(api, tree, hq, scheme):
    _published(scheme, [tree.station, tree.station3], 4)
    response = api(hq).get(f"{URL}distribution/?scheme={scheme.pk}&year=2026&unit={tree.corps.pk}")
    assert response.status_code == 200
    rows = {r["unit_name"]: r["grades"] for r in response.json()}
    assert rows == {"甲市支队": {"称职": 2}, "乙市支队": {"称职": 2}}
    det_admin = user_with_role("unit_admin", tree.det)
    response = api(det_admin).get(f"{URL}distribution/?scheme={scheme.pk}&year=2026&unit={tree.corps.pk}")
    assert response.status_code == 400  # the corps is above this user's scope
