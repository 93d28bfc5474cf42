"""Evaluations 考核考评: schemes with weighted criteria and grade bands, evaluations of a
subject (person, party group, party organisation or unit) for a period, scores by
evaluators, and the 年度先进党小组 honours proposed from the party-group rating.

Totals, grades and ranks are stored on the evaluation and kept by
``apps.evaluations.ranking`` (SQL, window functions), run by a debounced Celery task.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel


class SubjectKind(models.TextChoices):
    PERSON = "person", "人员"
    PARTY_GROUP = "party_group", "党小组"
    PARTY_ORGANISATION = "party_org", "党组织"
    UNIT = "unit", "单位"


class PeriodKind(models.TextChoices):
    YEAR = "year", "年度"
    QUARTER = "quarter", "季度"
    MONTH = "month", "月度"
    CAMPAIGN = "campaign", "战时/专项任务"


class Aggregation(models.TextChoices):
    MEAN = "mean", "各评价人得分取平均"
    ROLE_WEIGHTED = "role_weighted", "按评价人角色加权"


class Scheme(models.Model):
    """A 考核方案: reference data, shared by the whole service (not scoped to a unit)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    subject_kind = models.CharField("考核对象", max_length=20, choices=SubjectKind.choices)
    period_kind = models.CharField("考核周期", max_length=20, choices=PeriodKind.choices)
    aggregation = models.CharField(
        "多人评分方式", max_length=20, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    description = models.TextField("说明", blank=True)
    honour_top_n = models.PositiveSmallIntegerField(
        "每个党支部推荐先进党小组数", default=1, help_text="仅用于党小组量化评比"
    )
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["code"]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    """A 考核指标. Criteria with sub-criteria are headings: scores go on the leaves."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="criteria", verbose_name="方案")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级指标",
    )
    name = models.CharField("指标", max_length=100)
    description = models.TextField("评分标准", blank=True)
    weight = models.DecimalField(
        "权重", max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    max_score = models.DecimalField(
        "满分",
        max_digits=6,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    required = models.BooleanField("必评", default=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["scheme", "order", "pk"]

    def __str__(self):
        return f"{self.scheme}·{self.name}"


class GradeBand(models.Model):
    """A grade: a total at or above ``min_total`` (0–100) earns this label (highest band wins)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="bands", verbose_name="方案")
    label = models.CharField("等次", max_length=20)
    min_total = models.DecimalField("最低得分", max_digits=6, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核等次"
        verbose_name_plural = "考核等次"
        ordering = ["scheme", "-min_total"]
        constraints = [models.UniqueConstraint(fields=["scheme", "label"], name="gradeband_unique_label")]

    def __str__(self):
        return f"{self.label}(≥{self.min_total})"


class SchemeEvaluator(models.Model):
    """A role allowed to score under a scheme, with its weight (used by role-weighted schemes).

    A scheme without any row accepts every holder of ``evaluations.score_evaluation``.
    """

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="evaluator_roles", verbose_name="方案"
    )
    role = models.ForeignKey("access.Role", on_delete=models.CASCADE, related_name="+", verbose_name="角色")
    weight = models.DecimalField(
        "评分权重",
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = "评价人角色"
        verbose_name_plural = "评价人角色"
        constraints = [models.UniqueConstraint(fields=["scheme", "role"], name="schemeevaluator_unique")]

    def __str__(self):
        return f"{self.scheme}: {self.role} ×{self.weight}"


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "评分中"
    PUBLISHED = "published", "已发布"
    SUPERSEDED = "superseded", "已被更正"


# The version of a subject's evaluation that counts: published, or a first draft (a
# correction in draft does not count until it is published).
LIVE_VERSION = models.Q(status="published") | models.Q(status="draft", supersedes__isnull=True)


class Evaluation(ScopedModel):
    """One subject scored for one period under one scheme; one row per version."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, related_name="evaluations", verbose_name="方案"
    )
    year = models.PositiveSmallIntegerField("年度")
    period_number = models.PositiveSmallIntegerField(
        "期次", default=0, help_text="季度 1–4，月份 1–12；年度及专项为 0"
    )
    period_label = models.CharField("专项名称", max_length=60, blank=True, help_text="战时/专项任务考核填写")
    subject_kind = models.CharField("考核对象类别", max_length=20, choices=SubjectKind.choices)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="人员",
    )
    organisation = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="党组织/党小组",
    )
    subject_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="被考核单位",
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="evaluations", verbose_name="所在单位"
    )
    status = models.CharField(
        "状态", max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name="更正的版本",
    )
    correction_reason = models.TextField("更正原因", blank=True)
    # Kept by apps.evaluations.ranking (SQL):
    total = models.DecimalField("总分", max_digits=7, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等次", max_length=20, blank=True)
    rank_in_parent = models.PositiveIntegerField("上级单位内排名", null=True, blank=True)
    rank_in_corps = models.PositiveIntegerField("总队内排名", null=True, blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核"
        verbose_name_plural = "考核"
        ordering = ["-year", "scheme", "rank_in_corps", "pk"]
        permissions = [
            ("score_evaluation", "可以评分"),
            ("publish_evaluation", "可以发布和更正考核结果"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        subject_kind="person",
                        person__isnull=False,
                        organisation__isnull=True,
                        subject_unit__isnull=True,
                    )
                    | models.Q(
                        subject_kind__in=["party_group", "party_org"],
                        person__isnull=True,
                        organisation__isnull=False,
                        subject_unit__isnull=True,
                    )
                    | models.Q(
                        subject_kind="unit",
                        person__isnull=True,
                        organisation__isnull=True,
                        subject_unit__isnull=False,
                    )
                ),
                name="evaluation_one_subject",
            ),
            # One live version per subject and period.
            models.UniqueConstraint(
                fields=["scheme", "year", "period_number", "period_label", "person"],
                condition=models.Q(person__isnull=False) & LIVE_VERSION,
                name="evaluation_person_period_unique",
            ),
            models.UniqueConstraint(
                fields=["scheme", "year", "period_number", "period_label", "organisation"],
                condition=models.Q(organisation__isnull=False) & LIVE_VERSION,
                name="evaluation_org_period_unique",
            ),
            models.UniqueConstraint(
                fields=["scheme", "year", "period_number", "period_label", "subject_unit"],
                condition=models.Q(subject_unit__isnull=False) & LIVE_VERSION,
                name="evaluation_unit_period_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "year"], name="evaluation_unit_year"),
            models.Index(fields=["scheme", "year", "period_number"], name="evaluation_scheme_period"),
        ]

    def __str__(self):
        suffix = f" 第{self.version}版" if self.version > 1 else ""
        return f"{self.year}{self.period_display} {self.scheme}: {self.subject}{suffix}"

    @property
    def subject(self):
        return self.person or self.organisation or self.subject_unit

    @property
    def period_display(self) -> str:
        if self.period_label:
            return self.period_label
        if self.scheme.period_kind == PeriodKind.QUARTER:
            return f"第{self.period_number}季度"
        if self.scheme.period_kind == PeriodKind.MONTH:
            return f"{self.period_number}月"
        return "年度"

    @property
    def is_locked(self) -> bool:
        return self.status != EvaluationStatus.DRAFT


class Score(ScopedModel):
    """One evaluator's score on one (leaf) criterion of an evaluation."""

    scope_field = "evaluation__unit"

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="scores", verbose_name="考核"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name="指标"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="评价人"
    )
    evaluator_weight = models.DecimalField("评价人权重", max_digits=6, decimal_places=2, default=Decimal("1"))
    value = models.DecimalField("得分", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    comment = models.CharField("评语", max_length=200, blank=True)
    updated_at = models.DateTimeField("评分时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        ordering = ["evaluation", "criterion__order", "evaluator"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion", "evaluator"], name="score_unique"),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.value}"


class HonourStatus(models.TextChoices):
    PROPOSED = "proposed", "已推荐"
    ACCEPTED = "accepted", "已确定"
    REJECTED = "rejected", "未采纳"


class GroupHonour(ScopedModel):
    """年度先进党小组: proposed from the party-group rating, accepted by the branch's superiors."""

    year = models.PositiveSmallIntegerField("年度")
    group = models.ForeignKey(
        "party.PartyOrganisation", on_delete=models.PROTECT, related_name="+", verbose_name="党小组"
    )
    branch = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属党支部",
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="honours", verbose_name="依据的评比"
    )
    rank_in_branch = models.PositiveIntegerField("支部内排名")
    status = models.CharField(
        "状态", max_length=20, choices=HonourStatus.choices, default=HonourStatus.PROPOSED
    )
    members = models.ManyToManyField(
        "people.Person", blank=True, related_name="+", verbose_name="受表彰党小组成员"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确定人",
    )
    decided_at = models.DateTimeField("确定时间", null=True, blank=True)
    created_at = models.DateTimeField("推荐时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度先进党小组"
        verbose_name_plural = "年度先进党小组"
        ordering = ["-year", "branch", "rank_in_branch"]
        permissions = [("accept_grouphonour", "可以确定年度先进党小组")]
        constraints = [
            models.UniqueConstraint(fields=["year", "group"], name="grouphonour_unique_year_group")
        ]

    def __str__(self):
        return f"{self.year}年度先进党小组：{self.group}"
