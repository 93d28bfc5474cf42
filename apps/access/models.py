"""Roles (bundles of permissions) granted to users on units, stored as guardian object permissions."""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel


class Role(models.Model):
    """A named bundle of permissions (HQ administrator, unit administrator, approver...)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    description = models.TextField("说明", blank=True)
    permissions = models.ManyToManyField(Permission, verbose_name="权限", blank=True)
    history = HistoricalRecords(m2m_fields=[permissions])

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Grant(ScopedModel):
    """A role held by a user on a unit; it covers the unit and its whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants", verbose_name="用户"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="grants", verbose_name="单位"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants", verbose_name="角色")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="授权人",
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="grant_unique_user_unit_role")
        ]

    def __str__(self):
        return f"{self.user} · {self.role} @ {self.unit}"


class UnitPermission(UserObjectPermissionBase):
    """Guardian's direct-foreign-key permission table for units (materialised from grants)."""

    content_object = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="user_permissions"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "单位对象权限"
        verbose_name_plural = "单位对象权限"
        indexes = [models.Index(fields=["user", "permission"], name="unitperm_user_perm")]
