"""Talk records 谈心谈话: who talked with whom, when and how; the content is confidential.

Content fields hold Fernet ciphertext (``apps.talks.crypto``); read them only through
``apps.talks.content`` which checks the reader's right and writes the access log.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel

from . import crypto


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


class TalkRecord(ScopedModel):
    """One talk. ``unit`` is the unit of the person talked with on the talk date."""

    allow_record_grants = True  # one record may be shared with one more reader (guardian)

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
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}（谈话对象：{self.person_id}）"

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
    """One read of a talk record's content: who, which record, when and through what."""

    scope_field = "record__unit"

    class Channel(models.TextChoices):
        API = "api", "接口"
        ADMIN = "admin", "管理后台"
        EXPORT = "export", "导出"

    record = models.ForeignKey(
        TalkRecord, on_delete=models.CASCADE, related_name="content_reads", verbose_name="谈话记录"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="查阅人"
    )
    channel = models.CharField("途径", max_length=10, choices=Channel.choices)
    accessed_at = models.DateTimeField("查阅时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "谈话内容查阅日志"
        verbose_name_plural = "谈话内容查阅日志"
        ordering = ["-accessed_at"]

    def __str__(self):
        return f"{self.user} 查阅 #{self.record_id}"


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
