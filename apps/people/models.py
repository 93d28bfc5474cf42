"""People 人员: who they are, their political status, and where they are, with dated history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK_CODES = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    """The GB 11643 check character of a resident ID number."""
    return ID_CHECK_CODES[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """18 characters, the first 17 digits, a valid birth date and the right check character."""
    import datetime

    value = (value or "").upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise ValidationError("身份证号码应为18位（前17位为数字，末位为数字或X）。", code="format")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError("身份证号码中的出生日期无效。", code="birth_date") from exc
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError("身份证号码校验位错误。", code="checksum")


def mask_id_number(value: str) -> str:
    """5201********1234: the region prefix and the last four only."""
    if not value:
        return ""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PersonCategory(models.TextChoices):
    COMMANDER = "commander", "指战员"
    GOV_FULLTIME = "gov_fulltime", "政府专职消防员"
    CIVILIAN = "civilian", "文职人员"


class PoliticalStatus(models.TextChoices):
    FULL_MEMBER = "full_member", "正式党员"
    PROBATIONARY = "probationary", "预备党员"
    ACTIVIST = "activist", "入党积极分子"
    APPLICANT = "applicant", "入党申请人"
    LEAGUE = "league", "共青团员"
    MASSES = "masses", "群众"


PARTY_MEMBER_STATUSES = {PoliticalStatus.FULL_MEMBER, PoliticalStatus.PROBATIONARY}


class Person(ScopedModel):
    """A commander, firefighter or staff member. ``unit`` is the current unit (kept equal
    to the open ``UnitMembership`` by the services) so that scoping is one indexed filter."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[validate_id_number])
    category = models.CharField(
        "人员类别", max_length=20, choices=PersonCategory.choices, default=PersonCategory.COMMANDER
    )
    rank = models.CharField("衔级", max_length=40, blank=True)
    position = models.CharField("职务", max_length=60, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name="登录账号",
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="people", verbose_name="所在单位"
    )
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    party_organisation = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所在党组织",
    )
    party_group = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所在党小组",
    )
    is_active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["unit__path", "name"]
        permissions = [("view_personal_data", "可以查看个人敏感信息（完整身份证号等）")]
        indexes = [
            models.Index(fields=["unit", "name"], name="person_unit_name"),
            models.Index(fields=["political_status"], name="person_status"),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PARTY_MEMBER_STATUSES


class UnitMembership(ScopedModel):
    """A dated stay of a person in a unit; a transfer closes one and opens the next."""

    scope_field = "person__unit"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="unit_memberships", verbose_name="人员"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="memberships", verbose_name="单位"
    )
    start_date = models.DateField("起始日期")
    end_date = models.DateField("结束日期", null=True, blank=True, help_text="含当日；为空表示至今")
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "单位任职记录"
        verbose_name_plural = "单位任职记录"
        ordering = ["person", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(end_date__isnull=True), name="one_open_unit_membership"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="unit_membership_dates",
            ),
        ]
        indexes = [models.Index(fields=["unit", "start_date"], name="unitmembership_unit_start")]

    def __str__(self):
        return f"{self.person} @ {self.unit} ({self.start_date}–{self.end_date or '至今'})"


class PartyMembership(ScopedModel):
    """A dated membership of a party organisation (a branch, a party group, a temporary branch)."""

    scope_field = "person__unit"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="party_memberships", verbose_name="人员"
    )
    organisation = models.ForeignKey(
        "party.PartyOrganisation", on_delete=models.PROTECT, related_name="memberships", verbose_name="党组织"
    )
    start_date = models.DateField("起始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党组织关系记录"
        verbose_name_plural = "党组织关系记录"
        ordering = ["person", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="party_membership_dates",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "end_date"], name="partymembership_org_end")]

    def __str__(self):
        return f"{self.person} @ {self.organisation}"


class PoliticalStatusChange(ScopedModel):
    """One dated step of a person's political status (application, joining, conversion...)."""

    scope_field = "person__unit"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="status_changes", verbose_name="人员"
    )
    status = models.CharField("政治面貌", max_length=20, choices=PoliticalStatus.choices)
    effective_date = models.DateField("生效日期")
    probation_end = models.DateField("预备期满日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "政治面貌变更"
        verbose_name_plural = "政治面貌变更"
        ordering = ["person", "effective_date", "id"]

    def __str__(self):
        return f"{self.person}: {self.get_status_display()} ({self.effective_date})"


class ImportJob(ScopedModel):
    """One roster import 花名册导入: validated as a whole, then applied all or nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "处理中"
        DONE = "done", "已导入"
        FAILED = "failed", "校验未通过"

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="import_jobs", verbose_name="导入单位"
    )
    file = models.FileField("花名册文件", upload_to="imports/%Y/%m/")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新增人数", default=0)
    updated_count = models.PositiveIntegerField("更新人数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="导入人"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "花名册导入"
        verbose_name_plural = "花名册导入"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.unit} {self.created_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def live_progress(self) -> dict:
        """Validation and write progress, the write phase read from the cache (``imports.job_progress``)."""
        from .imports import job_progress

        return job_progress(self)

    @property
    def progress(self) -> int:
        return self.live_progress["percent"]
