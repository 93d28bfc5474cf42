import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core.api.filters import UnitSubtreeFilter
from apps.core.api.viewsets import ScopedModelViewSet
from apps.units.choices import DISSOLVED_OR_MISSING, live_units
from apps.units.models import Unit

from .. import services
from ..models import CampaignTeam, OrganisationKind, PartyOrganisation, PartyPosition, TeamMembership
from .serializers import (
    CampaignTeamSerializer,
    PartyOrganisationCreateSerializer,
    PartyOrganisationSerializer,
    PartyPositionSerializer,
    TeamMembershipSerializer,
)


class PartyOrganisationFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    open = django_filters.BooleanFilter(field_name="closed_on", lookup_expr="isnull", label="未撤销")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = PartyOrganisation
        fields = ["unit", "kind", "open", "name"]


class PartyOrganisationViewSet(ScopedModelViewSet):
    """The party organisation tree 党组织, each node attached to a command unit."""

    queryset = PartyOrganisation.objects.select_related("unit")
    serializer_class = PartyOrganisationSerializer
    filterset_class = PartyOrganisationFilter
    search_fields = ["name"]

    def get_queryset(self):
        return super().get_queryset().with_parent_id()

    @extend_schema(request=PartyOrganisationCreateSerializer, responses={201: PartyOrganisationSerializer})
    def create(self, request, *args, **kwargs):
        data = PartyOrganisationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        unit = live_units(Unit.objects.visible_to(request.user, "view")).filter(pk=fields.pop("unit")).first()
        if unit is None:
            raise ValidationError({"unit": DISSOLVED_OR_MISSING})
        parent_id = fields.pop("parent", None)
        parent = None
        if parent_id is not None:
            parent = (
                PartyOrganisation.objects.visible_to(request.user, "view").open().filter(pk=parent_id).first()
            )
            if parent is None:
                raise ValidationError({"parent": "上级党组织不存在、不在您的管辖范围内或已撤销。"})
        org = services.organisation_create(unit=unit, parent=parent, actor=request.user, **fields)
        return Response(PartyOrganisationSerializer(org).data, status=201)


class PartyPositionViewSet(ScopedModelViewSet):
    queryset = PartyPosition.objects.select_related("person", "organisation").order_by(
        "organisation__path", "pk"
    )
    serializer_class = PartyPositionSerializer
    filterset_fields = ["organisation", "position", "person"]


class CampaignTeamViewSet(ScopedModelViewSet):
    queryset = CampaignTeam.objects.annotate(member_count=Count("memberships")).order_by("-start_date", "pk")
    serializer_class = CampaignTeamSerializer
    filterset_fields = ["kind", "organisation", "unit"]
    search_fields = ["name"]


class TeamMembershipViewSet(ScopedModelViewSet):
    """Stints of people in campaign teams: one row per stint (joined_on–left_on); a person who
    left may rejoin (a new row), overlapping stints are refused."""

    queryset = TeamMembership.objects.select_related("person", "team").order_by("team", "pk")
    serializer_class = TeamMembershipSerializer
    filterset_fields = ["team", "person"]
