import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from apps.core.uploads import validate_upload
from apps.units.models import Unit

from .. import services
from ..documents import award_order_docx
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
)


class NominationFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()

    class Meta:
        model = Nomination
        fields = ["unit", "status", "award_kind", "year", "priority"]


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

    queryset = Nomination.objects.select_related(
        "award_kind", "unit", "subject_person", "subject_unit", "subject_organisation", "drafted_by"
    )
    serializer_class = NominationSerializer
    filterset_class = NominationFilter
    search_fields = ["subject_person__name", "subject_unit__name", "subject_organisation__name"]
    ordering_fields = ["created_at", "waiting_since"]
    # Who may act is decided by the services (drafter, reviewer, exact-level approver).
    action_permissions = {
        name: "view" for name in [*TRANSITIONS, "object", "resolve_objection", "inbox", "bulk_approve"]
    }

    def get_serializer_class(self):
        return NominationDetailSerializer if self.action == "retrieve" else NominationSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("decisions__actor", "decisions__on_behalf_of")
        return queryset

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
        return Response(NominationDetailSerializer(self.get_queryset().get(pk=nomination.pk)).data)

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
        return Response(NominationDetailSerializer(self.get_queryset().get(pk=nomination.pk)).data)

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
        return Response(NominationDetailSerializer(self.get_queryset().get(pk=nomination.pk)).data)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        """Add an evidence file (pdf, jpg, png, docx; at most 10 MB) to a draft."""
        nomination = self.get_object()
        if nomination.drafted_by_id != request.user.pk and not request.user.has_perm(
            "commendations.change_nomination", nomination
        ):
            raise PermissionDenied("只有起草人或推荐单位管理员可以上传证明材料。")
        if nomination.status != Nomination.Status.DRAFT:
            raise ValidationError({"status": "只能为草稿上传证明材料。"})
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError({"file": "请选择文件。"})
        validate_upload(file)
        attachment = Attachment.objects.create(nomination=nomination, file=file, uploaded_by=request.user)
        return Response({"id": attachment.pk, "name": attachment.file.name}, status=201)

    @action(detail=False, methods=["get"])
    def inbox(self, request):
        """待我审批: what waits for this user's decision (or a delegator's), oldest first."""
        page = self.paginate_queryset(services.inbox(request.user))
        return self.get_paginated_response(NominationSerializer(page, many=True).data)

    @extend_schema(request=BulkApproveSerializer)
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
