"""Commendations 表彰奖励: award kinds, quotas, nominations and their decisions, orders, models."""

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel


class AwardKind(models.Model):
    """An award and the unit kind whose approval makes it final (reference data)."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=40)
    approving_kind = models.CharField(
        "审批层级", max_length=12, help_text="单位类别：detachment、corps、bureau…"
    )
    collective = models.BooleanField("集体奖项", default=False)
    notice_days = models.PositiveSmallIntegerField("公示天数", default=5)
    order = models.PositiveSmallIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "奖项"
        verbose_name_plural = "奖项"
        ordering = ["order"]

    def __str__(self):
        return self.name


class QuotaPeriod(models.TextChoices):
    """The part of the year a quota covers, by the month of the final approval 审批通过."""

    YEAR = "", "全年"
    H1 = "H1", "上半年"
    H2 = "H2", "下半年"
    Q1 = "Q1", "第一季度"
    Q2 = "Q2", "第二季度"
    Q3 = "Q3", "第三季度"
    Q4 = "Q4", "第四季度"


#: period → (first month, last month)
PERIOD_MONTHS = {
    "": (1, 12),
    "H1": (1, 6),
    "H2": (7, 12),
    "Q1": (1, 3),
    "Q2": (4, 6),
    "Q3": (7, 9),
    "Q4": (10, 12),
}


class Quota(ScopedModel):
    """名额: how many of an award a unit's subtree may receive in a year, or in a part of it
    (``period``: the awards whose final approval falls in those months count against it)."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="award_quotas", verbose_name="单位"
    )
    award_kind = models.ForeignKey(
        AwardKind, on_delete=models.PROTECT, related_name="quotas", verbose_name="奖项"
    )
    year = models.PositiveSmallIntegerField("年度")
    period = models.CharField(
        "期间",
        max_length=2,
        choices=QuotaPeriod.choices,
        default=QuotaPeriod.YEAR,
        blank=True,
        help_text="留空为全年；按审批通过（进入公示）的月份计入半年或季度名额",
    )
    limit = models.PositiveIntegerField("名额")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "表彰名额"
        verbose_name_plural = "表彰名额"
        constraints = [
            models.UniqueConstraint(fields=["unit", "award_kind", "year", "period"], name="one_quota")
        ]

    def __str__(self):
        period = f"{self.get_period_display()}" if self.period else ""
        return f"{self.unit} {self.year}{period} {self.award_kind}：{self.limit}"

    @property
    def months(self) -> tuple[int, int]:
        return PERIOD_MONTHS[self.period]


class Nomination(ScopedModel):
    """A nomination for an award, drafted by a unit, climbing the tree to its approving level."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审核"
        APPROVING = "approving", "审批中"
        NOTICE = "notice", "公示中"
        OBJECTED = "objected", "公示异议处理中"
        AWARDED = "awarded", "已授予"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="nominations", verbose_name="推荐单位"
    )
    award_kind = models.ForeignKey(
        AwardKind, on_delete=models.PROTECT, related_name="nominations", verbose_name="奖项"
    )
    year = models.PositiveSmallIntegerField("年度")
    subject_person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name="推荐人选",
    )
    subject_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="推荐集体（单位）",
    )
    subject_organisation = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name="推荐集体（党组织）",
    )
    deeds = models.TextField("先进事迹", max_length=20000)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    current_level = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="当前审批单位",
    )
    waiting_since = models.DateTimeField("进入当前环节时间", null=True, blank=True)
    notice_ends_on = models.DateField("公示截止日期", null=True, blank=True)
    approved_on = models.DateField(
        "审批通过日期", null=True, blank=True, help_text="最终审批通过、进入公示的日期（名额按此计入期间）"
    )
    priority = models.BooleanField("优先推荐（年度先进党小组成员等）", default=False)
    source_note = models.CharField("推荐依据", max_length=200, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="起草人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    order = models.ForeignKey(
        "AwardOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name="表彰通报",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "表彰推荐"
        verbose_name_plural = "表彰推荐"
        ordering = ["-created_at"]
        permissions = [
            ("review_nomination", "可以审核表彰推荐（党组织审核）"),
            ("approve_nomination", "可以审批表彰推荐"),
        ]
        indexes = [
            models.Index(fields=["status", "current_level"], name="nomination_inbox"),
            models.Index(fields=["award_kind", "year", "status"], name="nomination_quota"),
            # newest first, walked backwards by large scopes instead of sorting every row
            models.Index(fields=["-created_at", "-id"], name="nomination_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        subject_person__isnull=False,
                        subject_unit__isnull=True,
                        subject_organisation__isnull=True,
                    )
                    | models.Q(
                        subject_person__isnull=True,
                        subject_unit__isnull=False,
                        subject_organisation__isnull=True,
                    )
                    | models.Q(
                        subject_person__isnull=True,
                        subject_unit__isnull=True,
                        subject_organisation__isnull=False,
                    )
                ),
                name="nomination_one_subject",
                violation_error_message="须且只能指定一个推荐对象（个人、单位或党组织）。",
            ),
            # One live nomination per subject, award and year (a rejected or withdrawn one
            # may be drafted again). The service says so first; the index holds under races.
            *[
                models.UniqueConstraint(
                    fields=["award_kind", "year", subject],
                    condition=models.Q(**{f"{subject}__isnull": False})
                    & ~models.Q(status__in=["rejected", "withdrawn"]),
                    name=f"nomination_once_per_{subject}",
                    violation_error_message="同一推荐对象在同一年度已有该奖项的推荐（未否决、未撤回），不能重复推荐。",
                )
                for subject in ("subject_person", "subject_unit", "subject_organisation")
            ],
        ]

    def __str__(self):
        return f"{self.award_kind}：{self.subject_name}"

    @property
    def subject_name(self) -> str:
        subject = self.subject_person or self.subject_unit or self.subject_organisation
        return str(subject) if subject else "—"


class Decision(ScopedModel):
    """One step of a nomination: who, when, from which state to which, at what level, why."""

    scope_field = "nomination__unit"

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="decisions", verbose_name="推荐"
    )
    #: empty for the steps the system takes itself (授予 when the public notice ends)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
        help_text="为空表示系统自动处理（如公示期满自动授予）",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代理对象",
    )
    action = models.CharField("操作", max_length=20)
    from_status = models.CharField("原状态", max_length=12)
    to_status = models.CharField("新状态", max_length=12)
    level = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="层级"
    )
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审批记录"
        verbose_name_plural = "审批记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status}"


class Attachment(ScopedModel):
    """证明材料: an evidence file of a nomination, served only through scoped views."""

    scope_field = "nomination__unit"

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="attachments", verbose_name="推荐"
    )
    file = models.FileField("附件", upload_to="nominations/%Y/")
    original_name = models.CharField("文件名", max_length=200, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name or self.file.name


class Support(ScopedModel):
    """依据: what supports a nomination, either a published evaluation of its subject or an
    earlier award (awarded nomination) of the same subject."""

    scope_field = "nomination__unit"

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="supports", verbose_name="推荐"
    )
    evaluation = models.ForeignKey(
        "evaluations.Evaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supported_nominations",
        verbose_name="考核结果",
    )
    earlier_award = models.ForeignKey(
        Nomination,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supported_nominations",
        verbose_name="既往奖励",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "推荐依据"
        verbose_name_plural = "推荐依据"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(evaluation__isnull=False, earlier_award__isnull=True)
                    | models.Q(evaluation__isnull=True, earlier_award__isnull=False)
                ),
                name="support_one_target",
            ),
            models.UniqueConstraint(fields=["nomination", "evaluation"], name="support_unique_evaluation"),
            models.UniqueConstraint(fields=["nomination", "earlier_award"], name="support_unique_award"),
        ]

    def __str__(self):
        if self.evaluation_id:
            return f"考核结果：{self.evaluation}"
        return f"既往奖励：{self.earlier_award.year}年{self.earlier_award.award_kind}"


class Objection(ScopedModel):
    """An objection 异议 raised during public notice; it holds the nomination until resolved."""

    scope_field = "nomination__unit"

    class Outcome(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="objections", verbose_name="推荐"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    reason = models.TextField("异议内容")
    outcome = models.CharField("处理结果", max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    resolution = models.TextField("处理意见", blank=True)
    raised_at = models.DateTimeField("提出时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"

    def __str__(self):
        return f"异议 #{self.pk}（{self.get_outcome_display()}）"


class Delegation(models.Model):
    """An approver lets a deputy decide in their place for a date range."""

    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name="审批人",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name="代理人",
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "审批代理"
        verbose_name_plural = "审批代理"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_dates"
            ),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("approver")),
                name="delegation_not_to_oneself",
                violation_error_message="不能委托给本人。",
            ),
        ]

    def __str__(self):
        return f"{self.approver} → {self.deputy}（{self.starts_on}–{self.ends_on}）"


class AwardOrder(ScopedModel):
    """A numbered order/circular 通报 issuing a batch of awards."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="award_orders", verbose_name="发文单位"
    )
    number = models.CharField("文号", max_length=40, unique=True)
    title = models.CharField("标题", max_length=200)
    issued_on = models.DateField("印发日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="印发人"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "表彰通报"
        verbose_name_plural = "表彰通报"
        ordering = ["-issued_on"]

    def __str__(self):
        return f"{self.number} {self.title}"


class ExemplaryModel(ScopedModel):
    """先进典型: an awardee published on the portal's list of exemplary models."""

    scope_field = "nomination__unit"

    nomination = models.OneToOneField(
        Nomination, on_delete=models.PROTECT, related_name="exemplary", verbose_name="推荐"
    )
    citation = models.TextField("事迹简介")
    published_on = models.DateField("发布日期")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "先进典型"
        verbose_name_plural = "先进典型"
        ordering = ["-published_on"]

    def __str__(self):
        return str(self.nomination)


@receiver(post_delete, sender=Attachment)
def _remove_stored_file(sender, instance, **kwargs):
    """The stored file goes with its row (service, admin or a deleted draft's cascade), once
    the deletion is committed."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
