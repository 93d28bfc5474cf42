"""Moving, renaming, creating and dissolving units through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.access.models import Grant
from apps.units import services
from apps.units.models import Unit, UnitMove
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def test_move_keeps_descendants_and_scopes_follow(tree):
    det_admin = user_with_role("unit_admin", tree.det)
    det2_admin = user_with_role("unit_admin", tree.det2)
    grant_on_station = Grant.objects.get(user=user_with_role("viewer", tree.station))

    services.unit_move(unit=tree.bat, new_parent=tree.det2)

    bat = Unit.objects.get(pk=tree.bat.pk)
    assert bat.get_parent() == tree.det2
    assert set(bat.get_descendants()) == {tree.station, tree.squad, tree.station2}
    assert not det_admin.has_perm("units.view_unit", tree.station)
    assert det2_admin.has_perm("units.view_unit", tree.station)
    assert tree.station not in Unit.objects.visible_to(det_admin, "view")
    assert (
        Grant.objects.get(pk=grant_on_station.pk).unit_id == tree.station.pk
    )  # records point at units, they follow


def test_move_records_the_old_parent_in_history(tree):
    services.unit_move(unit=tree.bat, new_parent=tree.det2)
    move = UnitMove.objects.get(unit=tree.bat)
    assert (move.from_parent, move.to_parent) == (tree.det, tree.det2)
    latest = Unit.objects.get(pk=tree.bat.pk).history.first()
    assert "甲市支队" in latest.history_change_reason
    assert latest.prev_record is not None and latest.prev_record.path != latest.path


@pytest.mark.parametrize(
    "unit, target, message",
    [
        ("det", "station", "上级只能是"),  # wrong kind
        ("bat", "station", "上级只能是"),
        ("corps", "det", "上级只能是"),
        ("root", "corps", "顶级单位"),
    ],
)
def test_bad_moves_are_refused_with_a_clear_message(tree, unit, target, message):
    before = list(Unit.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError) as exc:
        services.unit_move(unit=getattr(tree, unit), new_parent=getattr(tree, target))
    assert message in str(exc.value)
    assert list(Unit.objects.values_list("pk", "path")) == before


def test_moving_under_its_own_descendant_is_refused(tree):
    # a detachment under its own station's squad would be a cycle; try the same-kind cycle too
    services.unit_validate_placement(kind="station", parent=tree.bat)  # allowed in general
    with pytest.raises(ValidationError, match="自身或其下级"):
        services.unit_validate_placement(kind="battalion", parent=tree.det, unit=tree.det)


def test_moving_under_a_dissolved_unit_is_refused(tree):
    empty = Unit.objects.get(pk=tree.det2.pk)
    new_bat = services.unit_create(parent=empty, name="新大队", kind="battalion", code="NEWBAT")
    services.unit_dissolve(unit=new_bat)
    with pytest.raises(ValidationError, match="已撤销"):
        services.unit_move(unit=tree.station2, new_parent=new_bat)


def test_unit_admin_cannot_move_a_unit_out_of_their_subtree(tree):
    admin = user_with_role("unit_admin", tree.det)
    with pytest.raises(PermissionDenied):
        services.unit_move(unit=tree.bat, new_parent=tree.det2, actor=admin)
    assert Unit.objects.get(pk=tree.bat.pk).get_parent() == tree.det


def test_dissolve_is_refused_while_children_live(tree):
    with pytest.raises(ValidationError, match="未撤销的下级"):
        services.unit_dissolve(unit=tree.station)
    services.unit_dissolve(unit=tree.squad)
    services.unit_dissolve(unit=tree.station)
    assert Unit.objects.get(pk=tree.station.pk).dissolved_on is not None


def test_rename_keeps_the_old_name_in_history(tree):
    services.unit_rename(unit=tree.station, name="新甲站")
    names = list(Unit.objects.get(pk=tree.station.pk).history.values_list("name", flat=True))
    assert names[:2] == ["新甲站", "甲站"]


def test_create_refuses_wrong_parent_kind_and_empty_name(tree):
    with pytest.raises(ValidationError, match="上级只能是"):
        services.unit_create(parent=tree.station, name="错大队", kind="battalion", code="X1")
    with pytest.raises(ValidationError, match="名称不能为空"):
        services.unit_create(parent=tree.bat, name="  ", kind="station", code="X2")
    assert not Unit.objects.filter(code__in=["X1", "X2"]).exists()
