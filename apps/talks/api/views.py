import datetime
from typing import TypedDict

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.plumbing import resolve_type_hint
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.access.authority import authorize
from apps.core.api.fast_lists import ValuesListMixin, date_repr, datetime_repr
from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.permissions import ScopedPermission
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from apps.core.exports import XLSX_CONTENT_TYPE, xlsx_response
from apps.people.models import Person
from apps.units.models import Unit

from .. import services
from ..content import is_committee, log_reads, with_content_readable, with_warning_flag
from ..models import (
    FollowUp,
    TalkContentAccess,
    TalkKind,
    TalkPolicy,
    TalkRecord,
    TalkShare,
    shared_record_pks,
)
from ..selectors import coverage_for_unit, coverage_per_child, period_bounds, readers_of, uncovered_people
from .serializers import (
    CompleteSerializer,
    FollowUpSerializer,
    ReadersSerializer,
    RevokeSerializer,
    ShareSerializer,
    TalkContentAccessSerializer,
    TalkPolicySerializer,
    TalkRecordInputSerializer,
    TalkRecordSerializer,
    TalkRecordUpdateSerializer,
    TalkShareSerializer,
    VoidSerializer,
    display_name,
)


class CoverageRow(TypedDict):
    unit_id: int
    unit_name: str
    people: int
    covered: int
    coverage_pct: float
    overdue_followups: int


class UncoveredPerson(TypedDict):
    id: int
    name: str
    unit_name: str


class CoverageReport(TypedDict):
    unit: CoverageRow
    period_start: datetime.date
    period_end: datetime.date
    children: list[CoverageRow]
    uncovered: list[UncoveredPerson]


class TalkRecordFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()
    kind = django_filters.MultipleChoiceFilter(choices=TalkKind.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    talker = django_filters.CharFilter(field_name="talker__username")
    followup_status = django_filters.ChoiceFilter(
        field_name="followups__status", choices=FollowUp.Status.choices, distinct=True
    )
    person = django_filters.NumberFilter()

    class Meta:
        model = TalkRecord
        fields = ["unit", "kind", "date_from", "date_to", "talker", "followup_status", "person"]


EXPORT_HEADERS = [
    "谈话日期",
    "谈话类型",
    "谈话对象",
    "所在单位",
    "谈话人",
    "地点",
    "有苗头性问题",
    "跟进事项（待落实）",
    "状态",
]


def talk_export_rows(queryset):
    """Metadata only: content never leaves the portal in an export. The warning flag is
    derived from the content, so a row carries it only where the exporting user may read
    the content (``content_readable``, annotated on the queryset); elsewhere it is blank."""
    for r in queryset:
        followups = getattr(r, "followup_list", None)  # the API's prefetch; the admin's is "followups"
        if followups is None:
            followups = r.followups.all()
        open_items = sum(1 for f in followups if f.status == FollowUp.Status.OPEN)
        yield [
            r.date,
            r.get_kind_display(),
            r.person.name,
            r.unit.name,
            display_name(r.talker),
            r.place,
            ("是" if r.has_warning_signs else "否") if getattr(r, "content_readable", False) else "",
            open_items,
            "已作废" if r.voided_at else "有效",
        ]


FOLLOWUP_LABELS = {"owner": "责任人", "due_date": "期限", "description": "跟进事项"}


def flat_errors(errors) -> dict[str, list[str]]:
    """Serializer errors as ``{field: [messages]}`` (the 400 shape every endpoint declares):
    nested follow-up errors become "第 2 项 责任人：…" under ``followups``."""
    return {field: list(_messages(value)) for field, value in errors.items()}


def _messages(value, where: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            label = f"第 {int(key) + 1} 项 " if str(key).isdigit() else f"{FOLLOWUP_LABELS.get(key, key)}："
            yield from _messages(inner, f"{where}{label}")
    elif isinstance(value, list | tuple):
        for number, inner in enumerate(value):
            if isinstance(inner, dict | list | tuple):
                if inner:
                    yield from _messages(inner, f"{where}第 {number + 1} 项 ")
            else:
                yield f"{where}{inner}"
    else:
        yield f"{where}{value}"


class TalkRecordPermission(ScopedPermission):
    """The scoped rule, plus one door for readers a record is shared with: the detail of a
    record ``get_queryset`` admits (by grant or by a share in force; the rest is 404)."""

    def has_permission(self, request, view):
        if super().has_permission(request, view):
            return True
        user = request.user
        # without the view permission anywhere: only someone a record is shared with, to its detail
        return (
            getattr(view, "action", None) == "retrieve"
            and bool(user and user.is_authenticated and user.is_active)
            and bool(shared_record_pks(user))
        )

    def has_object_permission(self, request, view, obj):
        if getattr(view, "action", None) == "retrieve":
            return True
        return super().has_object_permission(request, view, obj)


KIND_LABELS = {value: str(label) for value, label in TalkKind.choices}
FOLLOWUP_STATUS_LABELS = {value: str(label) for value, label in FollowUp.Status.choices}


class TalkRecordViewSet(ValuesListMixin, ScopedModelViewSet):
    """Talk records 谈心谈话. Lists carry metadata only (``content_visible`` says whether the
    detail would show content); the detail carries content for entitled readers, and each
    read of content is logged. Searching inside content is not offered (it is encrypted).

    The list is served from ``.values()`` (``apps.core.api.fast_lists``): it reads neither the
    encrypted columns nor person columns it does not send, and the warning flag comes out of
    the database already blank where the content is not readable (``with_warning_flag``).
    ``TalkRecordSerializer`` stays the reference (every other action, the schema, and the
    byte-for-byte test)."""

    queryset = TalkRecord.objects.select_related("person", "unit", "talker").prefetch_related(
        # to_attr: a plain list per record (Django otherwise clones a queryset per record)
        Prefetch("followups", queryset=FollowUp.objects.select_related("owner"), to_attr="followup_list")
    )
    serializer_class = TalkRecordSerializer
    filterset_class = TalkRecordFilter
    search_fields = ["person__name", "place", "talker__username"]
    ordering_fields = ["date", "created_at"]
    permission_classes = [IsAuthenticated, TalkRecordPermission]
    # the rules of these actions are the services' (authority on the record's unit)
    action_permissions = {
        "mine": "view",
        "coverage": "view",
        "export": "view",
        "share": "view",
        "revoke": "view",
        "readers": "view",
        "void": "view",
    }

    list_values = (
        "id",
        "date",
        "kind",
        "place",
        "person_id",
        "person__name",
        "unit_id",
        "unit__name",
        "talker__username",
        "talker__first_name",
        "talker__last_name",
        "warning_flag",
        "content_readable",
        "created_at",
        "voided_at",
        "void_reason",
    )

    def get_queryset(self):
        if self.action == "list":  # super() answers the records the user may view
            return with_warning_flag(super().get_queryset(), self.request.user, within_view_scope=True)
        return with_content_readable(super().get_queryset(), self.request.user)

    def list_rows(self, rows):
        """What ``TalkRecordSerializer`` sends for each row, in its field order (metadata only:
        a list sends no content, so it logs no read)."""
        followups = {}
        if rows:
            for f in (
                FollowUp.objects.filter(record_id__in=[row["id"] for row in rows])
                .order_by(*FollowUp._meta.ordering)
                .values("id", "record_id", "owner__username", "due_date", "status", "completed_on")
            ):
                followups.setdefault(f["record_id"], []).append(
                    {
                        "id": f["id"],
                        "record": f["record_id"],
                        "owner": f["owner__username"],
                        "due_date": date_repr(f["due_date"]),
                        "status": f["status"],
                        "status_display": FOLLOWUP_STATUS_LABELS.get(f["status"], f["status"]),
                        "completed_on": date_repr(f["completed_on"]),
                    }
                )
        out = []
        for row in rows:
            kind = row["kind"]
            talker_name = f"{row['talker__last_name']}{row['talker__first_name']}".strip()
            out.append(
                {
                    "id": row["id"],
                    "date": date_repr(row["date"]),
                    "kind": kind,
                    "kind_display": KIND_LABELS.get(kind, kind),
                    "place": row["place"],
                    "person": row["person_id"],
                    "person_name": row["person__name"],
                    "unit": row["unit_id"],
                    "unit_name": row["unit__name"],
                    "talker": row["talker__username"],
                    "talker_name": talker_name or row["talker__username"],
                    # NULL from the database unless the content is readable (with_warning_flag)
                    "has_warning_signs": row["warning_flag"] if row["content_readable"] else None,
                    "followups": followups.get(row["id"], []),
                    "content_visible": bool(row["content_readable"]),
                    "created_at": datetime_repr(row["created_at"]),
                    "voided_at": datetime_repr(row["voided_at"]),
                    "void_reason": row["void_reason"],
                }
            )
        return out

    def _with_content(self, records, data):
        readable = [r for r in records if getattr(r, "content_readable", False)]
        log_reads(self.request.user, readable, "api")
        by_pk = {r.pk: r for r in readable}
        for item in data:
            record = by_pk.get(item["id"])
            if record is not None:
                item["content"] = record.decrypted_content()
                texts = {f.pk: f.decrypted_text() for f in record.followup_list}
                for f in item["followups"]:
                    f.update(texts.get(f["id"], {}))
        return data

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        return Response(self._with_content([record], [self.get_serializer(record).data])[0])

    @extend_schema(request=TalkRecordInputSerializer, responses={201: TalkRecordSerializer})
    def create(self, request, *args, **kwargs):
        data = TalkRecordInputSerializer(data=request.data)
        if not data.is_valid():
            # field → list of messages, as documented: a follow-up's errors are named by its place
            raise ValidationError(flat_errors(data.errors))
        fields = dict(data.validated_data)
        person = Person.objects.visible_to(request.user, "view").filter(pk=fields.pop("person")).first()
        if person is None:
            raise ValidationError({"person": "谈话对象不存在或不在您的管辖范围内。"})
        record = services.talk_record(person=person, talker=request.user, actor=request.user, **fields)
        return self.retrieve_response(record, status=201)

    def retrieve_response(self, record, status=200):
        record = self.get_queryset().get(pk=record.pk)
        return Response(self._with_content([record], [self.get_serializer(record).data])[0], status=status)

    @extend_schema(request=TalkRecordUpdateSerializer, responses=TalkRecordSerializer)
    def update(self, request, *args, **kwargs):
        record = self.get_object()
        if not services.may_edit(request.user, record):
            raise PermissionDenied("只有谈话人或有权查阅谈话内容的人员可以修改谈话记录。")
        data = TalkRecordUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.talk_record_edit(record=record, actor=request.user, **data.validated_data)
        return self.retrieve_response(record)

    @extend_schema(
        responses={204: None, 403: None, 404: None},
        description="删除谈话记录：仅系统管理员（谈话记录不由单位人员删除，请作废）；查阅日志保留。",
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.talk_record_delete(instance=instance, actor=self.request.user, channel="api")

    @extend_schema(
        request=VoidSerializer, responses={200: TalkRecordSerializer, 400: None, 403: None, 404: None}
    )
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """作废: the talker or the committee voids the record, with a reason (logged)."""
        record = self.get_object()
        if not services.may_edit(request.user, record):
            raise PermissionDenied("只有谈话人或党委（有权查阅谈话内容的人员）可以作废谈话记录。")
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.talk_record_void(record=record, actor=request.user, reason=data.validated_data["reason"])
        return self.retrieve_response(record)

    @extend_schema(responses=TalkRecordSerializer(many=True))
    @action(detail=False, methods=["get"])
    def mine(self, request):
        """我的谈话: the talks this user held (metadata, like the list)."""
        queryset = self.filter_queryset(self.get_queryset().filter(talker=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return xlsx_response(
            filename="谈心谈话记录.xlsx", headers=EXPORT_HEADERS, rows=talk_export_rows(queryset)
        )

    @extend_schema(
        request=ShareSerializer, responses={201: TalkShareSerializer, 400: None, 403: None, 404: None}
    )
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """共享: the committee lets one more reader (inside the record's corps; HQ may share
        wider) read this record, with a reason and an optional end date. Logged."""
        record = self.get_object()
        authorize(request.user, "talk.share", record.unit)  # who may act, before what they sent
        data = ShareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        share = services.talk_share(record=record, actor=request.user, **data.validated_data)
        return Response(TalkShareSerializer(share).data, status=201)

    @extend_schema(
        request=RevokeSerializer, responses={200: TalkShareSerializer, 400: None, 403: None, 404: None}
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """撤销共享: the sharer or the committee ends a share now. Logged."""
        record = self.get_object()
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        share = TalkShare.objects.filter(pk=data.validated_data["share"], record=record).first()
        if share is None:
            raise ValidationError({"share": "该谈话记录没有这项共享。"})
        share = services.talk_share_revoke(
            share=share, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(TalkShareSerializer(share).data)

    @extend_schema(responses={200: ReadersSerializer, 403: None, 404: None})
    @action(detail=True, methods=["get"])
    def readers(self, request, pk=None):
        """谁能查阅: the talker, the committee (holders of the content permission on the
        record's unit or an ancestor) and the shares in force. For the talker and the
        committee only."""
        record = self.get_object()
        if record.talker_id != request.user.pk and not is_committee(request.user, record):
            raise PermissionDenied("只有谈话人或党委可以查看谁能查阅该谈话记录。")
        return Response(ReadersSerializer(readers_of(record)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="单位 ID（默认：您的最高授权单位）"),
            OpenApiParameter("date", datetime.date, description="周期内任一日期（默认今天）"),
            OpenApiParameter("period", str, enum=["month", "quarter"]),
        ],
        responses={200: resolve_type_hint(CoverageReport)},
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        """覆盖率: per child unit, with the people not yet talked with."""
        units = Unit.objects.visible_to(request.user, "view")
        unit = (
            units.filter(pk=request.query_params["unit"]).first()
            if request.query_params.get("unit", "").isdigit()
            else units.order_by("depth", "path").first()
        )
        if unit is None:
            raise ValidationError({"unit": "单位不存在或不在您的管辖范围内。"})
        try:
            day = (
                datetime.date.fromisoformat(request.query_params.get("date", ""))
                if request.query_params.get("date")
                else timezone.localdate()
            )
        except ValueError as exc:
            raise ValidationError({"date": "日期格式应为 YYYY-MM-DD。"}) from exc
        period = request.query_params.get("period", TalkPolicy.Period.QUARTER)
        if period not in TalkPolicy.Period.values:
            raise ValidationError({"period": "周期应为 month 或 quarter。"})
        start, end = period_bounds(period, day)
        args = {"user": request.user, "period_start": start, "period_end": end}
        missing = uncovered_people(root=unit, **args)[:500]
        return Response(
            {
                "unit": coverage_for_unit(unit=unit, **args),
                "period_start": start,
                "period_end": end,
                "children": coverage_per_child(root=unit, **args),
                "uncovered": [{"id": p.pk, "name": p.name, "unit_name": p.unit.name} for p in missing],
            }
        )


class FollowUpViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Follow-ups: metadata for anyone in scope; ``mine`` for their owner; ``complete``."""

    queryset = FollowUp.objects.select_related("owner", "record")
    serializer_class = FollowUpSerializer
    filterset_fields = ["status", "record"]
    action_permissions = {"mine": "view", "complete": "view"}

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(owner=self.request.user) if self.action == "mine" else queryset

    @extend_schema(responses=FollowUpSerializer(many=True))
    @action(detail=False, methods=["get"])
    def mine(self, request):
        """我的跟进事项, overdue first."""
        queryset = self.filter_queryset(self.get_queryset()).order_by("status", "due_date")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=CompleteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        followup = self.get_object()
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        followup = services.followup_complete(followup=followup, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(followup).data)


class TalkPolicyViewSet(ScopedModelViewSet):
    queryset = TalkPolicy.objects.select_related("unit").order_by("unit__path")
    serializer_class = TalkPolicySerializer


class TalkContentAccessViewSet(ScopedReadOnlyViewSet):
    """The log of content reads (for HQ review)."""

    queryset = TalkContentAccess.objects.select_related("user", "reader").order_by("-accessed_at", "-id")
    serializer_class = TalkContentAccessSerializer
    filterset_fields = ["record", "record_number", "channel", "event"]
