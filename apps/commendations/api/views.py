import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from apps.units.models import Unit

from .. import services
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


DETAIL_PREFETCH = [
    "decisions__actor",
    "decisions__on_behalf_of",
    "attachments__uploaded_by",
    "supports__evaluation__scheme",
    "supports__evaluation__person",
    "supports__evaluation__organisation",
    "supports__evaluation__subject_unit",
    "supports__earlier_award__award_kind",
]

TRANSITIONS = {
    "submit": services.nomination_submit,
    "review": services.nomination_review,
    "approve": services.nomination_approve,
    "return_for_revision": services.nomination_return,
    "reject": services.nomination_reject,
    "withdraw": services.nomination_withdraw,
}


class NominationViewSet(ScopedModelViewSet):
    """Nominations 表彰推荐. State changes only through the transition actions."""

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
                "bulk_approve",
                "attachments",
                "attachment",
            ]
        },
        "seed_from_honours": "add",
    }

    def get_serializer_class(self):
        return NominationDetailSerializer if self.action == "retrieve" else NominationSerializer

    def get_queryset(self):
        queryset = super().get_queryset().prefetch_related("supports")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(*DETAIL_PREFETCH)
        return queryset

    def _detail(self, pk):
        """The nomination after an action, as the detail view shows it."""
        return NominationDetailSerializer(
            self.get_queryset().prefetch_related(*DETAIL_PREFETCH).get(pk=pk)
        ).data

    def perform_update(self, serializer):
        supports = {
            key: serializer.validated_data.pop(key)
            for key in ("supporting_evaluations", "earlier_awards")
            if key in serializer.validated_data
        }
        subject_changed = any(
            key in serializer.validated_data
            for key in ("subject_person", "subject_unit", "subject_organisation")
        )
        with transaction.atomic():
            super().perform_update(serializer)
            if supports or subject_changed:  # links are checked again against the new subject
                services.nomination_set_supports(
                    nomination=serializer.instance, actor=self.request.user, **supports
                )

    @extend_schema(responses={201: NominationSerializer})
    def create(self, request, *args, **kwargs):
        data = NominationSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        nomination = services.nomination_create(actor=request.user, **data.validated_data)
        return Response(NominationSerializer(nomination).data, status=201)

    def update(self, request, *args, **kwargs):
        nomination = self.get_object()
        if nomination.status != Nomination.Status.DRAFT:
            raise ValidationError({"status": "只有草稿（或被退回的推荐）可以修改。"})
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        if instance.status != Nomination.Status.DRAFT or instance.decisions.exclude(action="create").exists():
            raise ValidationError({"status": "已进入流程的推荐不能删除，请撤回。"})
        instance.delete()

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
        nomination = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.nomination_object(
            nomination=nomination, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(self._detail(nomination.pk))

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
        page = self.paginate_queryset(services.inbox(request.user).prefetch_related("supports"))
        return self.get_paginated_response(NominationSerializer(page, many=True).data)

    @extend_schema(
        request=BulkApproveSerializer,
        responses=inline_serializer(
            "BulkApproveResult",
            {
                "results": serializers.DictField(
                    child=serializers.CharField(), help_text="{推荐ID: ok 或原因}"
                )
            },
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request):
        """Approve several inbox items with one comment; each is its own transaction."""
        data = BulkApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        waiting = {n.pk: n for n in services.inbox(request.user).filter(pk__in=data.validated_data["ids"])}
        results = {}
        for pk in data.validated_data["ids"]:
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
        return Response({"results": results})


class AwardKindViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AwardKind.objects.all()
    serializer_class = AwardKindSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None


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
        if not self.request.user.has_perm("commendations.approve_nomination"):
            raise PermissionDenied("只有审批人可以设置代理。")
        serializer.save(approver=self.request.user)


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

    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The circular as .docx."""
        order = self.get_object()
        response = HttpResponse(
            award_order_docx(order),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
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
