import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.viewsets import ScopedModelViewSet

from .. import services
from ..models import Unit, UnitKind, UnitMove
from .serializers import (
    UnitCreateSerializer,
    UnitMoveRecordSerializer,
    UnitMoveSerializer,
    UnitSerializer,
    UnitUpdateSerializer,
)


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    name = django_filters.CharFilter(lookup_expr="icontains", label="名称包含")
    parent = django_filters.NumberFilter(method="filter_parent", label="上级单位 ID")
    live = django_filters.BooleanFilter(field_name="dissolved_on", lookup_expr="isnull", label="未撤销")

    class Meta:
        model = Unit
        fields = ["kind", "name", "parent", "live"]

    def filter_parent(self, queryset, name, value):
        parent = Unit.objects.filter(pk=value).first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent.path, depth=parent.depth + 1)


class UnitViewSet(ScopedModelViewSet):
    """The command tree. Out-of-scope units answer 404; writes go through the unit services."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "short_name", "code"]
    ordering_fields = ["path", "name", "code"]
    action_permissions = {
        "children": "view",
        "subtree": "view",
        "ancestors": "view",
        "move": "move_unit",
        "moves": "view",
    }

    def get_queryset(self):
        return super().get_queryset().with_parent_id()

    @extend_schema(request=UnitCreateSerializer, responses={201: UnitSerializer})
    def create(self, request, *args, **kwargs):
        data = UnitCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        unit = services.unit_create(actor=request.user, **data.validated_data)
        return Response(UnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UnitUpdateSerializer, responses=UnitSerializer)
    def update(self, request, *args, **kwargs):
        unit = self.get_object()
        data = UnitUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        unit = services.unit_rename(
            unit=unit,
            name=data.validated_data.get("name", unit.name),
            short_name=data.validated_data.get("short_name"),
            actor=request.user,
        )
        return Response(UnitSerializer(unit).data)

    def destroy(self, request, *args, **kwargs):
        """Dissolves the unit (soft); refused while it has live children."""
        services.unit_dissolve(unit=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _list(self, queryset):
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(UnitSerializer(page, many=True).data)

    @extend_schema(responses=UnitSerializer(many=True))
    @action(detail=True)
    def children(self, request, pk=None):
        unit = self.get_object()
        return self._list(self.get_queryset().filter(path__startswith=unit.path, depth=unit.depth + 1))

    @extend_schema(responses=UnitSerializer(many=True))
    @action(detail=True)
    def subtree(self, request, pk=None):
        unit = self.get_object()
        return self._list(self.get_queryset().filter(path__startswith=unit.path))

    @extend_schema(responses=UnitSerializer(many=True))
    @action(detail=True)
    def ancestors(self, request, pk=None):
        """Only the ancestors the user may see: a station user is not told about the corps."""
        unit = self.get_object()
        paths = [unit.path[:end] for end in range(Unit.steplen, len(unit.path), Unit.steplen)]
        return self._list(self.get_queryset().filter(path__in=paths))

    @extend_schema(request=UnitMoveSerializer, responses=UnitSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        unit = self.get_object()
        data = UnitMoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        unit = services.unit_move(unit=unit, new_parent=data.validated_data["parent"], actor=request.user)
        return Response(UnitSerializer(Unit.objects.with_parent_id().get(pk=unit.pk)).data)

    @extend_schema(responses=UnitMoveRecordSerializer(many=True), filters=False)
    @action(detail=True)
    def moves(self, request, pk=None):
        """The unit's moves in the tree (隶属调整记录), newest first."""
        unit = self.get_object()
        moves = UnitMove.objects.filter(unit=unit).select_related(
            "from_parent", "to_parent", "moved_by__person"
        )
        page = self.paginate_queryset(moves.order_by("-moved_at", "-pk"))
        parents = {m.from_parent_id for m in page} | {m.to_parent_id for m in page}
        visible = set(
            Unit.objects.visible_to(request.user, "view").filter(pk__in=parents).values_list("pk", flat=True)
        )
        data = UnitMoveRecordSerializer(page, many=True, context={"visible_units": visible}).data
        return self.get_paginated_response(data)
