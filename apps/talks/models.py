"""Talk records 谈心谈话: who talked with whom, when and how; the content is confidential.

Content fields hold Fernet ciphertext (``apps.talks.crypto``); read them only through
``apps.talks.content`` which checks the reader's right and writes the access log.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel, ScopedQuerySet

from . import crypto


def display_name(user) -> str:
    """A user's name, family name first; the login name only when no name is on file."""
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.username


class TalkKind(models.TextChoices):
    ROUTINE = "routine", "日常谈心"
    WARTIME = "wartime", "战时谈心"
    PRE_DEPLOYMENT = "pre_deployment", "出征前谈话"
    RETURN_FROM_LEAVE = "return_from_leave", "休假归队谈话"
    DIFFICULTY_HELP = "difficulty_help", "帮扶谈话"
    REMINDER = "reminder", "提醒谈话"
    ADMONITION = "admonition", "诫勉谈话"
    HOME_VISIT = "home_visit", "家访"
    SOLIDARITY_VISIT = "solidarity_visit", "走访慰问"
    ISOLATION_TALK = "isolation_talk", "隔离人员谈心"


#: the 五个一 care items of the seed report (one talk, one home visit, one visit of solidarity,
#: one conversation in isolation; the fifth, one difficulty solved, is a completed follow-up)
FIVE_ONES = [TalkKind.ROUTINE, TalkKind.HOME_VISIT, TalkKind.SOLIDARITY_VISIT, TalkKind.ISOLATION_TALK]

CONTENT_FIELDS = {
    "state_of_mind": "思想动态",
    "warning_signs": "苗头性倾向性问题",
    "difficulties": "家庭个人困难",
}


#: what a share lets its reader do: see the record and read its content, nothing more
SHARED_PERMISSIONS = {"view", "talks.view_talkrecord", "talks.view_talk_content"}


class TalkRecordQuerySet(ScopedQuerySet):
    """``visible_to`` adds the records shared with the user (``TalkShare``) that are in force
    today: a share stops counting the day after its end date, with no task to run."""

    def visible_to(self, user, action: str = "view", *, shared: bool = True):
        restricted = super().visible_to(user, action)
        if not shared or action not in SHARED_PERMISSIONS or not user or not user.is_authenticated:
            return restricted
        if user.is_superuser or not user.is_active:
            return restricted
        # One small indexed read (nearly always empty), once per request, so the plain unit
        # filter stays the statement the planner drives from the (unit, date) index.
        pks = shared_record_pks(user)
        if not pks:
            return restricted
        return self.filter(models.Q(pk__in=restricted.values("pk")) | models.Q(pk__in=pks))

    def in_scope(self, user, action: str = "view"):
        """Visible by the user's own grants only (no shares): what coverage counts."""
        return self.visible_to(user, action, shared=False)

    def live(self):
        """Records not voided."""
        return self.filter(voided_at__isnull=True)


SHARES_CACHE = "talk-shares"


def shared_record_pks(user) -> list[int]:
    """Ids of the records shared with ``user`` in force today, read once per request or task
    (``apps.core.request_cache``; the share services forget it after a share or revoke)."""
    from apps.core.request_cache import memoized

    today = timezone.localdate()
    return memoized(
        (SHARES_CACHE, user.pk, today),
        lambda: sorted(
            TalkShare.objects.in_force(today).filter(reader_id=user.pk).values_list("record_id", flat=True)
        ),
    )


class TalkRecord(ScopedModel):
    """One talk. ``unit`` is the unit of the person talked with on the talk date.

    A record is never edited away: its talker or the committee voids it with a reason
    (``voided_at``); only a superuser deletes one, and the access log survives that."""

    # Shares live in ``TalkShare`` (reason, end date, revocation), not in guardian's table:
    # the scoping layer's guardian lookup has no end date, so it is switched off here and
    # ``TalkRecordQuerySet.visible_to`` adds the shares in force instead.
    allow_record_grants = False

    objects = models.Manager.from_queryset(TalkRecordQuerySet)()

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="talk_records", verbose_name="所在单位"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="talk_records", verbose_name="谈话对象"
    )
    talker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="talks_held", verbose_name="谈话人"
    )
    date = models.DateField("谈话日期")
    place = models.CharField("地点", max_length=100, blank=True)
    kind = models.CharField("谈话类型", max_length=20, choices=TalkKind.choices, default=TalkKind.ROUTINE)
    state_of_mind_enc = models.TextField("思想动态（密文）", blank=True, editable=False)
    warning_signs_enc = models.TextField("苗头性倾向性问题（密文）", blank=True, editable=False)
    difficulties_enc = models.TextField("家庭个人困难（密文）", blank=True, editable=False)
    has_warning_signs = models.BooleanField("有苗头性倾向性问题", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="作废人",
    )
    void_reason = models.CharField("作废原因", max_length=500, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=["state_of_mind_enc", "warning_signs_enc", "difficulties_enc"]
    )

    class Meta:
        verbose_name = "谈心谈话记录"
        verbose_name_plural = "谈心谈话记录"
        ordering = ["-date", "-id"]
        permissions = [("view_talk_content", "可以查阅谈心谈话内容")]
        indexes = [
            models.Index(fields=["unit", "-date"], name="talk_unit_date"),
            # the newest talks of a large scope (detachment, corps): walk the dates backwards
            models.Index(fields=["-date", "-id"], name="talk_date_id"),
            models.Index(fields=["talker", "-date"], name="talk_talker_date"),
            models.Index(fields=["person", "date"], name="talk_person_date"),
            # coverage (``talks.selectors.coverage_tree``): the people talked with in a period
            # read from the index alone (an index-only scan), not from ~9,500 heap pages
            models.Index(
                fields=["date", "person", "unit"],
                condition=models.Q(voided_at__isnull=True),
                name="talk_live_date_person",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}（谈话对象：{self.person.name}）"

    def set_content(self, **values: str) -> None:
        """Encrypt the given content fields (plaintext never reaches the database)."""
        for name, value in values.items():
            if name not in CONTENT_FIELDS:
                raise ValueError(name)
            setattr(self, f"{name}_enc", crypto.encrypt(value or ""))
        if "warning_signs" in values:
            self.has_warning_signs = bool(values["warning_signs"])

    def decrypted_content(self) -> dict[str, str]:
        """Plaintext content. Callers must have checked the reader's right (``content.py``)."""
        return {name: crypto.decrypt(getattr(self, f"{name}_enc")) for name in CONTENT_FIELDS}

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @classmethod
    def record_grant_holds(cls, user, perm: str, obj) -> bool:
        """Whether a share in force gives ``user`` the permission ``perm`` on ``obj``
        (for a permission backend: shares end by date, guardian rows do not)."""
        if perm not in SHARED_PERMISSIONS or not user.is_active or obj.pk is None:
            return False
        return obj.pk in shared_record_pks(user)


class FollowUp(ScopedModel):
    """A follow-up 跟进事项 of a talk: owner, due date, status; its text is confidential too."""

    scope_field = "record__unit"

    class Status(models.TextChoices):
        OPEN = "open", "待落实"
        DONE = "done", "已落实"
        CANCELLED = "cancelled", "已取消"

    record = models.ForeignKey(
        TalkRecord, on_delete=models.CASCADE, related_name="followups", verbose_name="谈话记录"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="talk_followups",
        verbose_name="责任人",
    )
    due_date = models.DateField("期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    description_enc = models.TextField("跟进事项（密文）", blank=True, editable=False)
    outcome_enc = models.TextField("落实情况（密文）", blank=True, editable=False)
    completed_on = models.DateField("落实日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["description_enc", "outcome_enc"])

    class Meta:
        verbose_name = "谈话跟进事项"
        verbose_name_plural = "谈话跟进事项"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="followup_status_due")]

    def __str__(self):
        return f"跟进事项 #{self.pk}（{self.get_status_display()}，期限 {self.due_date}）"

    def set_text(self, *, description: str | None = None, outcome: str | None = None) -> None:
        if description is not None:
            self.description_enc = crypto.encrypt(description)
        if outcome is not None:
            self.outcome_enc = crypto.encrypt(outcome)

    def decrypted_text(self) -> dict[str, str]:
        return {
            "description": crypto.decrypt(self.description_enc),
            "outcome": crypto.decrypt(self.outcome_enc),
        }


class TalkContentAccess(ScopedModel):
    """The access log, append-only: every read of a record's content and every share,
    revocation, voiding and deletion of a record — who, which record, when, through what.

    It outlives the record: a superuser's deletion sets ``record`` to null and the row keeps
    ``record_number`` (the record's id) and ``unit`` (where it is scoped)."""

    scope_field = "unit"

    class Channel(models.TextChoices):
        API = "api", "接口"
        ADMIN = "admin", "管理后台"
        EXPORT = "export", "导出"
        WORKBENCH = "workbench", "工作台"

    class Event(models.TextChoices):
        READ = "read", "查阅内容"
        SHARE = "share", "共享"
        REVOKE = "revoke", "撤销共享"
        VOID = "void", "作废记录"
        DELETE = "delete", "删除记录"

    record = models.ForeignKey(
        TalkRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="content_reads",
        verbose_name="谈话记录",
    )
    record_number = models.PositiveIntegerField("谈话记录编号", db_index=True)
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    event = models.CharField("事项", max_length=10, choices=Event.choices, default=Event.READ)
    channel = models.CharField("途径", max_length=10, choices=Channel.choices)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="共享对象",
    )
    note = models.CharField("说明", max_length=500, blank=True)
    accessed_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "谈话内容查阅日志"
        verbose_name_plural = "谈话内容查阅日志"
        ordering = ["-accessed_at", "-id"]

    def __str__(self):
        return f"{self.user} {self.get_event_display()} #{self.record_number}"

    def save(self, *args, **kwargs):
        """Append only: a row is written once, never changed (a deleted record's id and unit
        are copied onto the row when it is written)."""
        if self.pk is not None:
            raise ValueError("谈话内容查阅日志只能追加，不能修改。")
        if self.record_id is not None:
            if not self.record_number:
                self.record_number = self.record_id
            if self.unit_id is None:
                self.unit_id = TalkRecord._base_manager.values_list("unit_id", flat=True).get(
                    pk=self.record_id
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("谈话内容查阅日志只能追加，不能删除。")


class ShareQuerySet(ScopedQuerySet):
    def in_force(self, day=None):
        """Not revoked, and the end date (if any) not passed: judged at query time."""
        day = day or timezone.localdate()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class TalkShare(ScopedModel):
    """One talk record shared with one more reader: why, by whom, until when; revocable.

    In force while not revoked and until the end of ``ends_on`` (no end date: until
    revoked). Shares, revocations and reads are all in ``TalkContentAccess``."""

    scope_field = "record__unit"

    record = models.ForeignKey(
        TalkRecord, on_delete=models.CASCADE, related_name="shares", verbose_name="谈话记录"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="talk_shares",
        verbose_name="共享对象",
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,  # shares made before shares had a lifecycle carry no sharer
        blank=True,
        related_name="+",
        verbose_name="共享人",
    )
    reason = models.CharField("共享原因", max_length=500)
    ends_on = models.DateField("截止日期", null=True, blank=True)
    outside_corps = models.BooleanField("跨总队共享", default=False)
    created_at = models.DateTimeField("共享时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="撤销人",
    )
    revoke_reason = models.CharField("撤销原因", max_length=500, blank=True)

    history = HistoricalRecords()
    objects = models.Manager.from_queryset(ShareQuerySet)()

    class Meta:
        verbose_name = "谈话记录共享"
        verbose_name_plural = "谈话记录共享"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["reader", "revoked_at"], name="talkshare_reader")]

    def __str__(self):
        return f"谈话记录 #{self.record_id} 共享给 {self.reader}"

    def in_force_on(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.revoked_at is None and (self.ends_on is None or self.ends_on >= day)


class TalkPolicy(ScopedModel):
    """How often a unit's subtree must talk with everyone; inherited from the nearest ancestor."""

    class Period(models.TextChoices):
        MONTH = "month", "每月"
        QUARTER = "quarter", "每季度"

    unit = models.OneToOneField(
        "units.Unit", on_delete=models.CASCADE, related_name="talk_policy", verbose_name="单位"
    )
    period = models.CharField("谈心谈话周期", max_length=10, choices=Period.choices, default=Period.QUARTER)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "谈心谈话周期设置"
        verbose_name_plural = "谈心谈话周期设置"

    def __str__(self):
        return f"{self.unit}：{self.get_period_display()}"


class CoverageSnapshot(ScopedModel):
    """Per-unit coverage for a period, stored nightly for the dashboard."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="talk_coverage", verbose_name="单位"
    )
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    people = models.PositiveIntegerField("应谈人数")
    covered = models.PositiveIntegerField("已谈人数")
    overdue_followups = models.PositiveIntegerField("逾期跟进事项")
    computed_at = models.DateTimeField("统计时间", auto_now=True)

    class Meta:
        verbose_name = "谈心谈话覆盖率统计"
        verbose_name_plural = "谈心谈话覆盖率统计"
        ordering = ["unit__path", "-period_start"]
        constraints = [models.UniqueConstraint(fields=["unit", "period_start"], name="coverage_unit_period")]

    def __str__(self):
        return f"{self.unit} {self.period_start}：{self.covered}/{self.people}"

    @property
    def coverage_pct(self) -> float:
        return round(100 * self.covered / self.people, 1) if self.people else 100.0
