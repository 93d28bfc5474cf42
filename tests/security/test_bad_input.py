"""Explicit bad input for every write endpoint, generated from the router and the OpenAPI schema.

For every endpoint that creates with ``POST /api/<prefix>/`` (a valid payload per endpoint in
``tests/security/objects.VALID_CREATE``), one field at a time is spoiled: malformed JSON, a
list or a number instead of an object, strings over their ``maxLength``, unknown foreign keys
and foreign keys to objects outside the user's scope, text where a date belongs, and date
ranges that end before they start. Each answers 400 naming the field, and no row is written.
Uploads: files over the size limit and files whose content is not what their name says.
Every custom POST action that takes a body refuses a malformed one with a 4xx, never a 5xx.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openpyxl import Workbook

from apps.commendations.models import Attachment
from apps.core.api.viewsets import ScopedViewSetMixin
from apps.people.models import ImportJob
from orgportal.urls import router
from tests.factories.units import grant, make_user

from .objects import FACTORIES, VALID_CREATE

pytestmark = pytest.mark.django_db

RAW = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
#: endpoints whose create takes a multipart upload (tested below with files)
UPLOAD_CREATE = {"people/imports"}
#: (start, end) field names a range is validated on, wherever both appear in a create body
DATE_PAIRS = [
    ("start_date", "end_date"),
    ("starts_at", "ends_at"),
    ("starts_on", "ends_on"),
    ("joined_on", "left_on"),
    ("period_start", "period_end"),
]
UNKNOWN_ID = 999_999_999


def create_endpoints():
    return [
        (prefix, viewset)
        for prefix, viewset, _ in router.registry
        if hasattr(viewset, "create") and "post" in viewset.http_method_names and prefix not in UPLOAD_CREATE
    ]


ENDPOINTS = create_endpoints()
IDS = [prefix for prefix, _ in ENDPOINTS]


def resolve(schema):
    while "$ref" in schema:
        schema = RAW["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_properties(prefix) -> dict:
    """The JSON request body's properties for ``POST /api/<prefix>/`` (read-only ones left out)."""
    operation = RAW["paths"][f"/api/{prefix}/"]["post"]
    schema = resolve(operation["requestBody"]["content"]["application/json"]["schema"])
    return {name: resolve(p) for name, p in schema.get("properties", {}).items() if not p.get("readOnly")}


def test_every_create_endpoint_has_a_valid_payload():
    missing = sorted(set(IDS) - set(VALID_CREATE))
    assert not missing, f"register a valid create payload in tests/security/objects.py for: {missing}"


@pytest.fixture
def ctx(tree):
    """A user granted HQ administration and the secretary's role on the station: every create
    permission, scope = the station's subtree."""
    from types import SimpleNamespace

    user = make_user("bad_input")
    for role in ("hq_admin", "secretary", "approver"):
        grant(user, tree.station, role)
    return SimpleNamespace(tree=tree, user=user, root_user=make_user("bad_input_root", is_superuser=True))


@pytest.fixture
def client(ctx, api):
    return api(ctx.user)


def model_of(viewset):
    return viewset.queryset.model


def rows(viewset) -> int:
    return model_of(viewset)._default_manager.count()


def post(client, prefix, payload):
    return client.post(f"/api/{prefix}/", payload, format="json")


def assert_refused(response, field, before, viewset, what):
    assert response.status_code == 400, (what, field, response.status_code, response.content[:300])
    body = response.json()
    assert field in body, (what, f"400 does not name {field!r}", body)
    assert rows(viewset) == before, (what, field, "a row was written")


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_the_valid_payload_is_created(prefix, viewset, ctx, client):
    payload, _ = VALID_CREATE[prefix](ctx)
    before = rows(viewset)
    response = post(client, prefix, payload)
    assert response.status_code == 201, (prefix, response.status_code, response.content[:500])
    assert rows(viewset) == before + 1


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_malformed_bodies_are_refused(prefix, viewset, ctx, client):
    VALID_CREATE[prefix](ctx)  # grants what creating needs (global reference data: the root)
    before = rows(viewset)
    for raw in (b'{"name": ', b"[]", b"42", b'"text"', b"null", b"\xff\xfe"):
        response = client.post(f"/api/{prefix}/", raw, content_type="application/json")
        assert response.status_code == 400, (prefix, raw, response.status_code, response.content[:300])
        assert rows(viewset) == before, (prefix, raw)


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_too_long_strings_are_refused_by_field(prefix, viewset, ctx, client):
    for field, prop in body_properties(prefix).items():
        if prop.get("type") != "string" or "maxLength" not in prop or "format" in prop or "enum" in prop:
            continue
        payload, _ = VALID_CREATE[prefix](ctx)
        before = rows(viewset)
        response = post(client, prefix, {**payload, field: "长" * (prop["maxLength"] + 1)})
        assert_refused(response, field, before, viewset, "too long")


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_nul_characters_are_refused(prefix, viewset, ctx, client):
    """PostgreSQL text cannot hold NUL: found by the write fuzz as a 500 on a username lookup."""
    for field, prop in body_properties(prefix).items():
        if prop.get("type") != "string" or "format" in prop:
            continue
        payload, _ = VALID_CREATE[prefix](ctx)
        before = rows(viewset)
        response = post(client, prefix, {**payload, field: f"{payload.get(field, 'x')}\x00"})
        assert response.status_code == 400, (prefix, field, response.status_code, response.content[:300])
        assert rows(viewset) == before, (prefix, field)


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_unknown_and_out_of_scope_foreign_keys_are_refused_by_field(prefix, viewset, ctx, client):
    _, foreign_keys = VALID_CREATE[prefix](ctx)
    for field, label in foreign_keys.items():
        outside = FACTORIES[label](ctx.tree.station2, ctx)  # a sibling station: not in scope
        for value, what in ((UNKNOWN_ID, "unknown id"), (outside.pk, "out-of-scope id")):
            payload, _ = VALID_CREATE[prefix](ctx)
            value = [value] if isinstance(payload.get(field), list) else value
            before = rows(viewset)
            response = post(client, prefix, {**payload, field: value})
            assert_refused(response, field, before, viewset, what)


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_wrong_types_are_refused_by_field(prefix, viewset, ctx, client):
    for field, prop in body_properties(prefix).items():
        if prop.get("format") in ("date", "date-time"):
            bad = "not-a-date"
        elif prop.get("type") == "integer":
            bad = "not-a-number"
        else:
            continue
        payload, _ = VALID_CREATE[prefix](ctx)
        before = rows(viewset)
        assert_refused(post(client, prefix, {**payload, field: bad}), field, before, viewset, "wrong type")


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_date_ranges_ending_before_they_start_are_refused(prefix, viewset, ctx, client):
    properties = body_properties(prefix)
    for start, end in DATE_PAIRS:
        if start not in properties or end not in properties:
            continue
        payload, _ = VALID_CREATE[prefix](ctx)
        assert start in payload and end in payload, f"give {prefix}'s valid payload both {start} and {end}"
        before = rows(viewset)
        response = post(client, prefix, {**payload, start: payload[end], end: payload[start]})
        assert response.status_code == 400, (prefix, start, end, response.status_code, response.content[:300])
        assert {start, end} & set(response.json()), (prefix, "the 400 names neither date", response.json())
        assert rows(viewset) == before


@pytest.mark.parametrize("prefix,viewset", ENDPOINTS, ids=IDS)
def test_a_patch_of_only_the_end_before_the_saved_start_is_refused(prefix, viewset, ctx, client):
    """The other half of a range is read from the saved row: a PATCH that sends only the
    end date must not slip an end before the start past the check."""
    properties = body_properties(prefix)
    for start, end in DATE_PAIRS:
        if start not in properties or end not in properties:
            continue
        payload, _ = VALID_CREATE[prefix](ctx)
        created = post(client, prefix, payload)
        assert created.status_code == 201, (prefix, created.content[:300])
        url = f"/api/{prefix}/{created.json()['id']}/"
        too_early = "2000-01-01T00:00:00+08:00" if "T" in str(payload[start]) else "2000-01-01"
        response = client.patch(url, {end: too_early}, format="json")
        if response.status_code == 405:  # no partial update offered (e.g. delegations)
            continue
        assert response.status_code == 400, (prefix, end, response.status_code, response.content[:300])
        assert end in response.json(), (prefix, response.json())
        saved = model_of(viewset)._default_manager.get(pk=created.json()["id"])
        assert str(getattr(saved, end) or "") != too_early[:10]


def test_every_date_range_in_a_create_body_is_covered():
    """A new pair of start/end names (not in ``DATE_PAIRS``) must be added there."""
    for prefix in IDS:
        names = set(body_properties(prefix))
        for name in names:
            for start_word, end_word in (("start", "end"), ("from", "to"), ("begin", "end")):
                if start_word in name.split("_"):
                    partner = "_".join(end_word if w == start_word else w for w in name.split("_"))
                    if partner in names:
                        assert (name, partner) in DATE_PAIRS, (prefix, name, partner)


# --- uploads ---------------------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


def xlsx_bytes():
    from io import BytesIO

    book = Workbook()
    book.active.append(["姓名"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_roster_uploads_too_big_or_not_a_workbook_are_refused(ctx, client):
    url = "/api/people/imports/"
    before = ImportJob.objects.count()
    cases = {
        "program named .xlsx": SimpleUploadedFile("roster.xlsx", EXE),
        "too big": SimpleUploadedFile("roster.xlsx", xlsx_bytes() + b"\x00" * (20 * 1024 * 1024 + 1)),
        "wrong extension": SimpleUploadedFile("roster.exe", xlsx_bytes()),
        "no file": None,
    }
    for what, file in cases.items():
        data = {"unit": ctx.tree.station.pk} if file is None else {"unit": ctx.tree.station.pk, "file": file}
        response = client.post(url, data, format="multipart")
        assert response.status_code == 400, (what, response.status_code, response.content[:300])
        assert "file" in response.json(), (what, response.json())
        assert ImportJob.objects.count() == before, what
    outside = client.post(
        url,
        {"unit": ctx.tree.station2.pk, "file": SimpleUploadedFile("r.xlsx", xlsx_bytes())},
        format="multipart",
    )
    assert outside.status_code == 400 and "unit" in outside.json()
    assert ImportJob.objects.count() == before


def test_evidence_uploads_too_big_or_not_what_they_claim_are_refused(ctx, client):
    nomination = FACTORIES["commendations.nomination"](ctx.tree.station, ctx)
    url = f"/api/commendations/nominations/{nomination.pk}/attachments/"
    before = Attachment.objects.count()
    cases = {
        "program named .pdf": SimpleUploadedFile("deeds.pdf", EXE),
        "too big": SimpleUploadedFile("deeds.pdf", b"%PDF-1.4 " + b"\x00" * (10 * 1024 * 1024 + 1)),
        "not allowed type": SimpleUploadedFile("deeds.exe", EXE),
        "empty": SimpleUploadedFile("deeds.pdf", b""),
    }
    for what, file in cases.items():
        response = client.post(url, {"file": file}, format="multipart")
        assert response.status_code == 400, (what, response.status_code, response.content[:300])
        assert "file" in response.json(), (what, response.json())
        assert Attachment.objects.count() == before, what
    ok = client.post(url, {"file": SimpleUploadedFile("deeds.pdf", b"%PDF-1.4 ok")}, format="multipart")
    assert ok.status_code == 201, ok.content[:300]


# --- custom POST actions ---------------------------------------------------------------------


def post_actions():
    found = []
    for prefix, viewset, _ in router.registry:
        if not issubclass(viewset, ScopedViewSetMixin):
            continue
        for action in viewset.get_extra_actions():
            path = (
                f"/api/{prefix}/{{id}}/{action.url_path}/"
                if action.detail
                else f"/api/{prefix}/{action.url_path}/"
            )
            takes_body = "requestBody" in RAW["paths"].get(path, {}).get("post", {})
            if "post" in action.mapping and takes_body:
                found.append((prefix, viewset, action))
    return found


ACTIONS = post_actions()


@pytest.mark.parametrize("prefix,viewset,action", ACTIONS, ids=[f"{p}/{a.url_path}" for p, _, a in ACTIONS])
def test_custom_actions_refuse_malformed_bodies_without_a_server_error(prefix, viewset, action, ctx, client):
    model = viewset.queryset.model
    if action.detail:
        obj = FACTORIES[model._meta.label_lower](ctx.tree.station, ctx)
        url = f"/api/{prefix}/{obj.pk}/{action.url_path}/"
    else:
        url = f"/api/{prefix}/{action.url_path}/"
    before = model._default_manager.count()
    for raw in (b'{"x": ', b"[]", b"42"):
        response = client.post(url, raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, raw, response.status_code, response.content[:300])
        assert response.status_code not in (401, 404), (url, raw, response.status_code)
    assert model._default_manager.count() == before
