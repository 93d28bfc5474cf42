"""The invariant: the permission rows (``access.UnitPermission``) always equal the expansion of
the live grants — for every grant (user, unit, role), one row per permission of the role on
that unit, and nothing else — after any sequence of grant creates, changes (holder, unit,
role), revokes, role permission edits and refused writes.

Hypothesis generates the sequences; each example runs in a transaction rolled back at its
end, on one tree built for the test.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.access import services
from apps.access.models import Grant, Role, UnitPermission
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db

UNITS = ["station", "squad", "station2", "bat", "det", "station3"]
ROLES = ["viewer", "talker", "approver", "unit_admin", "secretary"]
POOL = [
    "units.change_unit",
    "talks.view_talk_content",
    "people.view_personal_data",
    "commendations.approve_nomination",
    "access.add_grant",
    "reports.view_zeroreport",
]


def expansion() -> set[tuple[int, int, int]]:
    through = Role.permissions.through.objects.filter(role__grants__isnull=False)
    return set(through.values_list("role__grants__user_id", "role__grants__unit_id", "permission_id"))


def materialised() -> set[tuple[int, int, int]]:
    return set(UnitPermission.objects.values_list("user_id", "content_object_id", "permission_id"))


def permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


index = st.integers(min_value=0, max_value=50)
step = st.one_of(
    st.tuples(st.just("grant"), index, st.sampled_from(UNITS), st.sampled_from(ROLES)),
    st.tuples(st.just("move"), index, st.sampled_from(UNITS)),
    st.tuples(st.just("rerole"), index, st.sampled_from(ROLES)),
    st.tuples(st.just("rehold"), index, index),
    st.tuples(st.just("revoke"), index),
    st.tuples(st.just("role_add"), st.sampled_from(ROLES), st.sampled_from(POOL)),
    st.tuples(st.just("role_remove"), st.sampled_from(ROLES), st.sampled_from(POOL)),
    st.tuples(st.just("role_clear"), st.sampled_from(ROLES)),
    st.tuples(st.just("station_admin_grants"), index, st.sampled_from(UNITS), st.sampled_from(ROLES)),
    st.tuples(st.just("station_admin_moves"), index, st.sampled_from(UNITS)),
)


def run(step_, ctx):
    kind, *args = step_
    root, tree, users = ctx["root"], ctx["tree"], ctx["users"]
    grants = list(Grant.objects.order_by("pk"))
    pick = (lambda i: grants[i % len(grants)]) if grants else (lambda i: None)
    if kind == "grant":
        user, unit, role = users[args[0] % len(users)], getattr(tree, args[1]), Role.objects.get(code=args[2])
        services.role_grant(user=user, unit=unit, role=role, actor=root)
    elif kind in {"move", "rerole", "rehold"} and grants:
        g = pick(args[0])
        if kind == "move":
            g.unit = getattr(tree, args[1])
        elif kind == "rerole":
            g.role = Role.objects.get(code=args[1])
        else:
            g.user = users[args[1] % len(users)]
        services.grant_update(instance=g, actor=root)
    elif kind == "revoke" and grants:
        services.grant_revoke(grant=pick(args[0]), actor=root)
    elif kind in {"role_add", "role_remove", "role_clear"}:
        role = Role.objects.get(code=args[0])
        current = set(role.permissions.all())
        if kind == "role_add":
            current.add(permission(args[1]))
        elif kind == "role_remove":
            current.discard(permission(args[1]))
        else:
            current = set()
        services.role_permissions_set(role=role, permissions=current, actor=root)
    elif kind == "station_admin_grants":  # often refused: outside their station, or above them
        user, unit, role = users[args[0] % len(users)], getattr(tree, args[1]), Role.objects.get(code=args[2])
        services.role_grant(user=user, unit=unit, role=role, actor=ctx["station_admin"])
    elif kind == "station_admin_moves" and grants:
        g = pick(args[0])
        g.unit = getattr(tree, args[1])
        services.grant_update(instance=g, actor=ctx["station_admin"])


@pytest.fixture
def world(tree):
    return {
        "tree": tree,
        "root": make_user("invariant_root", is_superuser=True),
        "users": [make_user(f"holder{i}") for i in range(3)],
        "station_admin": user_with_role("unit_admin", tree.station, "invariant_station_admin"),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_permission_rows_equal_the_expansion_of_the_live_grants_after_any_sequence(world, steps):
    with transaction.atomic():
        assert materialised() == expansion()
        for s in steps:
            try:
                with transaction.atomic():
                    run(s, world)
            except (PermissionDenied, ValidationError):
                pass  # a refused write changes nothing
            assert materialised() == expansion(), s
        transaction.set_rollback(True)


def test_a_grant_moved_by_a_plain_save_still_leaves_no_rows_behind(tree):
    """Even outside the services (a shell, a data migration), the signals follow the grant."""
    holder = user_with_role("viewer", tree.station)
    g = Grant.objects.get(user=holder)
    g.unit = tree.station3
    g.save()
    assert materialised() == expansion()
    other = make_user()
    g.user = other
    g.save()
    assert materialised() == expansion()
    g.delete()
    assert not UnitPermission.objects.filter(user__in=[holder, other]).exists()
