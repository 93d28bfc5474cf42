"""Units and users with grants: the base fixture every scoping test stands on."""

import itertools
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from apps.access.models import Grant, Role
from apps.units.models import Unit

_codes = itertools.count(1)


def make_unit(parent: Unit | None, kind: str, name: str | None = None, **extra) -> Unit:
    n = next(_codes)
    fields = {"name": name or f"{kind}-{n}", "kind": kind, "code": extra.pop("code", f"T{n:05d}"), **extra}
    return parent.add_child(**fields) if parent else Unit.add_root(**fields)


def make_user(username: str | None = None, **extra):
    n = next(_codes)
    return get_user_model().objects.create_user(
        username or f"user{n}", password="Test-pass-2026", is_staff=True, **extra
    )


def grant(user, unit: Unit, role_code: str) -> Grant:
    return Grant.objects.create(user=user, unit=unit, role=Role.objects.get(code=role_code))


def user_with_role(role_code: str, unit: Unit, username: str | None = None):
    user = make_user(username)
    grant(user, unit, role_code)
    return user


def build_tree() -> SimpleNamespace:
    """A small hand-built tree::

    root (bureau)
    ├── corps
    │   ├── det            (detachment)
    │   │   ├── bat        (battalion)
    │   │   │   ├── station      ── squad
    │   │   │   └── station2
    │   │   └── tqz        (station directly under the detachment)
    │   └── det2           (sibling detachment)
    │       └── bat2 ── station3 ── squad3
    └── corps2
    """
    t = SimpleNamespace()
    t.root = make_unit(None, "bureau", "消防救援局")
    t.corps = make_unit(t.root, "corps", "甲省总队")
    t.det = make_unit(t.corps, "detachment", "甲市支队")
    t.bat = make_unit(t.det, "battalion", "甲区大队")
    t.station = make_unit(t.bat, "station", "甲站")
    t.squad = make_unit(t.station, "squad", "甲站一班")
    t.station2 = make_unit(t.bat, "station", "乙站")
    t.tqz = make_unit(t.det, "station", "特勤站")
    t.det2 = make_unit(t.corps, "detachment", "乙市支队")
    t.bat2 = make_unit(t.det2, "battalion", "乙区大队")
    t.station3 = make_unit(t.bat2, "station", "丙站")
    t.squad3 = make_unit(t.station3, "squad", "丙站一班")
    t.corps2 = make_unit(t.root, "corps", "乙省总队")
    for name, unit in vars(t).copy().items():
        setattr(t, name, Unit.objects.get(pk=unit.pk))  # fresh paths after all inserts
    return t
