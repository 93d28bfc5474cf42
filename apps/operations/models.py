"""Wartime operations 战时行动: party work switched onto an emergency footing (平转战) and back
(战转平), with everything the committee runs in between.

Scope: an operation belongs to the unit of the committee that runs it (``unit``); the
records of the committee (working groups, 包片, visits, 研判, observations, quick
commendations) are scoped through the operation, so the committee and the levels above see
them. The records filed by covered units (pledges, daily reports, front-line people, care)
carry their own ``unit`` so that a station files and sees its own.

The confidential parts of a daily report (thought and health status, difficulties) are
encrypted exactly like talk content (``apps.talks.crypto``) and read only through
``apps.operations.content``, which checks ``talks.view_talk_content`` and logs the read.
"""

import datetime

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel
from apps.talks import crypto

DEFAULT_REPORT_DEADLINE = datetime.time(20, 0)


class OperationKind(models.TextChoices):
    EPIDEMIC = "epidemic", "疫情防控"
    FLOOD = "flood", "防汛救灾"
    FIRE = "fire", "灭火救援"
    EARTHQUAKE = "earthquake", "抗震救灾"
    SECURITY = "security", "重大安保"
    OTHER = "other", "其他"


class Operation(ScopedModel):
    """One wartime operation, run by the committee of ``unit`` over the covered units."""

    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        ACTIVE = "active", "战时状态"
        CLOSED = "closed", "已结束（归档）"

    class Coverage(models.TextChoices):
        SUBTREE = "subtree", "所辖全部单位"
        CHOSEN = "chosen", "指定单位"

    class ReportLevel(models.TextChoices):
        STATION = "station", "各消防救援站"
        PARTY_GROUP = "party_group", "各党小组"

    name = models.CharField("行动名称", max_length=120)
    kind = models.CharField("行动类别", max_length=20, choices=OperationKind.choices)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="operations", verbose_name="指挥单位"
    )
    committee = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="领导党委",
    )
    coverage = models.CharField("覆盖方式", max_length=10, choices=Coverage.choices, default=Coverage.SUBTREE)
    coverage_root = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="覆盖范围（该单位及下级）",
        help_text="覆盖方式为“所辖全部单位”时填写；为空表示指挥单位本身。",
    )
    start_date = models.DateField("开始日期")
    planned_end = models.DateField("计划结束日期", null=True, blank=True)
    reason = models.TextField("启动原因", max_length=2000)
    report_level = models.CharField(
        "战时日报报送单元", max_length=20, choices=ReportLevel.choices, default=ReportLevel.STATION
    )
    report_deadline = models.TimeField("战时日报截止时间（北京时间）", default=DEFAULT_REPORT_DEADLINE)
    reporting = models.BooleanField("战时日报进行中", default=False, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    activated_at = models.DateTimeField("启动时间", null=True, blank=True, editable=False)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="启动人",
    )
    closed_on = models.DateField("结束日期", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="结束操作人",
    )
    closing_note = models.TextField("结束说明", max_length=2000, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "战时行动"
        verbose_name_plural = "战时行动"
        ordering = ["-start_date", "-id"]
        permissions = [
            ("activate_operation", "启动/结束战时行动"),
            ("file_wartime_report", "报送战时日报"),
            ("record_observation", "记录战时考察"),
            ("commend_in_operation", "战时通报表扬"),
        ]
        indexes = [models.Index(fields=["status", "reporting"], name="operation_status")]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def last_day(self, today: datetime.date) -> datetime.date:
        """The last day the operation ran (its closing day, or today while it runs)."""
        return self.closed_on or today


class CoveredUnit(ScopedModel):
    """A unit the operation covers (materialised when the coverage is set: subtrees expanded)."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="covered", verbose_name="战时行动"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="单位")

    class Meta:
        verbose_name = "覆盖单位"
        verbose_name_plural = "覆盖单位"
        ordering = ["unit__path"]
        constraints = [models.UniqueConstraint(fields=["operation", "unit"], name="ops_covered_unique")]

    def __str__(self):
        return f"{self.operation}：{self.unit}"


class WorkingGroup(ScopedModel):
    """A working group of the task force 工作专班 (指挥调度, 数据核查, 综合信息...)."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="working_groups", verbose_name="战时行动"
    )
    name = models.CharField("工作组", max_length=60)
    duty = models.CharField("职责", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作专班工作组"
        verbose_name_plural = "工作专班工作组"
        ordering = ["operation", "id"]
        constraints = [models.UniqueConstraint(fields=["operation", "name"], name="ops_group_name_unique")]

    def __str__(self):
        return self.name


class WorkingGroupMember(ScopedModel):
    scope_field = "group__operation__unit"

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="members", verbose_name="工作组"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="成员"
    )
    is_leader = models.BooleanField("组长", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作组成员"
        verbose_name_plural = "工作组成员"
        constraints = [models.UniqueConstraint(fields=["group", "person"], name="ops_group_member_unique")]

    def __str__(self):
        return f"{self.group}：{self.person}"


class OperationOrganisation(ScopedModel):
    """A temporary party organisation (临时党支部, 战时党小组) set up for the operation."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="organisations", verbose_name="战时行动"
    )
    organisation = models.OneToOneField(
        "party.PartyOrganisation", on_delete=models.PROTECT, related_name="+", verbose_name="临时党组织"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "战时临时党组织"
        verbose_name_plural = "战时临时党组织"

    def __str__(self):
        return str(self.organisation)


class OperationTeam(ScopedModel):
    """A campaign team (突击队, 先锋岗, 服务队) set up for the operation."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="teams", verbose_name="战时行动"
    )
    team = models.OneToOneField(
        "party.CampaignTeam", on_delete=models.PROTECT, related_name="+", verbose_name="党员队伍"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "战时党员队伍"
        verbose_name_plural = "战时党员队伍"

    def __str__(self):
        return str(self.team)


class SectorAssignment(ScopedModel):
    """包片负责: a committee member in charge of a covered unit."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="sectors", verbose_name="战时行动"
    )
    member = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="包片党委成员"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="包片单位"
    )
    note = models.CharField("分工说明", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "包片负责"
        verbose_name_plural = "包片负责"
        ordering = ["operation", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "member", "unit"], name="ops_sector_unique")
        ]

    def __str__(self):
        return f"{self.member} 包片 {self.unit}"


class InspectionVisit(ScopedModel):
    """督导检查: a visit by a committee member to a covered unit."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="visits", verbose_name="战时行动"
    )
    inspector = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="督导人"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="督导单位"
    )
    date = models.DateField("督导日期")
    findings = models.TextField("发现问题及督导情况", max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "督导检查"
        verbose_name_plural = "督导检查"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date:%Y年%m月%d日} {self.inspector} 督导 {self.unit}"


class Pledge(ScopedModel):
    """请战书 / 倡议书 / 向党旗宣誓: a person volunteers, filed by themself or by the unit."""

    class Kind(models.TextChoices):
        PETITION = "petition", "请战书"
        PROPOSAL = "proposal", "倡议书"
        OATH = "oath", "向党旗宣誓"

    class FiledAs(models.TextChoices):
        SELF = "self", "本人提交"
        UNIT = "unit", "单位代报"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="pledges", verbose_name="战时行动"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    kind = models.CharField("形式", max_length=10, choices=Kind.choices, default=Kind.PETITION)
    date = models.DateField("日期")
    text = models.TextField("内容", max_length=4000, blank=True)
    volunteer = models.BooleanField("主动请缨（列入志愿名册）", default=True)
    filed_as = models.CharField("提交方式", max_length=10, choices=FiledAs.choices, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="提交人",
        editable=False,
    )
    team = models.ForeignKey(
        "party.CampaignTeam",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="编入队伍",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "请战书/倡议/宣誓"
        verbose_name_plural = "请战书/倡议/宣誓"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "person", "kind"], name="ops_pledge_unique")
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()}"


class FrontlinePerson(ScopedModel):
    """一线人员: the people the care (五个一) and the figures count."""

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="frontline", verbose_name="战时行动"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    post = models.CharField("战位", max_length=100, blank=True)
    isolated = models.BooleanField("隔离/医学观察", default=False)
    since = models.DateField("投入一线日期")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "一线人员"
        verbose_name_plural = "一线人员"
        ordering = ["unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["operation", "person"], name="ops_frontline_unique")]

    def __str__(self):
        return str(self.person)


class CareItem(models.TextChoices):
    TALK = "talk", "谈心谈话"
    HOME_VISIT = "home_visit", "家访"
    SOLIDARITY = "solidarity", "一线慰问"
    ISOLATION = "isolation", "隔离人员沟通"
    DIFFICULTY = "difficulty", "解决困难"


class CareAction(ScopedModel):
    """One care item 五个一 done for a front-line person (the talk item is normally a talk
    record of a wartime kind in the talks app; it may be recorded here when it is not)."""

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="care_actions", verbose_name="战时行动"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="一线人员"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    item = models.CharField("关爱事项", max_length=12, choices=CareItem.choices)
    date = models.DateField("日期")
    note = models.CharField("情况", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "战时关爱（五个一）"
        verbose_name_plural = "战时关爱（五个一）"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["operation", "person", "item"], name="ops_care_person_item")]

    def __str__(self):
        return f"{self.person} {self.get_item_display()}"


REPORT_CONTENT_FIELDS = {
    "thought_status": "思想状况",
    "health_status": "健康状况",
    "difficulties": "困难问题",
}


class DailyReport(ScopedModel):
    """战时日报 of one station or party group for one day. ``unit`` is the station's unit
    (or the party group's unit); thought, health and difficulties are ciphertext."""

    operation = models.ForeignKey(
        Operation, on_delete=models.PROTECT, related_name="daily_reports", verbose_name="战时行动"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="报送单位"
    )
    party_group = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="党小组",
    )
    report_date = models.DateField("日报日期")
    on_duty = models.PositiveIntegerField("在岗人数")
    thought_status_enc = models.TextField("思想状况（密文）", blank=True, editable=False)
    health_status_enc = models.TextField("健康状况（密文）", blank=True, editable=False)
    difficulties_enc = models.TextField("困难问题（密文）", blank=True, editable=False)
    has_health_issues = models.BooleanField("有健康异常", default=False)
    difficulties_raised = models.PositiveIntegerField("新发现困难（个）", default=0)
    difficulties_solved = models.PositiveIntegerField("解决困难（个）", default=0)
    suggestions = models.TextField("意见建议（金点子，每行一条）", max_length=4000, blank=True)
    suggestion_count = models.PositiveIntegerField("金点子（条）", default=0, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="报送人"
    )
    filed_at = models.DateTimeField("报送时间")
    is_late = models.BooleanField("逾期报送", default=False)
    history = HistoricalRecords(
        excluded_fields=["thought_status_enc", "health_status_enc", "difficulties_enc"]
    )

    class Meta:
        verbose_name = "战时日报"
        verbose_name_plural = "战时日报"
        ordering = ["-report_date", "unit__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "unit", "report_date"],
                condition=models.Q(party_group__isnull=True),
                name="ops_report_station_day",
            ),
            models.UniqueConstraint(
                fields=["operation", "party_group", "report_date"],
                condition=models.Q(party_group__isnull=False),
                name="ops_report_group_day",
            ),
        ]
        indexes = [models.Index(fields=["operation", "report_date"], name="ops_report_op_date")]

    def __str__(self):
        who = self.party_group.name if self.party_group_id else self.unit.name
        return f"{who} {self.report_date:%Y年%m月%d日} 战时日报"

    def set_content(self, **values: str) -> None:
        """Encrypt the confidential parts (plaintext never reaches the database)."""
        for name, value in values.items():
            if name not in REPORT_CONTENT_FIELDS:
                raise ValueError(name)
            setattr(self, f"{name}_enc", crypto.encrypt(value or ""))

    def decrypted_content(self) -> dict[str, str]:
        """Plaintext; callers must have checked the reader (``apps.operations.content``)."""
        return {name: crypto.decrypt(getattr(self, f"{name}_enc")) for name in REPORT_CONTENT_FIELDS}


class ReportContentAccess(ScopedModel):
    """One read of a daily report's confidential parts (as talks log content reads)."""

    scope_field = "report__unit"

    class Channel(models.TextChoices):
        API = "api", "接口"
        ADMIN = "admin", "管理后台"
        EXPORT = "export", "导出"

    report = models.ForeignKey(
        DailyReport, on_delete=models.CASCADE, related_name="content_reads", verbose_name="战时日报"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="查阅人"
    )
    channel = models.CharField("途径", max_length=10, choices=Channel.choices)
    accessed_at = models.DateTimeField("查阅时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "战时日报内容查阅日志"
        verbose_name_plural = "战时日报内容查阅日志"
        ordering = ["-accessed_at"]

    def __str__(self):
        return f"{self.user} 查阅日报 #{self.report_id}"


class DailyAssessment(ScopedModel):
    """研判: the committee's note on one day of the operation."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="assessments", verbose_name="战时行动"
    )
    date = models.DateField("研判日期")
    note = models.TextField("研判意见", max_length=4000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="研判人",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "每日研判"
        verbose_name_plural = "每日研判"
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["operation", "date"], name="ops_assessment_day")]

    def __str__(self):
        return f"{self.operation} {self.date:%Y年%m月%d日} 研判"


class Observation(ScopedModel):
    """战时考察: a dated observation by a committee member on a cadre, member or activist;
    visible to the committee and the levels above (scoped through the operation)."""

    scope_field = "operation__unit"

    class Category(models.TextChoices):
        LEAVE_GIVEN_UP = "leave_given_up", "放弃休假提前归队"
        WORKED_ILL = "worked_ill", "带病坚持工作"
        VANGUARD = "vanguard", "冲锋在前"
        DUTY = "duty", "履职尽责"
        SHORTCOMING = "shortcoming", "存在不足"
        OTHER = "other", "其他"

    operation = models.ForeignKey(
        Operation, on_delete=models.PROTECT, related_name="observations", verbose_name="战时行动"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="考察对象"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    date = models.DateField("考察日期")
    category = models.CharField("表现类别", max_length=20, choices=Category.choices)
    conduct = models.TextField("战时表现", max_length=4000)
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="考察人",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "战时考察"
        verbose_name_plural = "战时考察"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"], name="ops_observation_person")]

    def __str__(self):
        return f"{self.person} {self.date:%Y年%m月%d日} {self.get_category_display()}"


class ObservationLink(ScopedModel):
    """An observation attached as supporting evidence to a nomination or an evaluation."""

    scope_field = "observation__operation__unit"

    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, related_name="links", verbose_name="战时考察"
    )
    nomination = models.ForeignKey(
        "commendations.Nomination",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="表彰推荐",
    )
    evaluation = models.ForeignKey(
        "evaluations.Evaluation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="考核考评",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="关联人",
        editable=False,
    )
    linked_at = models.DateTimeField("关联时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考察佐证关联"
        verbose_name_plural = "考察佐证关联"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(nomination__isnull=False, evaluation__isnull=True))
                | (models.Q(nomination__isnull=True, evaluation__isnull=False)),
                name="ops_link_one_target",
            ),
            models.UniqueConstraint(fields=["observation", "nomination"], name="ops_link_nomination_unique"),
            models.UniqueConstraint(fields=["observation", "evaluation"], name="ops_link_evaluation_unique"),
        ]

    def __str__(self):
        target = f"推荐 #{self.nomination_id}" if self.nomination_id else f"考评 #{self.evaluation_id}"
        return f"考察 #{self.observation_id} → {target}"


class QuickCommendation(ScopedModel):
    """通报表扬 decided by the operation's committee: many people in one batch, short or no 公示."""

    scope_field = "operation__unit"

    operation = models.ForeignKey(
        Operation, on_delete=models.PROTECT, related_name="commendations", verbose_name="战时行动"
    )
    title = models.CharField("通报标题", max_length=200)
    number = models.CharField("文号", max_length=60)
    decided_on = models.DateField("决定日期")
    notice_days = models.PositiveSmallIntegerField("公示天数", default=0)
    published_on = models.DateField("发布日期", editable=False)
    preamble = models.TextField("通报正文", max_length=4000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="决定人",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "战时通报表扬"
        verbose_name_plural = "战时通报表扬"
        ordering = ["-decided_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["number"], name="ops_commendation_number")]

    def __str__(self):
        return self.title

    def is_published(self, today: datetime.date) -> bool:
        return today >= self.published_on


class CommendedPerson(ScopedModel):
    """One person named in a quick commendation, with their deeds; optionally an exemplary
    model 先进典型 published once the commendation is."""

    scope_field = "commendation__operation__unit"

    commendation = models.ForeignKey(
        QuickCommendation, on_delete=models.CASCADE, related_name="entries", verbose_name="通报表扬"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="受表扬人员"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    deeds = models.CharField("主要事迹", max_length=500)
    exemplary = models.BooleanField("作为先进典型宣传", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "受表扬人员"
        verbose_name_plural = "受表扬人员"
        ordering = ["commendation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["commendation", "person"], name="ops_commended_unique")
        ]

    def __str__(self):
        return str(self.person)
