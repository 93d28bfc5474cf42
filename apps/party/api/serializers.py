from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer, check_date_order
from apps.units.choices import LiveUnitsSerializerMixin

from ..models import CampaignTeam, OrganisationKind, PartyOrganisation, PartyPosition, TeamMembership


class PartyOrganisationSerializer(LiveUnitsSerializerMixin, ScopedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    parent = serializers.SerializerMethodField()

    class Meta:
        model = PartyOrganisation
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "unit",
            "unit_name",
            "parent",
            "established_on",
            "start_date",
            "end_date",
            "reason",
            "closed_on",
        ]
        read_only_fields = ["kind", "unit", "closed_on"]

    def validate(self, attrs):
        check_date_order(self, attrs, "start_date", "end_date", "结束日期不能早于成立日期。")
        return attrs

    def get_parent(self, obj) -> int | None:
        if hasattr(obj, "parent_pk"):
            return obj.parent_pk
        parent = obj.get_parent()
        return parent.pk if parent else None


class PartyOrganisationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    unit = serializers.IntegerField(label="所在单位 ID")
    parent = serializers.IntegerField(required=False, allow_null=True, label="上级党组织 ID")
    established_on = serializers.DateField(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PartyPositionSerializer(ScopedModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = PartyPosition
        fields = ["id", "person", "person_name", "organisation", "position", "start_date", "end_date"]

    def validate(self, attrs):
        check_date_order(self, attrs, "start_date", "end_date", "免职日期不能早于任职日期。")
        return attrs


class TeamMembershipSerializer(ScopedModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["id", "team", "person", "person_name", "role", "joined_on", "left_on"]

    def validate(self, attrs):
        check_date_order(self, attrs, "joined_on", "left_on", "退出日期不能早于加入日期。")
        return attrs


class CampaignTeamSerializer(LiveUnitsSerializerMixin, ScopedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CampaignTeam
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "organisation",
            "unit",
            "start_date",
            "end_date",
            "purpose",
            "member_count",
        ]

    def validate(self, attrs):
        check_date_order(self, attrs, "start_date", "end_date", "解散日期不能早于组建日期。")
        return attrs
