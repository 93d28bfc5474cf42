import datetime
from typing import TypedDict

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.plumbing import resolve_type_hint
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.permissions import ReferenceDataPermissions
from apps.core.api.schema import FIELD_ERRORS_COMPONENT
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from apps.core.exports import XLSX_CONTENT_TYPE, xlsx_response
from apps.core.writes import writes_for
from apps.units.models import Unit

from .. import exports, selectors, services
from ..models import (
    Attendance,
    DailyCompliance,
    Decision,
    DeliberationList,
    GroupWeeklyReport,
    Meeting,
    ReportingPolicy,
    ResponsibilityItem,
    ZeroReport,
    ZeroReportCorrection,
)
from .serializers import (
    DailyComplianceSerializer,
    DecisionSerializer,
    DeliberationListSerializer,
    GroupWeeklyReportSerializer,
    MeetingSerializer,
    OverdueWeeklyReportSerializer,
    ReportingPolicySerializer,
    ResponsibilityItemSerializer,
    ZeroReportCorrectSerializer,
    ZeroReportSerializer,
)

XLSX = extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
REFUSED_DELETE = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"},
    description="仍被引用，不能删除（中文说明），未删除任何数据",
)


class ComplianceRow(TypedDict):
    unit_id: int
    unit_name: str
    expected: int
    filed: int
    late: int
    compliance_pct: float


class ComplianceReport(TypedDict):
    unit: int
    start: datetime.date
    end: datetime.date
    children: list[ComplianceRow]


class MissingTodayRow(TypedDict):
    unit_id: int
    unit_name: str
    deadline: datetime.datetime
    overdue: bool


class CompletionRow(TypedDict):
    unit_id: int
    unit_name: str
    items: int
    done: int
    overdue: int


def _unit_param(request):
    units = Unit.objects.visible_to(request.user, "view")
    raw = request.query_params.get("unit", "")
    unit = units.filter(pk=raw).first() if raw.isdigit() else units.order_by("depth", "path").first()
    if unit is None:
        raise ValidationError({"unit": "单位不存在或不在您的管辖范围内。"})
    return unit


def _date_param(request, name, default):
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: "日期格式应为 YYYY-MM-DD。"}) from exc


class ZeroReportFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()
    date_from = django_filters.DateFilter(field_name="report_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="report_date", lookup_expr="lte")

    class Meta:
        model = ZeroReport
        fields = ["unit", "date_from", "date_to", "is_late", "nothing_to_report"]


class ZeroReportViewSet(ScopedModelViewSet):
    """Daily zero-reports 每日零报告. A second filing of a unit's day is refused (400) with a
    pointer to ``POST .../<id>/correct/``: a correction keeps the first filer and records
    the corrector, the reason and the previous content."""

    queryset = ZeroReport.objects.select_related("unit", "filed_by__person").prefetch_related(
        "items",
        Prefetch("corrections", queryset=ZeroReportCorrection.objects.select_related("corrected_by__person")),
    )
    serializer_class = ZeroReportSerializer
    filterset_class = ZeroReportFilter
    action_permissions = {
        "compliance": "view",
        "missing_today": "view",
        "export": "view",
        "correct": "change",
    }

    @extend_schema(request=ZeroReportCorrectSerializer, responses=ZeroReportSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """更正: replace the report's items and note, with a reason; the correction is kept."""
        report = self.get_object()  # out of scope is 404 before any input is read
        data = ZeroReportCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.zero_report_correct(report=report, actor=request.user, **data.validated_data)
        return Response(ZeroReportSerializer(self.get_queryset().get(pk=report.pk)).data)

    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        data = ZeroReportSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        report = services.zero_report_file(
            unit=fields["unit"],
            report_date=fields["report_date"],
            items=fields.get("items", []),
            note=fields.get("note", ""),
            actor=request.user,
        )
        return Response(ZeroReportSerializer(self.get_queryset().get(pk=report.pk)).data, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int),
            OpenApiParameter("start", datetime.date),
            OpenApiParameter("end", datetime.date),
        ],
        responses={200: resolve_type_hint(ComplianceReport)},
    )
    @action(detail=False, methods=["get"])
    def compliance(self, request):
        """报送率 per child unit over a date range (default: the last 30 days)."""
        unit = _unit_param(request)
        end = _date_param(request, "end", timezone.localdate())
        start = _date_param(request, "start", end - datetime.timedelta(days=29))
        if start > end:
            raise ValidationError({"start": "开始日期不能晚于结束日期。"})
        return Response(
            {
                "unit": unit.pk,
                "start": start,
                "end": end,
                "children": selectors.compliance_per_child(
                    user=request.user, root=unit, start=start, end=end
                ),
            }
        )

    @extend_schema(parameters=[OpenApiParameter("unit", int)], responses=list[MissingTodayRow])
    @action(detail=False, methods=["get"], url_path="missing-today")
    def missing_today(self, request):
        """今日未报单位."""
        return Response(selectors.missing_today(user=request.user, root=_unit_param(request)))

    @XLSX
    @action(detail=False, methods=["get"])
    def export(self, request):
        rows = (
            [
                r.report_date,
                r.unit.name,
                "是" if r.nothing_to_report else "否",
                r.items.count(),
                "是" if r.is_late else "否",
                services.person_name(r.filed_by),
            ]
            for r in self.filter_queryset(self.get_queryset())
        )
        return xlsx_response(
            filename="每日零报告.xlsx",
            headers=["日期", "单位", "零报告", "事项数", "逾期", "报送人"],
            rows=rows,
        )


class DailyComplianceViewSet(ScopedReadOnlyViewSet):
    queryset = DailyCompliance.objects.select_related("unit")
    serializer_class = DailyComplianceSerializer
    filterset_fields = ["date", "status", "unit"]


class GroupWeeklyReportFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter(unit_path_field="group__unit__path")
    branch = django_filters.NumberFilter(method="filter_branch", label="党支部ID（其下各党小组）")
    week_from = django_filters.DateFilter(field_name="week_start", lookup_expr="gte")
    week_to = django_filters.DateFilter(field_name="week_start", lookup_expr="lte")

    class Meta:
        model = GroupWeeklyReport
        fields = ["unit", "branch", "group", "week_start", "week_from", "week_to"]

    def filter_branch(self, queryset, name, value):
        from apps.party.models import PartyOrganisation

        branch = PartyOrganisation.objects.visible_to(self.request.user, "view").filter(pk=value).first()
        if branch is None:
            return queryset.none()
        return queryset.filter(group__path__startswith=branch.path, group__depth=branch.depth + 1)


class GroupWeeklyReportViewSet(ScopedModelViewSet):
    queryset = GroupWeeklyReport.objects.select_related("group", "filed_by")
    serializer_class = GroupWeeklyReportSerializer
    filterset_class = GroupWeeklyReportFilter
    action_permissions = {"overdue": "view", "export": "view"}

    @XLSX
    @action(detail=False, methods=["get"])
    def export(self, request):
        """党小组周报 .xlsx, filtered like the list."""
        headers, rows = exports.group_weekly_rows(self.filter_queryset(self.get_queryset()))
        return xlsx_response(filename="党小组周报.xlsx", headers=headers, rows=rows)

    @extend_schema(
        parameters=[OpenApiParameter("branch", int, required=True)],
        responses=OverdueWeeklyReportSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def overdue(self, request):
        """Party groups of a branch that have not reported for the last finished week, paged
        like every list."""
        from apps.party.models import PartyOrganisation

        raw = request.query_params.get("branch", "")
        branch = (
            PartyOrganisation.objects.visible_to(request.user, "view").filter(pk=raw).first()
            if raw.isdigit()
            else None
        )
        if branch is None:
            raise ValidationError({"branch": "党支部不存在或不在您的管辖范围内。"})
        week_start = selectors.last_finished_week()
        page = self.paginate_queryset(selectors.overdue_weekly_groups(user=request.user, branch=branch))
        rows = [{"group_id": g.pk, "group_name": g.name, "week_start": week_start} for g in page]
        return self.get_paginated_response(OverdueWeeklyReportSerializer(rows, many=True).data)


class MeetingFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter(unit_path_field="organisation__unit__path")
    date_from = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__lte")

    class Meta:
        model = Meeting
        fields = ["unit", "kind", "organisation", "date_from", "date_to"]


class MeetingViewSet(ScopedModelViewSet):
    queryset = Meeting.objects.select_related("organisation").prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.select_related("person"))
    )
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    search_fields = ["topic"]
    action_permissions = {"export": "view", "missing_exchange": "view"}

    @extend_schema(
        parameters=[OpenApiParameter("unit", int), OpenApiParameter("month", str, description="YYYY-MM")],
        responses=inline_serializer(
            "MissingExchangeReport",
            fields={
                "unit": serializers.IntegerField(),
                "month": serializers.CharField(),
                "branches": inline_serializer(
                    "MissingExchangeBranch",
                    many=True,
                    fields={
                        "organisation_id": serializers.IntegerField(),
                        "organisation_name": serializers.CharField(),
                        "unit_id": serializers.IntegerField(),
                        "unit_name": serializers.CharField(),
                        "party_groups": serializers.IntegerField(),
                        "last_exchange_on": serializers.DateField(allow_null=True),
                        "month": serializers.CharField(),
                    },
                ),
            },
        ),
    )
    @action(detail=False, methods=["get"], url_path="missing-exchange")
    def missing_exchange(self, request):
        """Branches with party groups in the unit's subtree that held no 党小组工作交流会 in
        ``month`` (``YYYY-MM``, default last month)."""
        unit = _unit_param(request)
        year, month = selectors.parse_month(request.query_params.get("month"))
        return Response(
            {
                "unit": unit.pk,
                "month": f"{year:04d}-{month:02d}",
                "branches": selectors.branches_without_exchange_meeting(
                    user=request.user, root=unit, year=year, month=month
                ),
            }
        )

    @XLSX
    @action(detail=False, methods=["get"])
    def export(self, request):
        """会议/党课 .xlsx (filtered like the list): attendees present / expected and rate."""
        rows = []
        for m in self.filter_queryset(self.get_queryset()):
            attendances = list(m.attendances.all())
            present = sum(a.present for a in attendances)
            rate = round(100 * present / len(attendances), 1) if attendances else None
            rows.append(
                [
                    timezone.localtime(m.starts_at).strftime("%Y-%m-%d %H:%M"),
                    m.get_kind_display(),
                    m.organisation.name,
                    m.topic,
                    len(attendances),
                    present,
                    rate,
                ]
            )
        return xlsx_response(
            filename="会议党课.xlsx",
            headers=["时间", "类型", "党组织", "主题", "应到", "实到", "出席率(%)"],
            rows=rows,
        )


class DecisionViewSet(ScopedModelViewSet):
    queryset = Decision.objects.select_related("organisation", "meeting", "item")
    serializer_class = DecisionSerializer
    filterset_fields = ["organisation", "meeting", "item"]


class DeliberationListViewSet(viewsets.ModelViewSet):
    """必议事项清单 (global reference data): read by everyone who works with reports; added,
    changed and deleted through the services by the holders of ``deliberation_list.manage``
    at the top of the tree. A list whose items decisions cite is not deleted (400)."""

    queryset = DeliberationList.objects.prefetch_related("items").order_by("pk")
    serializer_class = DeliberationListSerializer
    permission_classes = [IsAuthenticated, ReferenceDataPermissions]
    pagination_class = None

    def _write(self, serializer, instance, write):
        data = dict(serializer.validated_data)
        related = {"items": data.pop("items")} if "items" in data else {}
        for name, value in data.items():
            setattr(instance, name, value)
        saved = write(instance=instance, actor=self.request.user, related=related)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer):
        self._write(serializer, DeliberationList(), writes_for(DeliberationList).create)

    def perform_update(self, serializer):
        instance = DeliberationList.objects.get(pk=serializer.instance.pk)
        self._write(serializer, instance, writes_for(DeliberationList).update)

    def perform_destroy(self, instance):
        writes_for(DeliberationList).delete(instance=instance, actor=self.request.user)

    @extend_schema(responses={204: None, 400: REFUSED_DELETE})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)


class ReportingPolicyViewSet(ScopedModelViewSet):
    """零报告报送设置: whether a unit (and its subtree) files the daily zero-report, and by when.
    Read in scope; set, changed and removed by the level above the unit
    (``reporting_policy.manage``): a unit does not exempt itself nor move its own deadline."""

    queryset = ReportingPolicy.objects.select_related("unit").order_by("unit__path")
    serializer_class = ReportingPolicySerializer
    filterset_fields = ["unit", "must_report"]


class ResponsibilityItemFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter(unit_path_field="organisation__unit__path")
    completed = django_filters.BooleanFilter(
        field_name="completed_on", lookup_expr="isnull", exclude=True, label="已完成"
    )

    class Meta:
        model = ResponsibilityItem
        fields = ["unit", "organisation", "year", "kind", "completed"]


class ResponsibilityItemViewSet(ScopedModelViewSet):
    queryset = ResponsibilityItem.objects.select_related("organisation", "assignee")
    serializer_class = ResponsibilityItemSerializer
    filterset_class = ResponsibilityItemFilter
    action_permissions = {"completion": "view", "export": "view"}

    @XLSX
    @action(detail=False, methods=["get"])
    def export(self, request):
        """六责清单 .xlsx, filtered like the list (unit subtree, organisation, year, kind, completed)."""
        headers, rows = exports.responsibility_rows(self.filter_queryset(self.get_queryset()))
        return xlsx_response(filename="六责清单.xlsx", headers=headers, rows=rows)

    @extend_schema(
        parameters=[OpenApiParameter("unit", int), OpenApiParameter("year", int)],
        responses=list[CompletionRow],
    )
    @action(detail=False, methods=["get"])
    def completion(self, request):
        year = request.query_params.get("year", "")
        year = int(year) if year.isdigit() else timezone.localdate().year
        return Response(
            selectors.responsibility_completion(user=request.user, root=_unit_param(request), year=year)
        )
