"""考核方案 through the API (issue 21, item 4): read by everyone who uses evaluations, written
through the services by HQ at the bureau only (``scheme.manage`` on the root), and the same
services behind the admin. The ranking family's query parameters are checked and declared."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.evaluations import services
from apps.evaluations.models import Evaluation, GradeBand, Scheme, SchemeEvaluator
from apps.evaluations.services import evaluation_create
from tests.factories.evaluations import make_scheme
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

URL = "/api/evaluations/schemes/"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def bureau(tree):
    """HQ administrator at the root of the tree: the one who manages schemes."""
    return user_with_role("hq_admin", tree.root)


def payload(**extra):
    return {
        "code": "new-scheme",
        "name": "新考核方案",
        "subject_kind": "person",
        "period_kind": "year",
        "aggregation": "role_weighted",
        "bands": [{"label": "优秀", "min_total": "90.00"}, {"label": "合格", "min_total": "0.00"}],
        "evaluator_roles": [{"role": "secretary", "weight": "2.00"}],
        **extra,
    }


def in_chinese(body: dict, field: str) -> bool:
    messages = body[field] if isinstance(body[field], list) else [json.dumps(body[field], ensure_ascii=False)]
    return all(CHINESE.search(str(m)) for m in messages)


def snapshot(scheme: Scheme):
    scheme = Scheme.objects.filter(pk=scheme.pk).first()
    if scheme is None:
        return None
    return (
        {f.attname: getattr(scheme, f.attname) for f in Scheme._meta.concrete_fields},
        list(scheme.bands.values_list("label", "min_total")),
        list(scheme.criteria.values_list("pk", flat=True)),
        scheme.history.count(),
    )


def test_a_bureau_administrator_creates_a_scheme_with_bands_and_evaluator_roles(api, bureau):
    response = api(bureau).post(URL, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [b["label"] for b in body["bands"]] == ["优秀", "合格"]
    assert body["evaluator_roles"] == [{"role": "secretary", "weight": "2.00"}]
    scheme = Scheme.objects.get(code="new-scheme")
    assert scheme.history.first().history_user == bureau
    assert SchemeEvaluator.objects.get(scheme=scheme).role.code == "secretary"


def test_a_bureau_administrator_changes_a_scheme_and_its_bands_replace_the_old_ones(api, bureau):
    scheme = make_scheme()
    response = api(bureau).patch(
        f"{URL}{scheme.pk}/",
        {"name": "改过的方案", "bands": [{"label": "达标", "min_total": "60"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["bands"] == [{"label": "达标", "min_total": "60.00"}]
    scheme.refresh_from_db()
    assert scheme.name == "改过的方案"
    assert list(GradeBand.objects.filter(scheme=scheme).values_list("label", flat=True)) == ["达标"]
    assert scheme.criteria.count() == 2  # criteria are not touched by a scheme's change


def test_a_bureau_administrator_deletes_a_scheme_nobody_used(api, bureau):
    scheme = make_scheme()
    assert api(bureau).delete(f"{URL}{scheme.pk}/").status_code == 204
    assert not Scheme.objects.filter(pk=scheme.pk).exists()


def test_a_scheme_that_evaluations_use_is_not_deleted_and_the_answer_says_why(api, tree, hq, bureau):
    scheme = make_scheme()
    evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    before = snapshot(scheme)
    response = api(bureau).delete(f"{URL}{scheme.pk}/")
    assert response.status_code == 400, response.content
    assert "已有考核记录" in response.json()["scheme"][0]
    assert snapshot(scheme) == before
    assert Evaluation.objects.filter(scheme=scheme).count() == 1


def test_a_used_scheme_keeps_its_code_subject_and_period(api, tree, hq, bureau):
    scheme = make_scheme()
    evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    before = snapshot(scheme)
    response = api(bureau).patch(
        f"{URL}{scheme.pk}/", {"subject_kind": "unit", "period_kind": "month", "code": "other"}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert {"subject_kind", "period_kind", "code"} <= set(body)
    assert in_chinese(body, "subject_kind")
    assert snapshot(scheme) == before
    # its name and bands still change
    assert api(bureau).patch(f"{URL}{scheme.pk}/", {"name": "新名称"}, format="json").status_code == 200


@pytest.mark.parametrize(
    "role,where",
    [("hq_admin", "corps"), ("unit_admin", "station"), ("secretary", "det"), ("viewer", "station")],
)
def test_below_the_bureau_schemes_are_read_but_never_written(api, tree, role, where):
    scheme = make_scheme()
    client = api(user_with_role(role, getattr(tree, where)))
    before, count = snapshot(scheme), Scheme.objects.count()
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{scheme.pk}/").status_code == 200
    refusals = [
        client.post(URL, payload(), format="json"),
        client.patch(f"{URL}{scheme.pk}/", {"name": "越权"}, format="json"),
        client.put(f"{URL}{scheme.pk}/", payload(code=scheme.code), format="json"),
        client.delete(f"{URL}{scheme.pk}/"),
    ]
    assert [r.status_code for r in refusals] == [403] * 4
    assert all("考核方案" in r.json()["detail"] for r in refusals)
    assert snapshot(scheme) == before and Scheme.objects.count() == count


def test_who_holds_no_evaluation_rights_cannot_read_schemes_and_anonymous_is_401(api, tree):
    assert api(user_with_role("talker", tree.station)).get(URL).status_code == 403
    assert api().get(URL).status_code == 401
    assert api().post(URL, payload(), format="json").status_code == 401


@pytest.mark.parametrize(
    "change,field",
    [
        ({"code": "annual"}, "code"),  # already taken
        ({"code": "不是代码"}, "code"),
        ({"subject_kind": "dog"}, "subject_kind"),
        ({"name": ""}, "name"),
        ({"honour_top_n": 0}, "honour_top_n"),
        ({"bands": [{"label": "优", "min_total": "101"}]}, "bands"),
        ({"bands": [{"label": "优", "min_total": "90"}, {"label": "优", "min_total": "80"}]}, "bands"),
        ({"evaluator_roles": [{"role": "nobody", "weight": "1"}]}, "evaluator_roles"),
        ({"evaluator_roles": [{"role": "secretary", "weight": "0"}]}, "evaluator_roles"),
        ({"bands": "优秀"}, "bands"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_in_chinese_and_nothing_is_written(api, bureau, change, field):
    count, bands = Scheme.objects.count(), GradeBand.objects.count()
    response = api(bureau).post(URL, payload(**change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert in_chinese(response.json(), field), response.json()
    assert (Scheme.objects.count(), GradeBand.objects.count()) == (count, bands)


def test_the_admin_writes_through_the_same_services(client, tree, hq, bureau, monkeypatch):
    calls = []
    for name in ("scheme_save", "scheme_delete"):
        original = getattr(services, name)
        monkeypatch.setattr(services, name, lambda _o=original, _n=name, **kw: calls.append(_n) or _o(**kw))
    client.force_login(bureau)
    form = {
        "code": "admin-new",
        "name": "后台新方案",
        "subject_kind": "person",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "",
        "honour_top_n": "1",
        "is_active": "on",
    }
    for prefix in ("criteria", "bands", "evaluator_roles"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    assert client.post("/admin/evaluations/scheme/add/", form).status_code == 302
    assert calls == ["scheme_save"]
    unused = make_scheme()
    response = client.post(f"/admin/evaluations/scheme/{unused.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert calls == ["scheme_save", "scheme_delete"]
    assert not Scheme.objects.filter(pk=unused.pk).exists()
    # a used scheme is not deleted from the admin either (its evaluations protect it)
    used = make_scheme()
    evaluation_create(scheme=used, subject=make_person(tree.station), year=2026, actor=hq)
    client.post(f"/admin/evaluations/scheme/{used.pk}/delete/", {"post": "yes"})
    assert Scheme.objects.filter(pk=used.pk).exists()


def test_the_admin_refuses_changing_a_used_scheme_s_subject_with_the_services_message(
    client, tree, hq, bureau
):
    used = make_scheme()
    evaluation_create(scheme=used, subject=make_person(tree.station), year=2026, actor=hq)
    client.force_login(bureau)
    form = {
        "code": used.code,
        "name": used.name,
        "subject_kind": "unit",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "",
        "honour_top_n": "1",
        "is_active": "on",
    }
    for prefix in ("criteria", "bands", "evaluator_roles"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/evaluations/scheme/{used.pk}/change/", form)
    assert response.status_code == 200
    assert "不能更改考核对象" in response.content.decode()
    used.refresh_from_db()
    assert used.subject_kind == "person"


def test_listing_schemes_takes_the_same_number_of_queries_for_few_and_many(api, tree):
    client = api(user_with_role("viewer", tree.station))
    client.get(URL)  # warm: content types, roles

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(6):
        scheme = make_scheme()
        SchemeEvaluator.objects.create(scheme=scheme, role_id=1)
    assert queries() == few


# --- the ranking family's query parameters ----------------------------------------------------

RANKING = "/api/evaluations/evaluations/"


@pytest.mark.parametrize(
    "path,params,field",
    [
        ("ranking", {"year": 2026}, "scheme"),
        ("ranking", {"scheme": "x", "year": 2026}, "scheme"),
        ("ranking", {"scheme": 999_999, "year": 2026}, "scheme"),
        ("ranking", {"scheme": "{s}"}, "year"),
        ("ranking", {"scheme": "{s}", "year": 1999}, "year"),
        ("ranking", {"scheme": "{s}", "year": 2026, "period_number": 13}, "period_number"),
        ("ranking", {"scheme": "{s}", "year": 2026, "period_label": "长" * 61}, "period_label"),
        ("ranking", {"scheme": "{s}", "year": 2026, "unit": ""}, "unit"),
        ("ranking-xlsx", {"scheme": "{s}", "year": "next"}, "year"),
        ("rollup", {"scheme": "{s}", "year": 2026}, "unit"),
        ("distribution", {"scheme": "{s}", "year": 2026, "unit": "{outside}"}, "unit"),
    ],
)
def test_a_missing_or_invalid_ranking_parameter_is_a_400_in_chinese(api, tree, path, params, field):
    scheme = make_scheme()
    client = api(user_with_role("unit_admin", tree.station))
    values = {"s": scheme.pk, "outside": tree.station3.pk}
    query = {k: (v.format(**values) if isinstance(v, str) and "{" in v else v) for k, v in params.items()}
    response = client.get(f"{RANKING}{path}/", query)
    assert response.status_code == 400, (path, query, response.content)
    assert in_chinese(response.json(), field), response.json()


def test_the_schema_declares_the_ranking_parameters_the_xlsx_answer_and_the_proposals_201():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from apps.core.exports import XLSX_CONTENT_TYPE

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    paths = raw["paths"]
    for path in ("ranking", "ranking-xlsx", "rollup", "distribution"):
        parameters = {p["name"]: p for p in paths[f"{RANKING}{path}/"]["get"]["parameters"]}
        assert parameters["scheme"]["required"] and parameters["year"]["required"], path
        assert parameters["year"]["schema"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
        assert parameters["period_number"]["schema"]["enum"] == list(range(13))
        assert parameters["unit"].get("required", False) == (path in ("rollup", "distribution"))
        assert not {"status", "grade", "search"} & set(parameters), path  # no ignored filters
    xlsx = paths[f"{RANKING}ranking-xlsx/"]["get"]["responses"]["200"]["content"]
    assert list(xlsx) == [XLSX_CONTENT_TYPE]
    propose = paths["/api/evaluations/honours/propose/"]["post"]["responses"]
    assert "201" in propose and "200" not in propose
    assert propose["201"]["content"]["application/json"]["schema"]["type"] == "array"
    assert {"post", "put", "patch", "delete"} <= set(paths[f"{URL}{{id}}/"]) | set(paths[URL])


# --- criteria ----------------------------------------------------------------------------------

CRITERIA = "/api/evaluations/criteria/"


def test_a_bureau_administrator_adds_changes_and_deletes_criteria(api, bureau):
    scheme = make_scheme()
    heading = scheme.criteria.first()
    client = api(bureau)
    created = client.post(
        CRITERIA,
        {"scheme": scheme.pk, "parent": heading.pk, "name": "细项", "weight": "1", "max_score": "5"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.patch(f"{CRITERIA}{pk}/", {"max_score": "8"}, format="json").status_code == 200
    listed = client.get(CRITERIA, {"scheme": scheme.pk}).json()["results"]
    assert {c["name"]: c["max_score"] for c in listed} == {"甲": "10.00", "乙": "20.00", "细项": "8.00"}
    assert client.delete(f"{CRITERIA}{pk}/").status_code == 204
    assert scheme.criteria.count() == 2


def test_a_criterion_stays_in_its_scheme_under_a_parent_of_the_same_scheme_and_never_under_itself(
    api, bureau
):
    scheme, other = make_scheme(), make_scheme()
    first, second = scheme.criteria.order_by("order")
    child = services.scheme_part_save(
        instance=type(first)(scheme=scheme, parent=first, name="子项"), actor=bureau
    )
    client = api(bureau)
    cases = [
        (
            client.post(
                CRITERIA,
                {"scheme": scheme.pk, "parent": other.criteria.first().pk, "name": "x"},
                format="json",
            ),
            "parent",
        ),
        (client.patch(f"{CRITERIA}{second.pk}/", {"scheme": other.pk}, format="json"), "scheme"),
        (client.patch(f"{CRITERIA}{first.pk}/", {"parent": child.pk}, format="json"), "parent"),
        (client.patch(f"{CRITERIA}{first.pk}/", {"parent": first.pk}, format="json"), "parent"),
        (
            client.post(CRITERIA, {"scheme": scheme.pk, "name": "x", "max_score": "0"}, format="json"),
            "max_score",
        ),
    ]
    for response, field in cases:
        assert response.status_code == 400, response.content
        assert in_chinese(response.json(), field), response.json()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.parent_id, second.scheme_id, scheme.criteria.count()) == (None, scheme.pk, 3)


def test_a_scored_criterion_is_not_deleted(api, tree, hq, bureau):
    from tests.factories.evaluations import sheet

    scheme = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    services.scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, "8", "10"))
    criterion = scheme.criteria.first()
    response = api(bureau).delete(f"{CRITERIA}{criterion.pk}/")
    assert response.status_code == 400, response.content
    assert "已有评分" in json.dumps(response.json(), ensure_ascii=False)
    assert scheme.criteria.filter(pk=criterion.pk).exists()


def test_below_the_bureau_criteria_are_read_but_never_written(api, tree):
    scheme = make_scheme()
    criterion = scheme.criteria.first()
    client = api(user_with_role("unit_admin", tree.corps))
    assert client.get(CRITERIA, {"scheme": scheme.pk}).status_code == 200
    refusals = [
        client.post(CRITERIA, {"scheme": scheme.pk, "name": "越权"}, format="json"),
        client.patch(f"{CRITERIA}{criterion.pk}/", {"name": "越权"}, format="json"),
        client.delete(f"{CRITERIA}{criterion.pk}/"),
    ]
    assert [r.status_code for r in refusals] == [403] * 3
    criterion.refresh_from_db()
    assert criterion.name == "甲" and scheme.criteria.count() == 2


def test_listing_criteria_takes_the_same_number_of_queries_for_few_and_many(api, tree):
    client = api(user_with_role("viewer", tree.station))
    client.get(CRITERIA)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CRITERIA, {"page_size": 200}).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(5):
        make_scheme()
    assert queries() == few
