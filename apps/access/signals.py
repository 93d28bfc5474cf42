"""Keep guardian's unit permission rows equal to what the user's grants bundle."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Grant, Role, UnitPermission


def sync_unit_permissions(*, user_id: int, unit_id: int) -> None:
    """Rewrite the user's permission rows on one unit from all of their grants there."""
    wanted = set(
        Role.permissions.through.objects.filter(role__grants__user_id=user_id, role__grants__unit_id=unit_id)
        .values_list("permission_id", flat=True)
        .distinct()
    )
    current = UnitPermission.objects.filter(user_id=user_id, content_object_id=unit_id)
    have = set(current.values_list("permission_id", flat=True))
    current.exclude(permission_id__in=wanted).delete()
    UnitPermission.objects.bulk_create(
        [UnitPermission(user_id=user_id, content_object_id=unit_id, permission_id=p) for p in wanted - have]
    )


@receiver(post_save, sender=Grant)
@receiver(post_delete, sender=Grant)
def grant_changed(sender, instance, **kwargs):
    sync_unit_permissions(user_id=instance.user_id, unit_id=instance.unit_id)
    if kwargs.get("created"):
        # Whoever holds a role works in the admin; the grant is what limits them there.
        type(instance.user).objects.filter(pk=instance.user_id, is_staff=False).update(is_staff=True)


@receiver(m2m_changed, sender=Role.permissions.through)
def role_permissions_changed(sender, instance, action, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"} or not isinstance(instance, Role):
        return
    for user_id, unit_id in instance.grants.values_list("user_id", "unit_id").distinct():
        sync_unit_permissions(user_id=user_id, unit_id=unit_id)
