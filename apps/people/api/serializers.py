from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from apps.units.models import Unit

from ..models import ImportJob, PartyMembership, Person, PoliticalStatusChange, UnitMembership, mask_id_number


class OpenUnitField(ScopedPrimaryKeyRelatedField):
    """A unit in the user's scope that is not dissolved (dissolved units take no one in)."""

    def get_queryset(self):
        return super().get_queryset().filter(dissolved_on__isnull=True)


class PersonSerializer(ScopedModelSerializer):
    """ID numbers are masked unless the viewset annotated ``pid_visible`` for this row.

    A change is checked by ``services.person_update`` (registered write path): the masked ID
    number or phone sent back means "unchanged", and only users who may see the number may
    change it; that is why the field has no validators here (the service validates)."""

    id_number = serializers.CharField(label="身份证号", max_length=18, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    political_status_display = serializers.CharField(source="get_political_status_display", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "category",
            "category_display",
            "rank",
            "position",
            "phone",
            "unit",
            "unit_name",
            "political_status",
            "political_status_display",
            "party_organisation",
            "party_group",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["unit", "political_status", "party_organisation", "party_group", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "pid_visible", False):
            data["id_number"] = mask_id_number(instance.id_number)
            data["phone"] = mask_id_number(instance.phone) if instance.phone else ""
        return data


class PersonCreateSerializer(serializers.ModelSerializer):
    since = serializers.DateField(write_only=True, label="入职（调入）日期")
    unit = OpenUnitField(queryset=Unit.objects.all(), label="所在单位")

    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "birth_date",
            "id_number",
            "category",
            "rank",
            "position",
            "phone",
            "unit",
            "political_status",
            "since",
        ]


class TransferSerializer(serializers.Serializer):
    to_unit = serializers.IntegerField(label="调入单位 ID")
    on = serializers.DateField(label="调动日期")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PoliticalStatusChange._meta.get_field("status").choices)
    on = serializers.DateField()
    probation_end = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class JoinOrganisationSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(label="党组织 ID")
    on = serializers.DateField()


class UnitMembershipSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitMembership
        fields = ["id", "unit", "unit_name", "start_date", "end_date", "note"]


class PartyMembershipSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = PartyMembership
        fields = ["id", "organisation", "organisation_name", "start_date", "end_date", "note"]


class StatusHistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = PoliticalStatusChange
        fields = ["id", "status", "effective_date", "probation_end", "note"]


class PersonHistorySerializer(serializers.Serializer):
    """``GET /api/people/{id}/history/``: the dated units, party organisations and status steps."""

    units = UnitMembershipSerializer(many=True, read_only=True)
    party = PartyMembershipSerializer(many=True, read_only=True)
    status = StatusHistorySerializer(many=True, read_only=True)


def _password_field(label: str):
    """A password given by the caller, or blank for one the system generates (shown once)."""
    return serializers.CharField(
        label=label,
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text="留空则由系统生成，只在本次应答中显示一次。",
    )


class AccountCreateSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = _password_field("初始密码")


class PasswordResetSerializer(serializers.Serializer):
    password = _password_field("新密码")


class AccountSerializer(serializers.Serializer):
    """A person's login account as the account actions answer it. ``password`` is the
    generated password, shown in this answer only (``null`` when the caller chose it)."""

    person = serializers.IntegerField(help_text="人员 ID")
    username = serializers.CharField()
    is_active = serializers.BooleanField()
    password = serializers.CharField(
        allow_null=True, help_text="系统生成的密码，只显示这一次；调用方自定密码时为 null。"
    )


class ImportJobSerializer(serializers.ModelSerializer):
    """``processed_rows`` counts validated rows; ``written_rows`` the rows written so far (the
    write phase is one transaction: its progress comes from the cache); ``progress`` is a
    percentage over both phases."""

    progress = serializers.SerializerMethodField()
    phase = serializers.SerializerMethodField()
    written_rows = serializers.SerializerMethodField()
    error_report = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "unit",
            "status",
            "total_rows",
            "processed_rows",
            "written_rows",
            "phase",
            "progress",
            "created_count",
            "updated_count",
            "errors",
            "error_report",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _live(self, job) -> dict:
        cached = getattr(job, "_live_progress", None)
        if cached is None:
            cached = job._live_progress = job.live_progress
        return cached

    def get_progress(self, job) -> int:
        return self._live(job)["percent"]

    def get_phase(self, job) -> str:
        return self._live(job)["phase"]

    def get_written_rows(self, job) -> int:
        return self._live(job)["written"]

    def get_error_report(self, obj) -> str | None:
        if not obj.errors:
            return None
        return f"/api/people/imports/{obj.pk}/error-report/"


class ImportUploadSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="导入单位 ID")
    file = serializers.FileField(label="花名册 .xlsx")
