"""REST API of wartime operations. Every viewset restricts to ``visible_to`` (out of scope:
404) and writes only through ``apps.operations.services`` (rules broken: 400 with field
messages; not allowed: 403)."""

import datetime
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.plumbing import resolve_type_hint
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions as drf_exceptions
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from apps.party.models import PartyOrganisation
from apps.units.models import Unit

from .. import documents, selectors, services
from ..content import log_reads, with_content_readable
from ..models import (
    CareAction,
    CommendedPerson,
    DailyAssessment,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    ObservationLink,
    Operation,
    OperationOrganisation,
    OperationTeam,
    Pledge,
    QuickCommendation,
    ReportContentAccess,
    SectorAssignment,
    WorkingGroup,
    WorkingGroupMember,
)
from . import serializers as s

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _date_param(request, name: str, default: datetime.date) -> datetime.date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: "日期格式应为 YYYY-MM-DD。"}) from exc


def _messages(value, prefix: str = "") -> list[str]:
    """Nested serializer errors (``{"entries": [{"person": [...]}, {}]}``) as plain strings,
    so a 400 keeps the documented shape: each field maps to a list of messages."""
    if isinstance(value, dict):
        return [m for key, item in value.items() for m in _messages(item, f"{prefix}{_label(key)}")]
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return [f"{prefix}：{item}" if prefix else str(item) for item in value]
        return [
            m for i, item in enumerate(value, start=1) if item for m in _messages(item, f"{prefix}第{i}项")
        ]
    return [f"{prefix}：{value}" if prefix else str(value)]


def _label(key) -> str:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"第{int(key) + 1}项"
    return "" if key == "non_field_errors" else f"（{key}）"


class ServiceViewSet(ScopedModelViewSet):
    """A scoped viewset whose create, update and delete call the app's services."""

    def handle_exception(self, exc):
        if isinstance(exc, drf_exceptions.ValidationError) and isinstance(exc.detail, dict):
            flat = {}
            for field, value in exc.detail.items():
                nested = isinstance(value, dict) or (
                    isinstance(value, list) and not all(isinstance(v, str) for v in value)
                )
                flat[field] = _messages(value) if nested else value
            exc = drf_exceptions.ValidationError(flat)
        return super().handle_exception(exc)

    input_serializer_class = None
    update_serializer_class = None

    def create_object(self, data: dict):
        raise NotImplementedError

    def update_object(self, instance, data: dict):
        raise NotImplementedError

    def delete_object(self, instance) -> None:
        raise NotImplementedError

    def output(self, obj, status: int = 200) -> Response:
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(fresh).data, status=status)

    def create(self, request, *args, **kwargs):
        cls = self.input_serializer_class or self.get_serializer_class()
        data = cls(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self.output(self.create_object(dict(data.validated_data)), status=201)

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        cls = self.update_serializer_class or self.get_serializer_class()
        data = cls(instance, data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self.output(self.update_object(instance, dict(data.validated_data)))

    def perform_destroy(self, instance):
        self.delete_object(instance)


# ---------------------------------------------------------------- operations


class BoardRow(TypedDict):
    unit_id: int
    unit_name: str
    is_root: bool
    covered_units: int
    temporary_organisations: int
    teams: int
    team_members: int
    pledges: int
    volunteers: int
    frontline: int
    care_complete: int
    reports_expected: int
    reports_filed: int
    reports_late: int
    reports_missing: int
    difficulties_raised: int
    difficulties_solved: int
    suggestions: int
    visits: int
    unvisited_units: int
    observations: int
    commended: int


class Board(TypedDict):
    operation_id: int
    operation_name: str
    status: str
    root_id: int
    root_name: str
    report_days: int
    first_day: datetime.date
    last_day: datetime.date | None
    rows: list[BoardRow]
    total: BoardRow
    labels: dict[str, str]


class Reporter(TypedDict):
    key: str
    unit_id: int
    party_group_id: int | None
    name: str


class ToReport(Reporter):
    operation_id: int
    operation_name: str
    date: datetime.date
    filed: bool


class CareRow(TypedDict):
    person_id: int
    person_name: str
    unit_id: int
    unit_name: str
    isolated: bool
    talk: bool
    home_visit: bool
    solidarity: bool
    isolation: bool
    difficulty: bool
    complete: bool
    missing: list[str]


class UnvisitedUnit(TypedDict):
    unit_id: int
    unit_name: str
    sector_members: list[str]


@extend_schema_view(
    create=extend_schema(request=s.OperationInputSerializer, responses={201: s.OperationSerializer}),
    update=extend_schema(request=s.OperationUpdateSerializer, responses=s.OperationSerializer),
    partial_update=extend_schema(request=s.OperationUpdateSerializer, responses=s.OperationSerializer),
)
class OperationViewSet(ServiceViewSet):
    """战时行动: prepare, activate (平转战), follow on the board, close (战转平)."""

    lookup_value_regex = r"\d+"

    queryset = Operation.objects.select_related("unit", "committee", "activated_by", "closed_by")
    serializer_class = s.OperationSerializer
    input_serializer_class = s.OperationInputSerializer
    update_serializer_class = s.OperationUpdateSerializer
    filterset_fields = ["status", "kind", "unit"]
    search_fields = ["name", "reason"]
    action_permissions = {
        "activate": "operations.activate_operation",
        "close": "operations.activate_operation",
        "board": "view",
        "summary": "view",
        "missing_reports": "view",
        "care_matrix": "view",
        "unvisited": "view",
        "to_report": "operations.file_wartime_report",
    }

    def create_object(self, data):
        return services.operation_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        units = data.pop("units", None)
        return services.operation_update(operation=instance, actor=self.request.user, units=units, **data)

    def delete_object(self, instance):
        services.operation_delete(operation=instance, actor=self.request.user)

    @extend_schema(request=s.ActivateSerializer, responses=s.OperationSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """平转战: start wartime work, the daily report, and the temporary organisations and teams."""
        op = self.get_object()
        data = s.ActivateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        teams = []
        for spec in data.validated_data["teams"]:
            spec = dict(spec)
            raw = spec["organisation"]
            if raw.isdigit():
                org = PartyOrganisation.objects.visible_to(request.user, "view").filter(pk=raw).first()
                if org is None:
                    raise ValidationError({"teams": "所属党组织不存在或不在您的管辖范围内。"})
                spec["organisation"] = org
            teams.append(spec)
        op = services.operation_activate(
            operation=op,
            actor=request.user,
            organisations=[dict(o) for o in data.validated_data["organisations"]],
            teams=teams,
        )
        return self.output(op)

    @extend_schema(request=s.CloseSerializer, responses=s.OperationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """战转平: end the temporary organisations and teams, stop the daily report, archive."""
        op = self.get_object()
        data = s.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        op = services.operation_close(
            operation=op,
            actor=request.user,
            note=data.validated_data["note"],
            on=data.validated_data.get("closed_on"),
        )
        return self.output(op)

    def _drill_unit(self, request, op):
        raw = request.query_params.get("unit", "")
        if not raw:
            return None
        unit = Unit.objects.visible_to(request.user, "view").filter(pk=raw).first() if raw.isdigit() else None
        if unit is None:
            raise ValidationError({"unit": "单位不存在或不在您的管辖范围内。"})
        return unit

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, description="下钻到该单位（默认：行动覆盖范围）")],
        responses={200: resolve_type_hint(Board)},
    )
    @action(detail=True, methods=["get"])
    def board(self, request, pk=None):
        """The board: figures per child unit and in total (drill down with ``?unit=``)."""
        op = self.get_object()
        return Response(selectors.board(operation=op, user=request.user, root=self._drill_unit(request, op)))

    @extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        """总结材料 (.docx): the figures per unit and in total, the 研判 and the exemplary people."""
        op = self.get_object()
        figures = selectors.board(operation=op, user=request.user)
        assessments = (
            DailyAssessment.objects.visible_to(request.user, "view").filter(operation=op).order_by("date")
        )
        exemplary = (
            CommendedPerson.objects.visible_to(request.user, "view")
            .filter(commendation__operation=op, exemplary=True)
            .select_related("person", "unit")
        )
        content = documents.summary_docx(op, figures, assessments=assessments, exemplary=exemplary)
        return _docx(content, f"{op.name}总结材料.docx")

    @extend_schema(
        parameters=[OpenApiParameter("date", datetime.date, description="日期（默认今天）")],
        responses=list[Reporter],
    )
    @action(detail=True, methods=["get"], url_path="missing-reports")
    def missing_reports(self, request, pk=None):
        """Who has not filed the day's 战时日报."""
        op = self.get_object()
        day = _date_param(request, "date", timezone.localdate())
        return Response(selectors.missing_reporters(operation=op, day=day))

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="单位（含下级）"),
            OpenApiParameter("incomplete", bool, description="只列未完成“五个一”的人员"),
        ],
        responses=list[CareRow],
    )
    @action(detail=True, methods=["get"], url_path="care-matrix")
    def care_matrix(self, request, pk=None):
        """五个一 per front-line person."""
        op = self.get_object()
        return Response(
            selectors.care_matrix(
                operation=op,
                user=request.user,
                root=self._drill_unit(request, op),
                incomplete_only=request.query_params.get("incomplete") in {"1", "true"},
            )
        )

    @extend_schema(responses=list[UnvisitedUnit])
    @action(detail=True, methods=["get"])
    def unvisited(self, request, pk=None):
        """Covered units no committee member has visited yet."""
        return Response(selectors.unvisited_units(operation=self.get_object(), user=request.user))

    @extend_schema(responses=list[ToReport])
    @action(detail=False, methods=["get"], url_path="to-report")
    def to_report(self, request):
        """For a station or a party group: the running operations it reports to today."""
        return Response(selectors.operations_to_report(request.user))


# ---------------------------------------------------------------- task force


class WorkingGroupViewSet(ServiceViewSet):
    """工作专班的工作组."""

    queryset = WorkingGroup.objects.select_related("operation").prefetch_related("members__person")
    serializer_class = s.WorkingGroupSerializer
    filterset_fields = ["operation"]

    def create_object(self, data):
        return services.working_group_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("operation", None)
        return services.working_group_update(group=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.working_group_delete(group=instance, actor=self.request.user)


class WorkingGroupMemberViewSet(ServiceViewSet):
    queryset = WorkingGroupMember.objects.select_related("person", "group")
    serializer_class = s.WorkingGroupMemberSerializer
    filterset_fields = ["group"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create_object(self, data):
        return services.working_group_member_add(actor=self.request.user, **data)

    def delete_object(self, instance):
        services.working_group_member_remove(member=instance, actor=self.request.user)


@extend_schema_view(
    create=extend_schema(
        request=s.OrganisationSetupSerializer, responses={201: s.OperationOrganisationSerializer}
    )
)
class OperationOrganisationViewSet(ServiceViewSet):
    """Temporary party organisations of an operation (临时党支部, 战时党小组)."""

    queryset = OperationOrganisation.objects.select_related("organisation__unit")
    serializer_class = s.OperationOrganisationSerializer
    input_serializer_class = s.OrganisationSetupSerializer
    filterset_fields = ["operation"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "operations.activate_operation"}

    def create_object(self, data):
        op = data.pop("operation")
        org = services.organisation_setup(operation=op, actor=self.request.user, **data)
        return OperationOrganisation.objects.get(organisation=org)


@extend_schema_view(
    create=extend_schema(request=s.TeamSetupSerializer, responses={201: s.OperationTeamSerializer})
)
class OperationTeamViewSet(ServiceViewSet):
    """Teams of an operation (突击队, 先锋岗, 服务队); ``add-member`` puts a person in."""

    queryset = OperationTeam.objects.select_related("team__unit").annotate(
        member_count=Count("team__memberships")
    )
    serializer_class = s.OperationTeamSerializer
    input_serializer_class = s.TeamSetupSerializer
    filterset_fields = ["operation"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {
        "create": "operations.activate_operation",
        "add_member": "operations.activate_operation",
    }

    def create_object(self, data):
        op = data.pop("operation")
        team = services.team_setup(operation=op, actor=self.request.user, **data)
        return OperationTeam.objects.get(team=team)

    @extend_schema(request=s.TeamMemberInputSerializer, responses=s.OperationTeamSerializer)
    @action(detail=True, methods=["post"], url_path="add-member")
    def add_member(self, request, pk=None):
        link = self.get_object()
        data = s.TeamMemberInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.team_member_add(
            operation=link.operation, team=link.team, actor=request.user, **data.validated_data
        )
        return self.output(link)


# ---------------------------------------------------------------- 包片 and visits


class SectorAssignmentViewSet(ServiceViewSet):
    """包片负责."""

    queryset = SectorAssignment.objects.select_related("member", "unit")
    serializer_class = s.SectorAssignmentSerializer
    filterset_fields = ["operation", "unit", "member"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create_object(self, data):
        return services.sector_assign(actor=self.request.user, **data)

    def delete_object(self, instance):
        services.sector_unassign(assignment=instance, actor=self.request.user)


class InspectionVisitViewSet(ServiceViewSet):
    """督导检查."""

    queryset = InspectionVisit.objects.select_related("inspector", "unit")
    serializer_class = s.InspectionVisitSerializer
    filterset_fields = ["operation", "unit", "inspector"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.visit_record(actor=self.request.user, **data)


# ---------------------------------------------------------------- pledges, front line, care


class PledgeViewSet(ServiceViewSet):
    """请战书 / 倡议 / 宣誓 and the volunteer roster (``?volunteer=true``)."""

    queryset = Pledge.objects.select_related("person", "unit", "team")
    serializer_class = s.PledgeSerializer
    filterset_fields = ["operation", "unit", "kind", "volunteer", "team"]
    search_fields = ["person__name"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    action_permissions = {"assign_team": "change"}

    def create_object(self, data):
        return services.pledge_file(actor=self.request.user, **data)

    def delete_object(self, instance):
        services.pledge_withdraw(pledge=instance, actor=self.request.user)

    @extend_schema(request=s.SelfPledgeSerializer, responses={201: s.PledgeSerializer})
    @action(detail=False, methods=["post"], permission_classes=[IsAuthenticated])
    def mine(self, request):
        """My own pledge (请战书), for a person with a login and no grant."""
        data = s.SelfPledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        person = getattr(request.user, "person", None)
        if person is None:
            raise ValidationError({"person": "您的账号未关联人员档案。"})
        op = (
            Operation.objects.filter(pk=fields.pop("operation"), covered__unit=person.unit_id)
            .select_related("unit")
            .first()
        )
        if op is None:
            raise ValidationError({"operation": "战时行动不存在或未覆盖您所在单位。"})
        pledge = services.pledge_file(operation=op, person=person, actor=request.user, **fields)
        return Response(s.PledgeSerializer(pledge, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=s.AssignTeamSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="assign-team")
    def assign_team(self, request):
        """Put volunteers from the roster into one of the operation's teams."""
        data = s.AssignTeamSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        placed = services.pledges_assign_team(actor=request.user, **data.validated_data)
        return Response({"placed": placed})


class FrontlinePersonViewSet(ServiceViewSet):
    """一线人员 (the roster the 五个一 is counted on)."""

    queryset = FrontlinePerson.objects.select_related("person", "unit")
    serializer_class = s.FrontlinePersonSerializer
    filterset_fields = ["operation", "unit", "isolated"]
    search_fields = ["person__name"]

    def create_object(self, data):
        return services.frontline_add(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("operation", None)
        data.pop("person", None)
        return services.frontline_update(frontline=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.frontline_remove(frontline=instance, actor=self.request.user)


class CareActionViewSet(ServiceViewSet):
    """五个一 care items done."""

    queryset = CareAction.objects.select_related("person")
    serializer_class = s.CareActionSerializer
    filterset_fields = ["operation", "person", "item", "unit"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create_object(self, data):
        return services.care_record(actor=self.request.user, **data)

    def delete_object(self, instance):
        services.care_delete(action=instance, actor=self.request.user)


# ---------------------------------------------------------------- daily report


@extend_schema_view(
    create=extend_schema(
        request=s.DailyReportInputSerializer, responses={201: s.DailyReportDetailSerializer}
    ),
    retrieve=extend_schema(responses=s.DailyReportDetailSerializer),
)
class DailyReportViewSet(ServiceViewSet):
    """战时日报. Lists carry figures only (``content_visible`` says whether the detail would
    show the confidential parts); the detail carries them for readers holding
    ``talks.view_talk_content`` on the unit, and each such read is logged."""

    queryset = DailyReport.objects.select_related("operation", "unit", "party_group", "filed_by")
    serializer_class = s.DailyReportSerializer
    input_serializer_class = s.DailyReportInputSerializer
    filterset_fields = ["operation", "unit", "party_group", "report_date", "is_late"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "operations.file_wartime_report"}

    def get_queryset(self):
        return with_content_readable(super().get_queryset(), self.request.user)

    def create_object(self, data):
        return services.daily_report_file(actor=self.request.user, **data)

    def _detail(self, report, status=200):
        data = s.DailyReportDetailSerializer(report, context=self.get_serializer_context()).data
        if getattr(report, "content_readable", False):
            log_reads(self.request.user, [report], "api")
            data["content"] = report.decrypted_content()
        return Response(data, status=status)

    def output(self, obj, status=200):
        fresh = self.get_queryset().filter(pk=obj.pk).first()
        if fresh is None:  # filed for a unit the filer does not view: figures only
            return Response(
                s.DailyReportSerializer(obj, context=self.get_serializer_context()).data, status=status
            )
        return self._detail(fresh, status)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())


class ReportContentAccessViewSet(ScopedReadOnlyViewSet):
    """The log of reads of daily reports' confidential parts."""

    queryset = ReportContentAccess.objects.select_related("user")
    serializer_class = s.ReportContentAccessSerializer
    filterset_fields = ["report", "channel"]


class DailyAssessmentViewSet(ServiceViewSet):
    """研判: the committee's note per day (posting the same day again replaces it)."""

    queryset = DailyAssessment.objects.select_related("written_by")
    serializer_class = s.DailyAssessmentSerializer
    filterset_fields = ["operation", "date"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.assessment_write(actor=self.request.user, **data)


# ---------------------------------------------------------------- observations and commendations


class ObservationViewSet(ServiceViewSet):
    """战时考察: visible to the operation's committee and the levels above."""

    queryset = Observation.objects.select_related("person", "unit", "observer")
    serializer_class = s.ObservationSerializer
    filterset_fields = ["operation", "person", "category", "unit"]
    search_fields = ["person__name", "conduct"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "operations.record_observation"}

    def create_object(self, data):
        return services.observation_record(actor=self.request.user, **data)


class ObservationLinkViewSet(ServiceViewSet):
    """An observation attached as evidence to a nomination or an evaluation."""

    queryset = ObservationLink.objects.select_related("linked_by")
    serializer_class = s.ObservationLinkSerializer
    filterset_fields = ["observation", "nomination", "evaluation"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    action_permissions = {"create": "operations.record_observation"}

    def create_object(self, data):
        return services.observation_link(actor=self.request.user, **data)

    def delete_object(self, instance):
        services.observation_unlink(link=instance, actor=self.request.user)


@extend_schema_view(
    create=extend_schema(
        request=s.QuickCommendationInputSerializer, responses={201: s.QuickCommendationSerializer}
    )
)
class QuickCommendationViewSet(ServiceViewSet):
    """通报表扬 of an operation: many people in one batch; ``circular`` is the .docx."""

    queryset = QuickCommendation.objects.select_related("operation", "decided_by").prefetch_related(
        "entries__person", "entries__unit"
    )
    serializer_class = s.QuickCommendationSerializer
    input_serializer_class = s.QuickCommendationInputSerializer
    filterset_fields = ["operation"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "operations.commend_in_operation", "circular": "view"}

    def create_object(self, data):
        return services.commendation_issue(actor=self.request.user, **data)

    @extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def circular(self, request, pk=None):
        commendation = self.get_object()
        return _docx(documents.commendation_docx(commendation), f"{commendation.title}.docx")
