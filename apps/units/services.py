"""Writes on the command tree: create, rename, move, dissolve. Each runs in one transaction."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ALLOWED_PARENT_KINDS, Unit, UnitKind


def _kind_label(kind) -> str:
    return UnitKind(kind).label if kind in UnitKind.values else str(kind)


def unit_validate_placement(*, kind: str, parent: Unit | None, unit: Unit | None = None) -> None:
    """Refuse a kind/parent combination the tree does not allow; messages are for users."""
    if kind not in UnitKind.values:
        raise ValidationError({"kind": f"未知的单位类别：{kind}。"})
    allowed = ALLOWED_PARENT_KINDS[kind]
    if parent is None:
        if None not in allowed:
            raise ValidationError({"parent": f"{_kind_label(kind)}必须有上级单位。"})
        return
    if parent.is_dissolved:
        raise ValidationError({"parent": f"上级单位“{parent.name}”已撤销。"})
    if parent.kind not in allowed:
        names = "、".join(_kind_label(k) for k in allowed if k)
        raise ValidationError(
            {"parent": f"{_kind_label(kind)}的上级只能是{names}，不能是{_kind_label(parent.kind)}。"}
        )
    if unit is not None and unit.pk and parent.path.startswith(unit.path):
        raise ValidationError({"parent": "不能把单位调整到它自身或其下级单位之下。"})


def _require(actor, perm: str, unit: Unit | None) -> None:
    if actor is None or actor.is_superuser:
        return
    if unit is None or not actor.has_perm(perm, unit):
        raise PermissionDenied("您无权在该单位下进行此操作。")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "名称不能为空。"})
    return name


@transaction.atomic
def unit_create(
    *, parent: Unit | None, name: str, kind: str, code: str, short_name: str = "", actor=None
) -> Unit:
    """Create a unit under ``parent`` (or a root, for superusers only)."""
    name = _clean_name(name)
    if parent is None and actor is not None and not actor.is_superuser:
        raise PermissionDenied("只有系统管理员可以创建顶级单位。")
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
        _require(actor, "units.add_unit", parent)
    unit_validate_placement(kind=kind, parent=parent)
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": f"单位代码“{code}”已被使用。"})
    fields = {"name": name, "short_name": short_name, "kind": kind, "code": code}
    return parent.add_child(**fields) if parent else Unit.add_root(**fields)


@transaction.atomic
def unit_rename(*, unit: Unit, name: str, short_name: str | None = None, actor=None) -> Unit:
    """Rename a unit; the old name stays in its history."""
    _require(actor, "units.change_unit", unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    unit.name = _clean_name(name)
    if short_name is not None:
        unit.short_name = short_name
    unit.save()
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit, actor=None) -> Unit:
    """Re-parent a unit with its whole subtree; records follow because they point at units.

    The actor needs the move permission on the unit and the add permission on the new
    parent, so a unit administrator can never move a unit out of their subtree.
    """
    if new_parent is None:
        raise ValidationError({"parent": "请选择新的上级单位。"})
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
    if unit.is_root():
        raise ValidationError({"parent": "不能调整顶级单位的隶属关系。"})
    _require(actor, "units.move_unit", unit)
    _require(actor, "units.add_unit", new_parent)
    unit_validate_placement(kind=unit.kind, parent=new_parent, unit=unit)
    old_parent = unit.get_parent()
    if old_parent.pk == new_parent.pk:
        return unit
    unit.move(new_parent, "last-child")
    unit = Unit.objects.get(pk=unit.pk)
    unit._change_reason = f"隶属调整：{old_parent.name} → {new_parent.name}"
    unit.save()
    from .models import UnitMove

    UnitMove.objects.create(
        unit=unit,
        from_parent=old_parent,
        to_parent=new_parent,
        moved_by=actor if actor and actor.pk else None,
    )
    return unit


@transaction.atomic
def unit_dissolve(*, unit: Unit, actor=None, on: datetime.date | None = None) -> Unit:
    """Dissolve (soft) a unit; refused while it still has live children."""
    _require(actor, "units.delete_unit", unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_dissolved:
        raise ValidationError({"dissolved_on": "该单位已撤销。"})
    live_children = unit.get_children().filter(dissolved_on__isnull=True)
    if live_children.exists():
        names = "、".join(live_children.values_list("name", flat=True)[:5])
        raise ValidationError({"dissolved_on": f"该单位仍有未撤销的下级单位：{names}。"})
    unit.dissolved_on = on or timezone.localdate()
    unit.save()
    return unit
