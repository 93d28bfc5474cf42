import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import IntegerField, Value
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.fast_lists import ValuesListMixin, date_repr, datetime_repr
from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.permissions import ReferenceDataPermissions
from apps.core.api.schema import FIELD_ERRORS_COMPONENT
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from apps.party.models import PartyOrganisation
from apps.units.models import Unit

from .. import selectors, services
from ..documents import attachment_response, award_order_docx
from ..models import (
    Attachment,
    AwardKind,
    AwardOrder,
    Delegation,
    ExemplaryModel,
    Nomination,
    Objection,
    Quota,
    Support,
)
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    AwardKindSerializer,
    AwardOrderInputSerializer,
    AwardOrderSerializer,
    BulkApproveSerializer,
    CommentSerializer,
    DelegationSerializer,
    ExemplaryModelSerializer,
    NominationDetailSerializer,
    NominationSerializer,
    PublicNoticeSerializer,
    QuotaSerializer,
    ReasonSerializer,
    ResolveSerializer,
    SeedFromHonoursSerializer,
)


class NominationFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()

    class Meta:
        model = Nomination
        fields = ["unit", "status", "award_kind", "year", "priority"]


NOTICE_RELATED = ["award_kind", "unit", "subject_person__unit", "subject_unit", "subject_organisation"]

DETAIL_PREFETCH = [
    "objections",
    "decisions__actor",
    "decisions__on_behalf_of",
    "attachments__uploaded_by",
    "supports__evaluation__scheme",
    "supports__evaluation__person",
    "supports__evaluation__organisation",
    "supports__evaluation__subject_unit",
    "supports__earlier_award__award_kind",
]


def _collective_names(rows) -> tuple[dict, dict]:
    """``{pk: name}`` of the subject units and of the subject party organisations on the page:
    one query for both (none when the page names no collective subject)."""
    parts = []
    for kind, model, column in (
        (0, Unit, "subject_unit_id"),
        (1, PartyOrganisation, "subject_organisation_id"),
    ):
        ids = {row[column] for row in rows} - {None}
        if ids:
            parts.append(
                model._base_manager.filter(pk__in=ids)
                .order_by()
                .values_list(Value(kind, output_field=IntegerField()), "pk", "name")
            )
    names = ({}, {})
    if parts:
        for kind, pk, name in parts[0].union(*parts[1:], all=True):
            names[kind][pk] = name
    return names


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REFUSED_DELETE = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"},
    description="仍被使用，不能删除（中文说明），未删除任何数据",
)

TRANSITIONS = {
    "submit": services.nomination_submit,
    "review": services.nomination_review,
    "approve": services.nomination_approve,
    "return_for_revision": services.nomination_return,
    "reject": services.nomination_reject,
    "withdraw": services.nomination_withdraw,
}


STATUS_LABELS = {value: str(label) for value, label in Nomination.Status.choices}


class NominationViewSet(ValuesListMixin, ScopedModelViewSet):
    """Nominations 表彰推荐. State changes only through the transition actions.

    The list is served from ``.values()`` (``apps.core.api.fast_lists``); ``NominationSerializer``
    stays the reference (writes, the schema, and the byte-for-byte test)."""

    # Joining all six foreign keys made PostgreSQL spend ~40 ms *planning* each page at
    # province scale (docs/scale.md); the rarer ones are fetched by primary key instead.
    queryset = Nomination.objects.select_related("award_kind", "unit", "subject_person").prefetch_related(
        "subject_unit", "subject_organisation", "drafted_by"
    )
    serializer_class = NominationSerializer
    filterset_class = NominationFilter
    search_fields = ["subject_person__name", "subject_unit__name", "subject_organisation__name"]
    ordering_fields = ["created_at", "waiting_since"]
    # Who may act is decided by the services (drafter, reviewer, exact-level approver).
    # Evidence: readers in scope list and download; the service lets only the drafting unit
    # add or remove, and only while the nomination is a draft.
    action_permissions = {
        **{
            name: "view"
            for name in [
                *TRANSITIONS,
                "object",
                "resolve_objection",
                "inbox",
                "notices",
                "bulk_approve",
                "attachments",
                "attachment",
            ]
        },
        "seed_from_honours": "add",
    }

    def get_serializer_class(self):
        return NominationDetailSerializer if self.action == "retrieve" else NominationSerializer

    # The page joins what it names (award, person subject, drafter): as many joins as the
    # select_related it replaces; collective subjects are read by primary key, as before
    # (both kinds in one query).
    list_values = (
        "id",
        "unit_id",
        "award_kind_id",
        "award_kind__name",
        "year",
        "subject_person_id",
        "subject_person__name",
        "subject_unit_id",
        "subject_organisation_id",
        "deeds",
        "status",
        "current_level_id",
        "waiting_since",
        "notice_ends_on",
        "priority",
        "source_note",
        "drafted_by__username",
        "created_at",
        "order_id",
        "approved_on",
    )

    def get_queryset(self):
        queryset = super().get_queryset().prefetch_related("supports")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(*DETAIL_PREFETCH)
        return queryset

    def list_rows(self, rows):
        """What ``NominationSerializer`` sends for each row, in its field order: one query for
        the page's supporting links, one for the names of its collective subjects (if any)."""
        if not rows:
            return []
        supports = {row["id"]: ([], []) for row in rows}
        for nomination, evaluation, earlier in (
            Support.objects.filter(nomination_id__in=supports)
            .order_by("id")
            .values_list("nomination_id", "evaluation_id", "earlier_award_id")
        ):
            if evaluation:
                supports[nomination][0].append(evaluation)
            if earlier:
                supports[nomination][1].append(earlier)
        units, organisations = _collective_names(rows)
        out = []
        for row in rows:
            if row["subject_person_id"] is not None:
                subject_name = row["subject_person__name"]
            elif row["subject_unit_id"] is not None:
                subject_name = units[row["subject_unit_id"]]
            elif row["subject_organisation_id"] is not None:
                subject_name = organisations[row["subject_organisation_id"]]
            else:
                subject_name = "—"
            status = row["status"]
            evaluations, earlier_awards = supports[row["id"]]
            out.append(
                {
                    "id": row["id"],
                    "unit": row["unit_id"],
                    "award_kind": row["award_kind_id"],
                    "award_kind_name": row["award_kind__name"],
                    "year": row["year"],
                    "subject_person": row["subject_person_id"],
                    "subject_unit": row["subject_unit_id"],
                    "subject_organisation": row["subject_organisation_id"],
                    "subject_name": subject_name,
                    "deeds": row["deeds"],
                    "status": status,
                    "status_display": STATUS_LABELS.get(status, status),
                    "current_level": row["current_level_id"],
                    "waiting_since": datetime_repr(row["waiting_since"]),
                    "notice_ends_on": date_repr(row["notice_ends_on"]),
                    "priority": row["priority"],
                    "source_note": row["source_note"],
                    "drafted_by": row["drafted_by__username"],
                    "created_at": datetime_repr(row["created_at"]),
                    "order": row["order_id"],
                    "approved_on": date_repr(row["approved_on"]),
                    "supporting_evaluations": evaluations,
                    "earlier_awards": earlier_awards,
                }
            )
        return out

    def _detail(self, pk):
        """The nomination after an action, as the detail view shows it."""
        return NominationDetailSerializer(
            self.get_queryset().prefetch_related(*DETAIL_PREFETCH).get(pk=pk)
        ).data

    def _transition(self, request, name):
        nomination = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        TRANSITIONS[name](nomination=nomination, actor=request.user, **data.validated_data)
        return Response(self._detail(nomination.pk))

    @extend_schema(request=CommentSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, "submit")

    @extend_schema(request=CommentSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._transition(request, "review")

    @extend_schema(request=CommentSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, "approve")

    @extend_schema(request=CommentSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_revision(self, request, pk=None):
        return self._transition(request, "return_for_revision")

    @extend_schema(request=CommentSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(request, "reject")

    @extend_schema(request=CommentSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, "withdraw")

    @extend_schema(request=ReasonSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"])
    def object(self, request, pk=None):
        """异议: anyone who sees the public notice, including the unit it concerns."""
        nomination = selectors.notices_for(request.user).filter(pk=pk).first()
        if nomination is None:
            nomination = self.get_object()  # 404 out of scope; in scope, the service says why not
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.nomination_object(
            nomination=nomination, actor=request.user, reason=data.validated_data["reason"]
        )
        if not self.get_queryset().filter(pk=nomination.pk).exists():  # seen through the notice
            return Response(self._notice(nomination.pk))
        return Response(self._detail(nomination.pk))

    def _notice(self, pk):
        row = selectors.notices_for(self.request.user).select_related(*NOTICE_RELATED).filter(pk=pk).first()
        return PublicNoticeSerializer(row).data if row else {}

    @extend_schema(responses=PublicNoticeSerializer(many=True))
    @action(detail=False, methods=["get"])
    def notices(self, request):
        """公示: nominations under public notice that concern the user's units (the subject lies
        in their scope) or that they may see anyway, newest notice first."""
        rows = self.filter_queryset(
            selectors.notices_for(request.user)
            .select_related(*NOTICE_RELATED)
            .order_by("-notice_ends_on", "-pk")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PublicNoticeSerializer(page, many=True).data)

    @extend_schema(request=ResolveSerializer, responses=NominationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="resolve-objection")
    def resolve_objection(self, request, pk=None):
        nomination = self.get_object()
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = Objection.objects.filter(
            nomination=nomination, pk=data.validated_data["objection"]
        ).first()
        if objection is None:
            raise ValidationError({"objection": "异议不存在。"})
        services.objection_resolve(
            objection=objection,
            actor=request.user,
            upheld=data.validated_data["upheld"],
            resolution=data.validated_data["resolution"],
        )
        return Response(self._detail(nomination.pk))

    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={201: AttachmentSerializer},
    )
    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser],
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request, pk=None):
        """证明材料: list (readers in scope), or add a file to a draft (the drafting unit; pdf,
        jpg, png, docx; at most 10 MB; extension and content checked)."""
        nomination = self.get_object()
        if request.method == "GET":
            files = (
                Attachment.objects.visible_to(request.user, "view")
                .filter(nomination=nomination)
                .select_related("uploaded_by")
            )
            return Response(AttachmentSerializer(files, many=True).data)
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            nomination=nomination, file=data.validated_data["file"], actor=request.user
        )
        return Response(AttachmentSerializer(attachment).data, status=201)

    @extend_schema(methods=["GET"], responses={(200, "application/octet-stream"): bytes})
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        filter_backends=[],
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """Download one evidence file (readers in scope), or remove it from a draft."""
        nomination = self.get_object()
        attachment = (
            Attachment.objects.visible_to(request.user, "view")
            .filter(nomination=nomination, pk=attachment_id)
            .select_related("nomination")
            .first()
        )
        if attachment is None:
            raise Http404
        if request.method == "DELETE":
            services.attachment_delete(attachment=attachment, actor=request.user)
            return Response(status=204)
        return attachment_response(attachment)

    @extend_schema(request=SeedFromHonoursSerializer, responses={201: NominationSerializer(many=True)})
    @action(
        detail=False,
        methods=["post"],
        url_path="seed-from-honours",
        pagination_class=None,
        filter_backends=[],
    )
    def seed_from_honours(self, request):
        """Draft 先进党小组 nominations from the accepted 年度先进党小组 of a year under a unit,
        each linked to the rating that earned it (groups already nominated are skipped)."""
        data = SeedFromHonoursSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = Unit.objects.visible_to(request.user, "view").filter(pk=data.validated_data["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": "单位不存在或不在您的管辖范围内。"})
        created = services.nominations_seed_from_honours(
            actor=request.user, unit=unit, year=data.validated_data["year"]
        )
        rows = self.get_queryset().filter(pk__in=[n.pk for n in created])
        return Response(NominationSerializer(rows, many=True).data, status=201)

    @extend_schema(responses=NominationSerializer(many=True))
    @action(detail=False, methods=["get"])
    def inbox(self, request):
        """待我审批: what waits for this user's decision (or a delegator's), oldest first."""
        waiting = self.filter_queryset(services.inbox(request.user)).prefetch_related("supports")
        page = self.paginate_queryset(waiting)
        return self.get_paginated_response(NominationSerializer(page, many=True).data)

    @extend_schema(
        request=BulkApproveSerializer,
        responses=inline_serializer(
            "BulkApproveResult",
            {
                "results": serializers.DictField(
                    child=serializers.CharField(), help_text="{推荐ID: ok 或原因}"
                ),
                "done": serializers.IntegerField(help_text="已审核或审批通过的件数"),
                "refused": serializers.IntegerField(help_text="在待办中但未通过（规则或权限）的件数"),
                "not_waiting": serializers.IntegerField(help_text="不在您待办中的件数"),
            },
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request):
        """Approve several inbox items with one comment; each is its own transaction."""
        data = BulkApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(data.validated_data["ids"]))
        waiting = {n.pk: n for n in services.inbox(request.user).filter(pk__in=ids)}
        results = {}
        for pk in ids:
            if pk not in waiting:
                results[pk] = "不在您的待办中"
                continue
            try:
                with transaction.atomic():
                    n = waiting[pk]
                    if n.status == Nomination.Status.SUBMITTED:
                        services.nomination_review(
                            nomination=n, actor=request.user, comment=data.validated_data["comment"]
                        )
                    else:
                        services.nomination_approve(
                            nomination=n, actor=request.user, comment=data.validated_data["comment"]
                        )
                results[pk] = "ok"
            except (ValidationError, PermissionDenied) as exc:
                results[pk] = "；".join(getattr(exc, "messages", [str(exc)]))
        done = sum(1 for r in results.values() if r == "ok")
        not_waiting = len(ids) - len(waiting)
        return Response(
            {
                "results": results,
                "done": done,
                "refused": len(ids) - done - not_waiting,
                "not_waiting": not_waiting,
            }
        )


class AwardKindViewSet(viewsets.ModelViewSet):
    """奖项类别: read by everyone who works with commendations; added, changed and deleted
    through the services by those who hold ``award_kind.manage`` at the top of the tree. A
    kind that nominations or quotas use is not deleted (400, nothing deleted)."""

    queryset = AwardKind.objects.order_by("order", "pk")
    serializer_class = AwardKindSerializer
    permission_classes = [IsAuthenticated, ReferenceDataPermissions]
    pagination_class = None

    def perform_create(self, serializer):
        instance = AwardKind(**serializer.validated_data)
        serializer.instance = services.award_kind_create(instance=instance, actor=self.request.user)

    def perform_update(self, serializer):
        instance = AwardKind.objects.get(pk=serializer.instance.pk)
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = services.award_kind_update(instance=instance, actor=self.request.user)

    def perform_destroy(self, instance):
        services.award_kind_delete(instance=instance, actor=self.request.user)

    @extend_schema(responses={204: None, 400: REFUSED_DELETE})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)


class QuotaViewSet(ScopedModelViewSet):
    queryset = Quota.objects.select_related("unit", "award_kind").order_by("unit__path", "award_kind__order")
    serializer_class = QuotaSerializer
    filterset_fields = ["year", "award_kind", "unit"]


class DelegationViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """An approver's own delegations (user-owned, not unit-scoped)."""

    serializer_class = DelegationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Delegation.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delegation.objects.none()
        return (
            Delegation.objects.filter(approver=self.request.user)
            .select_related("approver", "deputy")
            .order_by("-starts_on")
        )

    def perform_create(self, serializer):
        """Through the service: the approver's own authority, to an eligible deputy."""
        serializer.instance = services.delegation_create(
            approver=self.request.user, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delegation_delete(delegation=instance, actor=self.request.user)


class AwardOrderViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = AwardOrder.objects.select_related("unit").prefetch_related("nominations")
    serializer_class = AwardOrderSerializer
    action_permissions = {"document": "view"}

    @extend_schema(request=AwardOrderInputSerializer, responses={201: AwardOrderSerializer})
    def create(self, request, *args, **kwargs):
        data = AwardOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = Unit.objects.visible_to(request.user, "view").filter(pk=v["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": "单位不存在或不在您的管辖范围内。"})
        visible = Nomination.objects.visible_to(request.user, "view")
        nominations = list(visible.filter(pk__in=v["nominations"]))
        if len(nominations) != len(set(v["nominations"])):
            raise ValidationError({"nominations": "部分推荐不存在或不在您的管辖范围内。"})
        exemplary = list(visible.filter(pk__in=v["exemplary"]))
        order = services.award_order_issue(
            unit=unit,
            number=v["number"],
            title=v["title"],
            nominations=nominations,
            exemplary=exemplary,
            actor=request.user,
        )
        return Response(AwardOrderSerializer(self.get_queryset().get(pk=order.pk)).data, status=201)

    @extend_schema(responses={(200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The circular as .docx."""
        order = self.get_object()
        response = HttpResponse(award_order_docx(order), content_type=DOCX_CONTENT_TYPE)
        response["Content-Disposition"] = f"attachment; filename=award-order-{order.pk}.docx"
        return response


class ExemplaryModelViewSet(ScopedReadOnlyViewSet):
    """先进典型 published on the portal."""

    queryset = ExemplaryModel.objects.select_related(
        "nomination__award_kind",
        "nomination__unit",
        "nomination__subject_person",
        "nomination__subject_unit",
        "nomination__subject_organisation",
    )
    serializer_class = ExemplaryModelSerializer
