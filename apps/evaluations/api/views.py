import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from apps.core.exports import XLSX_CONTENT_TYPE, xlsx_response
from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.choices import live_units
from apps.units.models import Unit

from .. import selectors, services
from ..models import Criterion, Evaluation, EvaluationStatus, GroupHonour, Scheme, SubjectKind
from .serializers import (
    CorrectionSerializer,
    CriterionWriteSerializer,
    DistributionRowSerializer,
    EvaluationCreateSerializer,
    EvaluationDetailSerializer,
    EvaluationSerializer,
    GroupHonourSerializer,
    ProposeSerializer,
    RollupRowSerializer,
    SchemeSerializer,
    ScoreSheetSerializer,
    SurveyTallySerializer,
)

SUBJECT_MODELS = {
    SubjectKind.PERSON: Person,
    SubjectKind.PARTY_GROUP: PartyOrganisation,
    SubjectKind.PARTY_ORGANISATION: PartyOrganisation,
    SubjectKind.UNIT: Unit,
}


class SchemePermission(BasePermission):
    """Reading: anyone signed in who may read evaluations somewhere. Writing: the
    ``scheme.manage`` authority at the root of the tree (``services.scheme_may_manage``,
    asked again by the services)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            opts = view.queryset.model._meta
            return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        if not services.scheme_may_manage(actor=user):
            raise PermissionDenied(SCHEME_MANAGERS_ONLY)
        return True


SCHEME_MANAGERS_ONLY = "考核方案为全局参考数据，只有消防救援局（总部）管理员或系统管理员可以修改。"


class ReferenceWritesMixin:
    """Schemes and their criteria: read by everyone who uses evaluations, written by who
    holds ``scheme.manage`` on the root, through the services (their refusals in Chinese)."""

    permission_classes = [SchemePermission]

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied):  # keep the service's Chinese reason
            exc = PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


class SchemeViewSet(ReferenceWritesMixin, viewsets.ModelViewSet):
    """考核方案 (reference data, the same for everyone): read by everyone who uses
    evaluations; created, changed and deleted through the services by HQ at the bureau."""

    queryset = Scheme.objects.prefetch_related("criteria", "bands", "evaluator_roles__role").order_by("code")
    serializer_class = SchemeSerializer
    pagination_class = None

    def perform_create(self, serializer):
        serializer.instance = self._write(Scheme(), serializer)

    def perform_update(self, serializer):
        serializer.instance = self._write(serializer.instance, serializer)

    def _write(self, instance, serializer):
        data = dict(serializer.validated_data)
        related = {name: data.pop(name) for name in ("bands", "evaluator_roles") if name in data}
        for name, value in data.items():
            setattr(instance, name, value)
        return services.scheme_save(instance=instance, actor=self.request.user, related=related)

    @extend_schema(
        responses={
            204: None,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="该考核方案已有考核记录，不能删除（请改为停用）；未删除任何数据",
            ),
        }
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.scheme_delete(instance=instance, actor=self.request.user)


class CriterionViewSet(ReferenceWritesMixin, viewsets.ModelViewSet):
    """考核指标 of the schemes (``?scheme=<id>``); a criterion with scores is not deleted."""

    queryset = Criterion.objects.order_by("scheme__code", "order", "pk")
    serializer_class = CriterionWriteSerializer
    filterset_fields = ["scheme"]
    ordering_fields = ["order", "name"]

    def perform_create(self, serializer):
        instance = Criterion(**serializer.validated_data)
        serializer.instance = services.scheme_part_save(instance=instance, actor=self.request.user)

    def perform_update(self, serializer):
        instance = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = services.scheme_part_save(instance=instance, actor=self.request.user)

    @extend_schema(
        responses={
            204: None,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="该指标已有评分，不能删除；未删除任何数据"),
        }
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.scheme_part_delete(instance=instance, actor=self.request.user)


class EvaluationFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()
    scheme = django_filters.NumberFilter()
    scheme_code = django_filters.CharFilter(field_name="scheme__code")
    year = django_filters.NumberFilter()
    period_number = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=EvaluationStatus.choices)
    grade = django_filters.CharFilter()

    class Meta:
        model = Evaluation
        fields = ["unit", "scheme", "scheme_code", "year", "period_number", "status", "grade"]


YEAR_MIN, YEAR_MAX = 2000, 2100
PERIOD_LABEL_MAX = 60
ID_BOUNDS = (1, 2**31 - 1)


def ranking_parameters(*, unit_required: bool) -> list[OpenApiParameter]:
    """The query of the ranking, its export, the roll-up and the grade distribution:
    without ``scheme`` and ``year`` (or ``unit`` where it is required), or with a value
    outside these bounds, the answer is 400 with the field's message."""
    an_id = {"type": "integer", "minimum": ID_BOUNDS[0], "maximum": ID_BOUNDS[1]}
    return [
        OpenApiParameter("scheme", an_id, required=True, description="考核方案 ID"),
        OpenApiParameter(
            "year",
            {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
            required=True,
            description="年度",
        ),
        OpenApiParameter(
            "period_number",
            {"type": "integer", "enum": list(range(13)), "default": 0},
            description="期次：季度 1–4，月份 1–12；年度及专项为 0",
        ),
        OpenApiParameter(
            "period_label",
            {"type": "string", "maxLength": PERIOD_LABEL_MAX},
            description="专项名称（战时/专项任务考核）",
        ),
        OpenApiParameter(
            "unit",
            an_id,
            required=unit_required,
            description="单位 ID（含下级，须在您的管辖范围内）"
            + ("，按其直属下级汇总" if unit_required else ""),
        ),
    ]


RANKING_HEADERS = ["总队内排名", "上级单位内排名", "考核对象", "所在单位", "总分", "等次", "状态", "版本"]


def ranking_rows(evaluations):
    for e in evaluations:
        yield [
            e.rank_in_corps,
            e.rank_in_parent,
            str(e.subject),
            e.unit.name,
            float(e.total) if e.total is not None else "",
            e.grade,
            e.get_status_display(),
            e.version,
        ]


class EvaluationViewSet(ScopedModelViewSet):
    """考核: created, scored, published and corrected through the services; the figures are
    read-only (computed in SQL)."""

    queryset = Evaluation.objects.select_related("scheme", "unit", "person", "organisation", "subject_unit")
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    search_fields = ["person__name", "organisation__name", "subject_unit__name"]
    ordering_fields = ["total", "rank_in_corps", "rank_in_parent", "year"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {
        "scores": "evaluations.score_evaluation",
        "publish": "evaluations.publish_evaluation",
        "correct": "evaluations.publish_evaluation",
        "ranking": "view",
        "ranking_xlsx": "view",
        "rollup": "view",
        "distribution": "view",
    }

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EvaluationDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("scores__evaluator")
        return qs

    def _detail(self, evaluation, status=200):
        evaluation = self.get_queryset().prefetch_related("scores__evaluator").get(pk=evaluation.pk)
        return Response(
            EvaluationDetailSerializer(evaluation, context=self.get_serializer_context()).data, status
        )

    @extend_schema(request=EvaluationCreateSerializer, responses={201: EvaluationDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = EvaluationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        scheme = fields.pop("scheme")
        model = SUBJECT_MODELS[scheme.subject_kind]
        candidates = model.objects.visible_to(request.user, "view")
        if model is Unit:
            candidates = live_units(candidates)  # a dissolved unit is not offered as a subject
        elif model is PartyOrganisation:
            candidates = candidates.open()
        subject = candidates.filter(pk=fields.pop("subject")).first()
        if subject is None:
            raise ValidationError({"subject": "考核对象不存在、不在您的管辖范围内或已撤销。"})
        evaluation = services.evaluation_create(scheme=scheme, subject=subject, actor=request.user, **fields)
        return self._detail(evaluation, status=201)

    @extend_schema(request=ScoreSheetSerializer, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        """Submit the caller's score sheet ``{"scores": {criterion_id: value}}``."""
        evaluation = self.get_object()
        data = ScoreSheetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.scores_submit(
            evaluation=evaluation,
            evaluator=request.user,
            scores=data.validated_data["scores"],
            comments=data.validated_data.get("comments"),
        )
        return self._detail(evaluation)

    @extend_schema(request=SurveyTallySerializer, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def survey(self, request, pk=None):
        """满意率: ``{"satisfied": 满意票数, "valid": 有效票数}`` becomes the caller's score."""
        evaluation = self.get_object()  # out of scope is 404 before any input is read
        data = SurveyTallySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.survey_tally_submit(evaluation=evaluation, evaluator=request.user, **data.validated_data)
        return self._detail(evaluation)

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        evaluation = services.evaluation_publish(evaluation=self.get_object(), actor=request.user)
        return self._detail(evaluation)

    @extend_schema(request=CorrectionSerializer, responses={201: EvaluationDetailSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        evaluation = self.get_object()  # out of scope is 404 before any input is read
        data = CorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.evaluation_correct(
            evaluation=evaluation, reason=data.validated_data["reason"], actor=request.user
        )
        return self._detail(correction, status=201)

    def _ranking(self, request):
        params = request.query_params

        def number(name, message, default=None, bounds=None):
            raw = params.get(name, default)
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise ValidationError({name: message}) from None
            if bounds is not None and not bounds[0] <= value <= bounds[1]:
                raise ValidationError({name: message})
            return value

        scheme_id = number("scheme", "请指定考核方案。", bounds=ID_BOUNDS)
        scheme = Scheme.objects.filter(pk=scheme_id).first()
        if scheme is None:
            raise ValidationError({"scheme": "考核方案不存在。"})
        year = number("year", f"请指定年度（{YEAR_MIN}–{YEAR_MAX}）。", bounds=(YEAR_MIN, YEAR_MAX))
        period_number = number("period_number", "期次应为 0 至 12 的整数。", 0, bounds=(0, 12))
        period_label = params.get("period_label", "")
        if len(period_label) > PERIOD_LABEL_MAX or "\x00" in period_label:
            raise ValidationError({"period_label": f"专项名称不能超过 {PERIOD_LABEL_MAX} 个字符。"})
        root = None
        if "unit" in params:  # given empty is as wrong as given as text
            unit_id = number("unit", "单位不存在或不在您的管辖范围内。", bounds=ID_BOUNDS)
            root = Unit.objects.visible_to(request.user, "view").filter(pk=unit_id).first()
            if root is None:
                raise ValidationError({"unit": "单位不存在或不在您的管辖范围内。"})
        return (
            scheme,
            year,
            period_number,
            root,
            selectors.ranking(
                user=request.user,
                scheme=scheme,
                year=year,
                period_number=period_number,
                period_label=period_label,
                root=root,
            ),
        )

    @extend_schema(
        parameters=ranking_parameters(unit_required=False),
        responses=EvaluationSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"])
    def ranking(self, request):
        """排名: ``?scheme=&year=[&period_number=&period_label=&unit=]``, best first."""
        *_, qs = self._ranking(request)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(EvaluationSerializer(page, many=True).data)

    @extend_schema(
        parameters=ranking_parameters(unit_required=False),
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(detail=False, methods=["get"], url_path="ranking-xlsx")
    def ranking_xlsx(self, request):
        """排名 as an .xlsx workbook, the same parameters as ``ranking``."""
        scheme, year, _, _, qs = self._ranking(request)
        return xlsx_response(
            filename=f"{year}年{scheme.name}排名.xlsx", headers=RANKING_HEADERS, rows=ranking_rows(qs)
        )

    @extend_schema(
        parameters=ranking_parameters(unit_required=True),
        responses=RollupRowSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def rollup(self, request):
        """逐级汇总: ``?scheme=&year=&unit=`` → one row per direct child of the unit."""
        scheme, year, period_number, root, _ = self._ranking(request)
        if root is None:
            raise ValidationError({"unit": "请指定单位。"})
        return Response(
            selectors.rollup_per_child(
                user=request.user,
                root=root,
                scheme=scheme,
                year=year,
                period_number=period_number,
                period_label=request.query_params.get("period_label", ""),
            )
        )

    @extend_schema(
        parameters=ranking_parameters(unit_required=True),
        responses=DistributionRowSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def distribution(self, request):
        """等次分布: ``?scheme=&year=&unit=`` → published grades per direct child of the unit
        (HQ: per detachment with a corps, per corps with the bureau)."""
        scheme, year, _, root, _ = self._ranking(request)
        if root is None:
            raise ValidationError({"unit": "请指定单位。"})
        return Response(
            selectors.grade_distribution_per_child(user=request.user, root=root, year=year, scheme=scheme)
        )


class GroupHonourViewSet(ScopedReadOnlyViewSet):
    """年度先进党小组: proposals from the party-group rating and their acceptance."""

    queryset = GroupHonour.objects.select_related("group", "branch", "unit", "evaluation").prefetch_related(
        "members"
    )
    serializer_class = GroupHonourSerializer
    filterset_fields = ["year", "status"]
    action_permissions = {
        "propose": "evaluations.add_grouphonour",
        "accept": "evaluations.accept_grouphonour",
        "reject": "evaluations.accept_grouphonour",
    }

    @extend_schema(
        request=ProposeSerializer, responses={201: GroupHonourSerializer(many=True)}, filters=False
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def propose(self, request):
        data = ProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        honours = services.honours_propose(actor=request.user, **data.validated_data)
        qs = self.get_queryset().filter(pk__in=[h.pk for h in honours])
        return Response(GroupHonourSerializer(qs, many=True).data, status=201)

    @extend_schema(request=None, responses=GroupHonourSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        honour = services.honour_accept(honour=self.get_object(), actor=request.user)
        return Response(GroupHonourSerializer(self.get_queryset().get(pk=honour.pk)).data)

    @extend_schema(request=None, responses=GroupHonourSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        honour = services.honour_reject(honour=self.get_object(), actor=request.user)
        return Response(GroupHonourSerializer(self.get_queryset().get(pk=honour.pk)).data)
