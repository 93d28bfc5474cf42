"""Reports and meetings 报告与会议: daily zero-reports, party-group weekly reports, meetings
(三微, branch and committee meetings) with 必议 matters, and the 六责 checklist."""

import datetime

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import ScopedModel

DEFAULT_DEADLINE = datetime.time(18, 0)
DEFAULT_REPORTING_KINDS = {"bureau", "corps", "detachment", "battalion", "station"}


class ReportingPolicy(ScopedModel):
    """Whether a unit files the daily zero-report, and by when; inherited by its subtree."""

    unit = models.OneToOneField(
        "units.Unit", on_delete=models.CASCADE, related_name="reporting_policy", verbose_name="单位"
    )
    must_report = models.BooleanField("须报送每日零报告", default=True)
    deadline = models.TimeField("截止时间（北京时间）", default=DEFAULT_DEADLINE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "零报告报送设置"
        verbose_name_plural = "零报告报送设置"

    def __str__(self):
        return f"{self.unit}：{'须报送' if self.must_report else '免报'}，{self.deadline:%H:%M} 前"


class ZeroReport(ScopedModel):
    """One unit's daily zero-report 每日零报告: nothing to report, or items."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="zero_reports", verbose_name="单位"
    )
    report_date = models.DateField("报告日期")
    nothing_to_report = models.BooleanField("无异常（零报告）", default=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="报送人"
    )
    filed_at = models.DateTimeField("报送时间")
    is_late = models.BooleanField("逾期报送", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "每日零报告"
        verbose_name_plural = "每日零报告"
        ordering = ["-report_date", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "report_date"], name="one_zero_report_per_day")
        ]
        indexes = [models.Index(fields=["report_date", "unit"], name="zeroreport_date_unit")]

    def __str__(self):
        return f"{self.unit} {self.report_date}"


class ZeroReportCorrection(ScopedModel):
    """One correction of a filed zero-report 更正记录: who corrected it, when, why, and what it
    said before. Append-only: the report keeps its first filer; corrections are its history."""

    scope_field = "report__unit"

    report = models.ForeignKey(
        ZeroReport, on_delete=models.CASCADE, related_name="corrections", verbose_name="零报告"
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="更正人"
    )
    corrected_at = models.DateTimeField("更正时间", auto_now_add=True)
    reason = models.CharField("更正原因", max_length=200)
    previous_note = models.CharField("更正前备注", max_length=200, blank=True)
    previous_items = models.JSONField("更正前事项", default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "零报告更正记录"
        verbose_name_plural = "零报告更正记录"
        ordering = ["report", "corrected_at", "pk"]

    def __str__(self):
        return f"{self.report} 更正：{self.reason}"


class ZeroReportItem(ScopedModel):
    scope_field = "report__unit"

    class Kind(models.TextChoices):
        SAFETY = "safety", "安全事故"
        DISCIPLINE = "discipline", "违纪违规"
        IDEOLOGY = "ideology", "思想波动"
        HEALTH = "health", "伤病疫情"
        OTHER = "other", "其他"

    report = models.ForeignKey(
        ZeroReport, on_delete=models.CASCADE, related_name="items", verbose_name="零报告"
    )
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    description = models.TextField("情况说明", max_length=2000)
    people_affected = models.PositiveIntegerField("涉及人数", default=0)

    class Meta:
        verbose_name = "报告事项"
        verbose_name_plural = "报告事项"

    def __str__(self):
        return f"{self.get_kind_display()}：{self.description[:20]}"


class DailyCompliance(ScopedModel):
    """The deadline sweep's verdict for one unit and day; written once, updated by a late filing."""

    class Status(models.TextChoices):
        ON_TIME = "on_time", "按时报送"
        LATE = "late", "逾期报送"
        MISSING = "missing", "未报送"

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="report_compliance", verbose_name="单位"
    )
    date = models.DateField("日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    swept_at = models.DateTimeField("核查时间", auto_now_add=True)

    class Meta:
        verbose_name = "零报告报送情况"
        verbose_name_plural = "零报告报送情况"
        ordering = ["-date", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="one_compliance_per_unit_day")]
        indexes = [models.Index(fields=["date", "status"], name="compliance_date_status")]

    def __str__(self):
        return f"{self.unit} {self.date} {self.get_status_display()}"


class GroupWeeklyReport(ScopedModel):
    """A party group's weekly report to its branch 党小组每周向支部汇报."""

    scope_field = "group__unit"

    group = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        related_name="weekly_reports",
        verbose_name="党小组",
    )
    week_start = models.DateField("周（周一）")
    work_done = models.TextField("本周工作", max_length=4000)
    next_week_plan = models.TextField("下周计划", max_length=4000, blank=True)
    members_state_of_mind = models.TextField("党员思想状况", max_length=4000, blank=True)
    difficulties = models.TextField("困难问题", max_length=4000, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="填报人"
    )
    filed_at = models.DateTimeField("填报时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党小组周报"
        verbose_name_plural = "党小组周报"
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["group", "week_start"], name="one_weekly_report")]

    def __str__(self):
        return f"{self.group} {self.week_start}"


class MeetingKind(models.TextChoices):
    MICRO_MEETING = "micro_meeting", "微会议"
    MICRO_LESSON = "micro_lesson", "微党课"
    MICRO_REPORT = "micro_report", "微报告"
    GROUP_EXCHANGE = "group_exchange", "党小组工作交流会"
    BRANCH_ASSEMBLY = "branch_assembly", "支部党员大会"
    BRANCH_COMMITTEE = "branch_committee", "支委会"
    PARTY_COMMITTEE = "party_committee", "党委会"


DECIDING_KINDS = {MeetingKind.BRANCH_COMMITTEE, MeetingKind.PARTY_COMMITTEE, MeetingKind.BRANCH_ASSEMBLY}


class Meeting(ScopedModel):
    """A meeting or lesson held by a party organisation, with its attendees and minutes."""

    scope_field = "organisation__unit"

    organisation = models.ForeignKey(
        "party.PartyOrganisation", on_delete=models.PROTECT, related_name="meetings", verbose_name="党组织"
    )
    kind = models.CharField("类型", max_length=20, choices=MeetingKind.choices)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    topic = models.CharField("主题", max_length=200)
    organiser = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="组织人",
    )
    minutes = models.TextField("会议记录", blank=True)
    attachment = models.FileField("附件", upload_to="meetings/%Y/", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议/党课"
        verbose_name_plural = "会议/党课"
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d} {self.get_kind_display()}：{self.topic}"


class Attendance(ScopedModel):
    scope_field = "meeting__organisation__unit"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name="会议"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="应到人员"
    )
    present = models.BooleanField("实到", default=True)
    absence_reason = models.CharField("缺席原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "参会情况"
        verbose_name_plural = "参会情况"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="one_attendance")]

    def __str__(self):
        return f"{self.person} {'出席' if self.present else '缺席'}"


class DeliberationList(models.Model):
    """A list of matters a level must deliberate collectively: 八必议, 七必议, 四必议 (reference data)."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=40)
    unit_kinds = models.CharField("适用单位类别", max_length=100, help_text="逗号分隔，如 corps,detachment")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "必议事项清单"
        verbose_name_plural = "必议事项清单"

    def __str__(self):
        return self.name


class DeliberationItem(models.Model):
    list = models.ForeignKey(
        DeliberationList, on_delete=models.CASCADE, related_name="items", verbose_name="清单"
    )
    order = models.PositiveSmallIntegerField("序号")
    text = models.CharField("事项", max_length=200)

    class Meta:
        verbose_name = "必议事项"
        verbose_name_plural = "必议事项"
        ordering = ["list", "order"]

    def __str__(self):
        return f"{self.list.name}{self.order}：{self.text}"


class Decision(ScopedModel):
    """A decision on a matter. One on a 必议 item made outside a deciding meeting is flagged."""

    scope_field = "organisation__unit"

    organisation = models.ForeignKey(
        "party.PartyOrganisation", on_delete=models.PROTECT, related_name="decisions", verbose_name="党组织"
    )
    item = models.ForeignKey(
        DeliberationItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="必议事项",
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name="所在会议",
    )
    date = models.DateField("决定日期")
    matter = models.CharField("议题", max_length=200)
    decision = models.TextField("决定内容")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "议事决定"
        verbose_name_plural = "议事决定"
        ordering = ["-date"]

    def __str__(self):
        return self.matter

    @property
    def outside_meeting(self) -> bool:
        """A 必议 matter must be decided collectively, in a committee or assembly meeting."""
        if self.item_id is None:
            return False
        return self.meeting_id is None or self.meeting.kind not in DECIDING_KINDS


class ResponsibilityKind(models.TextChoices):
    CLARIFY = "clarify", "明责"
    ASSIGN = "assign", "定责"
    STRENGTHEN = "strengthen", "强责"
    SUPERVISE = "supervise", "督责"
    ASSESS = "assess", "考责"
    HOLD = "hold", "追责"


class ResponsibilityItem(ScopedModel):
    """One item of a party organisation's 六责 checklist for a year."""

    scope_field = "organisation__unit"

    organisation = models.ForeignKey(
        "party.PartyOrganisation",
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name="党组织",
    )
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("责任类别", max_length=12, choices=ResponsibilityKind.choices)
    description = models.CharField("责任事项", max_length=300)
    assignee = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    due_date = models.DateField("完成期限")
    evidence = models.TextField("佐证材料说明", blank=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "六责清单事项"
        verbose_name_plural = "六责清单事项"
        ordering = ["organisation", "year", "kind", "due_date"]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}：{self.description[:30]}"


class CalendarFeedToken(models.Model):
    """A user's read-only calendar subscription token 日历订阅令牌.

    It authorises only the meetings ``.ics`` feeds (what the user may see, judged at each
    request), never the API; the URL ends up in calendar clients and proxy logs, so only a
    SHA-256 digest is stored. Issuing a new one replaces the old one; deleting it revokes it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed_token",
        verbose_name="用户",
    )
    key_digest = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "日历订阅令牌"
        verbose_name_plural = "日历订阅令牌"

    def __str__(self):
        return f"{self.user} 的日历订阅令牌"
