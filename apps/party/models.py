"""Party organisations 党组织: their own tree, each node attached to a command unit."""

from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from apps.core.scoping import ScopedModel, ScopedQuerySetMixin


class OrganisationKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    PARTY_GROUP = "party_group", "党小组"
    TEMPORARY_BRANCH = "temporary_branch", "临时党支部"


class PositionKind(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    COMMISSAR = "commissar", "政治委员"
    COMMITTEE_MEMBER = "committee_member", "委员"
    GROUP_LEADER = "group_leader", "党小组长"


class TeamKind(models.TextChoices):
    COMMANDO = "commando", "党员突击队"
    PIONEER_POST = "pioneer_post", "党员先锋岗"
    SERVICE_TEAM = "service_team", "党员服务队"
    VOLUNTEER = "volunteer", "志愿队"


class PartyOrganisationQuerySet(ScopedQuerySetMixin, MP_NodeQuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)

    def with_parent_id(self):
        """Annotate ``parent_pk`` in the same query (no per-row ``get_parent()``)."""
        parent = PartyOrganisation.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - 4)
        )
        return self.annotate(parent_pk=Subquery(parent.values("pk")[:1]))


class PartyOrganisationManager(MP_NodeManager.from_queryset(PartyOrganisationQuerySet)):
    def get_queryset(self):
        return PartyOrganisationQuerySet(self.model, using=self._db).order_by("path")


class PartyOrganisation(MP_Node):
    """A committee, general branch, branch, party group or temporary branch."""

    steplen = 4
    scope_field = "unit"

    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类别", max_length=20, choices=OrganisationKind.choices)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="party_organisations", verbose_name="所在单位"
    )
    established_on = models.DateField("成立日期", null=True, blank=True)
    # Temporary branches: when, why, and until when (closed by a Celery beat task).
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("成立原因", max_length=200, blank=True)
    closed_on = models.DateField("撤销/关闭日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["numchild"])
    objects = PartyOrganisationManager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [models.Index(fields=["unit", "kind"], name="partyorg_unit_kind")]

    def __str__(self):
        return self.name


class PartyPosition(ScopedModel):
    """A dated position in an organisation: secretary, commissar, committee member, group leader."""

    scope_field = "organisation__unit"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="party_positions", verbose_name="人员"
    )
    organisation = models.ForeignKey(
        PartyOrganisation, on_delete=models.CASCADE, related_name="positions", verbose_name="党组织"
    )
    position = models.CharField("职务", max_length=20, choices=PositionKind.choices)
    start_date = models.DateField("任职日期")
    end_date = models.DateField("免职日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党内职务"
        verbose_name_plural = "党内职务"
        ordering = ["organisation", "position", "start_date"]

    def __str__(self):
        return f"{self.organisation} {self.get_position_display()} {self.person}"


class CampaignTeam(ScopedModel):
    """党员突击队 / 党员先锋岗 / 党员服务队 / 志愿队 under a party organisation."""

    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类别", max_length=20, choices=TeamKind.choices)
    organisation = models.ForeignKey(
        PartyOrganisation, on_delete=models.PROTECT, related_name="teams", verbose_name="所属党组织"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="campaign_teams", verbose_name="所在单位"
    )
    start_date = models.DateField("组建日期")
    end_date = models.DateField("解散日期", null=True, blank=True)
    purpose = models.CharField("任务", max_length=200, blank=True)
    members = models.ManyToManyField(
        "people.Person", through="TeamMembership", related_name="campaign_teams", verbose_name="队员"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党员队伍"
        verbose_name_plural = "党员突击队/先锋岗/服务队"

    def __str__(self):
        return self.name


class TeamMembership(ScopedModel):
    """One stint of a person in a team (加入–退出); a person who rejoins gets a new row."""

    scope_field = "team__unit"

    team = models.ForeignKey(
        CampaignTeam, on_delete=models.CASCADE, related_name="memberships", verbose_name="队伍"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="team_memberships", verbose_name="队员"
    )
    role = models.CharField("分工", max_length=40, blank=True)
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        ordering = ["team", "person", "joined_on"]
        constraints = [
            # At most one open stint per person and team; closed stints are history.
            models.UniqueConstraint(
                fields=["team", "person"],
                condition=models.Q(left_on__isnull=True),
                name="team_member_one_open_stint",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="team_member_stint_dates",
            ),
        ]

    def __str__(self):
        return f"{self.team}: {self.person}"
