"""The command tree 组织架构: bureau → corps → detachment → battalion → station → squad."""

from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from apps.core.scoping import UNIT_PATH_STEP, ScopedModel, ScopedQuerySetMixin


class UnitKind(models.TextChoices):
    BUREAU = "bureau", "消防救援局"
    CORPS = "corps", "总队"
    DETACHMENT = "detachment", "支队"
    BATTALION = "battalion", "大队"
    STATION = "station", "消防救援站"
    SQUAD = "squad", "班组"


# The kinds a unit of each kind may hang under (None: it may be a root).
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    UnitKind.BUREAU: {None},
    UnitKind.CORPS: {None, UnitKind.BUREAU},
    UnitKind.DETACHMENT: {UnitKind.CORPS},
    UnitKind.BATTALION: {UnitKind.DETACHMENT},
    # 特勤站 often report straight to their detachment.
    UnitKind.STATION: {UnitKind.BATTALION, UnitKind.DETACHMENT},
    UnitKind.SQUAD: {UnitKind.STATION},
}

KIND_RANK = {kind: rank for rank, kind in enumerate(UnitKind.values)}


class UnitQuerySet(ScopedQuerySetMixin, MP_NodeQuerySet):
    def live(self):
        return self.filter(dissolved_on__isnull=True)

    def with_parent_id(self):
        """Annotate ``parent_pk`` in the same query (no per-row ``get_parent()``)."""
        parent = Unit.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - UNIT_PATH_STEP)
        )
        return self.annotate(parent_pk=Subquery(parent.values("pk")[:1]))

    def subtree_of(self, unit):
        return self.filter(path__startswith=unit.path)


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")


class Unit(MP_Node):
    """One unit of the command tree; every scoped record points at one."""

    steplen = UNIT_PATH_STEP
    scope_field = ""

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    code = models.CharField("单位代码", max_length=40, unique=True)
    kind = models.CharField("类别", max_length=20, choices=UnitKind.choices)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["numchild"])
    objects = UnitManager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        permissions = [("move_unit", "可以调整单位隶属关系")]
        indexes = [
            models.Index(fields=["kind"], name="unit_kind"),
            # Prefix (LIKE 'path%') filters need the pattern opclass on PostgreSQL.
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    def full_name(self, separator: str = "/") -> str:
        """The names from the root down, e.g. 贵州省消防救援总队/遵义支队."""
        return separator.join(u.name for u in [*self.get_ancestors(), self])


class UnitMove(ScopedModel):
    """One re-parenting of a unit: where it was before, where it went, who did it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="moves", verbose_name="单位")
    from_parent = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="原上级")
    to_parent = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="新上级")
    moved_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name="操作人"
    )
    moved_at = models.DateTimeField("调整时间", auto_now_add=True)

    class Meta:
        verbose_name = "隶属调整记录"
        verbose_name_plural = "隶属调整记录"
        ordering = ["-moved_at"]

    def __str__(self):
        return f"{self.unit}: {self.from_parent} → {self.to_parent}"
