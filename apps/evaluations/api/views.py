import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from apps.core.exports import xlsx_response
from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.choices import live_units
from apps.units.models import Unit

from .. import selectors, services
from ..models import Evaluation, EvaluationStatus, GroupHonour, Scheme, SubjectKind
from .serializers import (
    CorrectionSerializer,
    EvaluationCreateSerializer,
    EvaluationDetailSerializer,
    EvaluationSerializer,
    GroupHonourSerializer,
    ProposeSerializer,
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


class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    """考核方案 (reference data, the same for everyone)."""

    queryset = Scheme.objects.prefetch_related("criteria", "bands").order_by("code")
    serializer_class = SchemeSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None


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

        def number(name, message, default=None):
            raw = params.get(name, default)
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise ValidationError({name: message}) from None

        scheme = Scheme.objects.filter(pk=number("scheme", "请指定考核方案。")).first()
        if scheme is None:
            raise ValidationError({"scheme": "请指定考核方案。"})
        year = number("year", "请指定年度。")
        period_number = number("period_number", "期次应为整数。", 0)
        root = None
        if params.get("unit"):
            unit_id = number("unit", "单位不存在或不在您的管辖范围内。")
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
                period_label=params.get("period_label", ""),
                root=root,
            ),
        )

    @action(detail=False, methods=["get"])
    def ranking(self, request):
        """排名: ``?scheme=&year=[&period_number=&period_label=&unit=]``, best first."""
        *_, qs = self._ranking(request)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(EvaluationSerializer(page, many=True).data)

    @action(detail=False, methods=["get"], url_path="ranking-xlsx")
    def ranking_xlsx(self, request):
        scheme, year, _, _, qs = self._ranking(request)
        return xlsx_response(
            filename=f"{year}年{scheme.name}排名.xlsx", headers=RANKING_HEADERS, rows=ranking_rows(qs)
        )

    @action(detail=False, methods=["get"])
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

    @action(detail=False, methods=["get"])
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

    @extend_schema(request=ProposeSerializer, responses=GroupHonourSerializer(many=True))
    @action(detail=False, methods=["post"])
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
