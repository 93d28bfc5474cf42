"""``GET /api/units/{id}/moves/``: when a unit moved, from which parent to which, by whom."""

import pytest

from apps.units import services
from tests.factories.people import make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db


def moves_of(client, unit):
    return client.get(f"/api/units/{unit.pk}/moves/")


def test_a_move_is_listed_with_both_parents_and_the_movers_name(tree, api):
    mover = user_with_role("hq_admin", tree.corps, "zhang_mover")
    mover.last_name, mover.first_name = "张", "卫国"
    mover.save()
    services.unit_move(unit=tree.bat, new_parent=tree.det2, actor=mover)

    response = moves_of(api(mover), tree.bat)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    move = body["results"][0]
    assert move["from_parent"] == {"id": tree.det.pk, "name": "甲市支队"}
    assert move["to_parent"] == {"id": tree.det2.pk, "name": "乙市支队"}
    assert move["moved_by"] == "张卫国"
    assert "zhang_mover" not in response.content.decode()
    assert move["moved_at"]


def test_the_movers_person_name_is_shown_when_the_account_has_none(tree, api):
    mover = user_with_role("hq_admin", tree.corps, "mover2")
    make_person(tree.det, name="李明", user=mover)
    services.unit_move(unit=tree.bat, new_parent=tree.det2, actor=mover)
    assert moves_of(api(mover), tree.bat).json()["results"][0]["moved_by"] == "李明"


def test_moves_are_listed_newest_first_and_a_system_move_has_no_mover(tree, api):
    services.unit_move(unit=tree.bat, new_parent=tree.det2)
    services.unit_move(unit=tree.bat, new_parent=tree.det)
    results = moves_of(api(make_user("root", is_superuser=True)), tree.bat).json()["results"]
    assert [m["to_parent"]["id"] for m in results] == [tree.det.pk, tree.det2.pk]
    assert results[0]["moved_by"] is None


def test_parents_outside_the_callers_scope_are_named_without_their_ids(tree, api):
    services.unit_move(unit=tree.bat, new_parent=tree.det2)
    body = moves_of(api(user_with_role("viewer", tree.bat)), tree.bat).json()
    move = body["results"][0]
    assert move["from_parent"] == {"id": None, "name": "甲市支队"}
    assert move["to_parent"] == {"id": None, "name": "乙市支队"}


def test_a_unit_outside_the_callers_scope_is_not_found(tree, api):
    services.unit_move(unit=tree.bat, new_parent=tree.det2)
    assert moves_of(api(user_with_role("unit_admin", tree.station3)), tree.bat).status_code == 404
    assert moves_of(api(user_with_role("unit_admin", tree.station)), tree.bat).status_code == 404


def test_a_unit_never_moved_has_an_empty_history(tree, api):
    body = moves_of(api(user_with_role("viewer", tree.station)), tree.station).json()
    assert body["count"] == 0 and body["results"] == []
