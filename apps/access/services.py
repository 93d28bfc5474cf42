"""Granting and revoking roles."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .models import Grant, Role


def role_grant_check(*, unit, role: Role, actor) -> None:
    """Refuse a grant the actor may not hand out: only on units they administer, and only
    permissions they hold there themselves (no escalation)."""
    if not actor.is_superuser:
        if not actor.has_perm("access.add_grant", unit):
            raise PermissionDenied("您无权在该单位授权。")
        missing = [
            p
            for p in role.permissions.select_related("content_type")
            if not actor.has_perm(f"{p.content_type.app_label}.{p.codename}", unit)
        ]
        if missing:
            raise ValidationError({"role": "不能授予超出您自身权限的角色。"})


def role_grant(*, user, unit, role: Role, actor) -> Grant:
    """Give ``user`` the ``role`` on ``unit``; the actor may only hand out what they hold there."""
    role_grant_check(unit=unit, role=role, actor=actor)
    with transaction.atomic():
        grant, _ = Grant.objects.get_or_create(
            user=user, unit=unit, role=role, defaults={"granted_by": actor}
        )
    return grant


def grant_revoke(*, grant: Grant, actor) -> None:
    """Withdraw a grant; it stops counting at once (no cache outlives the request)."""
    if not actor.is_superuser and not actor.has_perm("access.delete_grant", grant.unit):
        raise PermissionDenied("您无权撤销该授权。")
    grant.delete()
