"""Keep guardian's unit permission rows equal to the expansion of the live grants.

The invariant: for every (user, unit), the ``UnitPermission`` rows are exactly the union of
the permissions of the roles the user holds there. Every event that can change that union
rewrites the pairs it touches:

* a grant created, deleted, or changed (its holder, unit or role): the pair it had *before*
  the save (read in ``pre_save``, kept on the instance being saved) and the pair it has now;
* a role's permissions edited from either side of the relation (``role.permissions.add``
  or ``permission.role_set.add``), or cleared: every pair holding that role.

Queryset ``update()`` and raw writes bypass signals; the services never use them.
"""

from django.contrib.auth.models import Permission
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
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
    if have - wanted:
        current.exclude(permission_id__in=wanted).delete()
    if wanted - have:
        UnitPermission.objects.bulk_create(
            [
                UnitPermission(user_id=user_id, content_object_id=unit_id, permission_id=p)
                for p in wanted - have
            ]
        )


def sync_role_holders(role_ids) -> None:
    """Rewrite the rows of every (user, unit) holding one of these roles."""
    pairs = Grant.objects.filter(role_id__in=list(role_ids)).values_list("user_id", "unit_id").distinct()
    for user_id, unit_id in pairs:
        sync_unit_permissions(user_id=user_id, unit_id=unit_id)


@receiver(pre_save, sender=Grant)
def grant_about_to_change(sender, instance, raw=False, **kwargs):
    """Remember the holder and unit the stored grant had, so the old pair is rewritten too."""
    if raw or instance.pk is None:
        return
    instance._stored_holder = Grant.objects.filter(pk=instance.pk).values_list("user_id", "unit_id").first()


@receiver(post_save, sender=Grant)
def grant_saved(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_stored_holder", None)
    instance._stored_holder = None
    sync_unit_permissions(user_id=instance.user_id, unit_id=instance.unit_id)
    if before is not None and before != (instance.user_id, instance.unit_id):
        sync_unit_permissions(user_id=before[0], unit_id=before[1])
    if created:
        # Whoever holds a role works in the admin; the grant is what limits them there.
        type(instance.user).objects.filter(pk=instance.user_id, is_staff=False).update(is_staff=True)


@receiver(post_delete, sender=Grant)
def grant_deleted(sender, instance, **kwargs):
    sync_unit_permissions(user_id=instance.user_id, unit_id=instance.unit_id)


@receiver(m2m_changed, sender=Role.permissions.through)
def role_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse and isinstance(instance, Role):
        if action in {"post_add", "post_remove", "post_clear"}:
            sync_role_holders([instance.pk])
        return
    if not isinstance(instance, Permission):
        return
    # ``permission.role_set.add(role)``: the roles are the other side of the relation.
    if action == "pre_clear":
        instance._cleared_role_ids = list(instance.role_set.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove"}:
        sync_role_holders(pk_set or ())
    elif action == "post_clear":
        sync_role_holders(getattr(instance, "_cleared_role_ids", ()))
        instance._cleared_role_ids = ()
