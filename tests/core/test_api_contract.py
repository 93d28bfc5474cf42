"""The API answers as its schema says: bad paging is a 400 in Chinese, and every operation
documents its refusals (issue 21, item 4)."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.mark.parametrize("size", ["-1", "0", "abc", "201", "1.5"])
def test_a_page_size_out_of_range_is_a_400_naming_the_parameter(size, tree, make_user_with_role, api):
    client = api(make_user_with_role("unit_admin", tree.det))
    response = client.get("/api/units/", {"page_size": size})
    assert response.status_code == 400
    assert "每页条数" in response.json()["page_size"][0]


def test_a_page_size_in_range_is_honoured(tree, make_user_with_role, api):
    client = api(make_user_with_role("unit_admin", tree.det))
    assert len(client.get("/api/units/", {"page_size": 1}).json()["results"]) == 1


def test_every_operation_documents_its_refusals(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in {"post", "put", "patch"}:
                assert "400" in responses, (method, path)
    assert "ErrorDetail" in schema["components"]["schemas"]


def _enum_parameters(schema):
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            values = parameter.get("schema", {})
            enum = values.get("enum") or values.get("items", {}).get("enum")
            if parameter.get("in") == "query" and enum:
                yield path, parameter["name"]


def test_an_unknown_choice_in_a_documented_filter_is_a_400(db, api):
    from django.contrib.auth import get_user_model

    schema = SchemaGenerator().get_schema(request=None, public=True)
    client = api(get_user_model().objects.create_superuser("contract_root", password="x"))
    ignored = []
    for path, name in _enum_parameters(schema):
        response = client.get(path, {name: "no-such-choice"})
        if response.status_code != 400:
            ignored.append((path, name, response.status_code))
    assert not ignored, ignored


def test_an_unknown_api_url_answers_json_404(tree, make_user_with_role, api):
    response = api(make_user_with_role("unit_admin", tree.det)).get("/api/units/1.5e-07/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}
