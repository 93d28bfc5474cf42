import django_filters
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Value, When
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.access import services as access_services
from apps.core.api.fast_lists import ValuesListMixin, date_repr, datetime_repr
from apps.core.api.filters import FilterBackend, UnitSubtreeFilter
from apps.core.api.viewsets import ScopedModelViewSet, ScopedViewSetMixin
from apps.core.exports import XLSX_CONTENT_TYPE, workbook_response, xlsx_response
from apps.core.scoping import permitted_condition
from apps.party.models import PartyOrganisation
from apps.units.models import Unit

from .. import imports, services
from ..models import ImportJob, Person, PersonCategory, PoliticalStatus, mask_id_number
from ..selectors import id_number_condition, person_search_condition
from .serializers import (
    AccountCreateSerializer,
    AccountSerializer,
    ImportJobSerializer,
    ImportUploadSerializer,
    JoinOrganisationSerializer,
    PasswordResetSerializer,
    PersonCreateSerializer,
    PersonHistorySerializer,
    PersonSerializer,
    StatusChangeSerializer,
    TransferSerializer,
)


class PersonFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter()
    political_status = django_filters.MultipleChoiceFilter(choices=PoliticalStatus.choices)
    category = django_filters.ChoiceFilter(choices=PersonCategory.choices)
    party_organisation = django_filters.NumberFilter(label="党组织 ID")
    party_group = django_filters.NumberFilter(label="党小组 ID")
    is_active = django_filters.BooleanFilter()
    id_number = django_filters.CharFilter(
        method="filter_id_number", label="身份证号（精确；仅限可查看完整号码的人员）"
    )

    class Meta:
        model = Person
        fields = ["unit", "political_status", "category", "party_organisation", "party_group", "is_active"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number_condition(self.request.user, value.strip()))


class PersonSearchFilter(filters.SearchFilter):
    """``?search=``: every term must match a name or (exactly) a visible ID number."""

    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            queryset = queryset.filter(person_search_condition(request.user, term))
        return queryset


def with_pid_visibility(queryset, user):
    """Annotate ``pid_visible``: may this user see the full ID number? One subquery, no per-row check."""
    allowed = permitted_condition(Person, user, "people.view_personal_data")
    if isinstance(allowed, bool):
        return queryset.annotate(pid_visible=Value(allowed, output_field=BooleanField()))
    return queryset.annotate(
        pid_visible=Case(When(allowed, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def _labels(field_name: str) -> dict:
    return {value: str(label) for value, label in Person._meta.get_field(field_name).flatchoices}


CATEGORY_LABELS = _labels("category")
STATUS_LABELS = _labels("political_status")


class PersonViewSet(ValuesListMixin, ScopedModelViewSet):
    """People 人员 in the user's subtree; ID numbers masked without 'view personal data'.

    The list is served from ``.values()`` (``apps.core.api.fast_lists``); ``PersonSerializer``
    stays the reference (every other action, the schema, and the byte-for-byte test)."""

    queryset = Person.objects.select_related("unit").order_by("unit__path", "name", "pk")
    lookup_value_regex = r"\d+"
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    filter_backends = [FilterBackend, PersonSearchFilter, filters.OrderingFilter]
    search_fields = ["name"]  # and the exact ID number where visible (PersonSearchFilter)
    ordering_fields = ["name", "unit__path", "updated_at"]
    action_permissions = {
        "transfer": "change",
        "change_status": "change",
        "join_organisation": "change",
        "history": "view",
        "export": "view",
        # the account acts are decided by the authority table in the services (user.manage)
        "account": "view",
        "account_deactivate": "view",
        "account_reactivate": "view",
        "account_reset_password": "view",
    }

    list_values = (
        "id",
        "name",
        "gender",
        "birth_date",
        "id_number",
        "category",
        "rank",
        "position",
        "phone",
        "unit_id",
        "unit__name",
        "political_status",
        "party_organisation_id",
        "party_group_id",
        "is_active",
        "updated_at",
        "pid_visible",
    )

    def get_queryset(self):
        return with_pid_visibility(super().get_queryset(), self.request.user)

    def list_rows(self, rows):
        """What ``PersonSerializer`` sends for each row, in its field order."""
        out = []
        for row in rows:
            id_number, phone = row["id_number"], row["phone"]
            if not row["pid_visible"]:
                id_number = mask_id_number(id_number)
                phone = mask_id_number(phone) if phone else ""
            category, status = row["category"], row["political_status"]
            out.append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "gender": row["gender"],
                    "birth_date": date_repr(row["birth_date"]),
                    "id_number": id_number,
                    "category": category,
                    "category_display": CATEGORY_LABELS.get(category, category),
                    "rank": row["rank"],
                    "position": row["position"],
                    "phone": phone,
                    "unit": row["unit_id"],
                    "unit_name": row["unit__name"],
                    "political_status": status,
                    "political_status_display": STATUS_LABELS.get(status, status),
                    "party_organisation": row["party_organisation_id"],
                    "party_group": row["party_group_id"],
                    "is_active": row["is_active"],
                    "updated_at": datetime_repr(row["updated_at"]),
                }
            )
        return out

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request, *args, **kwargs):
        data = PersonCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        person = services.person_create(
            unit=fields.pop("unit"), since=fields.pop("since"), actor=request.user, **fields
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data, status=201)

    # Deleting a person goes through ``services.person_deactivate`` (the base viewset's
    # ``perform_destroy`` and ``apps.core.writes``): people leave, their records stay.

    @extend_schema(request=TransferSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        person = self.get_object()
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to_unit = (
            Unit.objects.visible_to(request.user, "view")
            .filter(pk=data.validated_data["to_unit"], dissolved_on__isnull=True)
            .first()
        )
        if to_unit is None:
            raise ValidationError({"to_unit": "调入单位不存在、已撤销或不在您的管辖范围内。"})
        services.person_transfer(
            person=person,
            to_unit=to_unit,
            on=data.validated_data["on"],
            note=data.validated_data["note"],
            actor=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)

    @extend_schema(request=StatusChangeSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"], url_path="change-status")
    def change_status(self, request, pk=None):
        person = self.get_object()
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_change_status(person=person, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)

    @extend_schema(request=JoinOrganisationSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"], url_path="join-organisation")
    def join_organisation(self, request, pk=None):
        person = self.get_object()
        data = JoinOrganisationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = (
            PartyOrganisation.objects.visible_to(request.user, "view")
            .filter(pk=data.validated_data["organisation"])
            .first()
        )
        if org is None:
            raise ValidationError({"organisation": "党组织不存在或不在您的管辖范围内。"})
        services.person_join_organisation(
            person=person, organisation=org, on=data.validated_data["on"], actor=request.user
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)

    @extend_schema(responses=PersonHistorySerializer)
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Dated history: units, party organisations, political status."""
        person = self.get_object()
        return Response(
            PersonHistorySerializer(
                {
                    "units": person.unit_memberships.select_related("unit"),
                    "party": person.party_memberships.select_related("organisation"),
                    "status": person.status_changes.all(),
                }
            ).data
        )

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as .xlsx, in the roster's columns: it re-imports unchanged."""
        queryset = self.filter_queryset(self.get_queryset())
        return xlsx_response(
            filename="人员名单.xlsx",
            headers=imports.template_rows(),
            rows=imports.roster_export_rows(queryset, user=request.user),
        )

    # --- the person's login account (``apps.access.services``, rule ``user.manage``) ------

    @staticmethod
    def _account(person_pk: int, user, password: str | None) -> dict:
        return {
            "person": person_pk,
            "username": user.username,
            "is_active": user.is_active,
            "password": password,
        }

    @extend_schema(request=AccountCreateSerializer, responses={201: AccountSerializer})
    @action(detail=True, methods=["post"])
    def account(self, request, pk=None):
        """Give the person a login account: the password given, or a generated one shown once."""
        person = self.get_object()
        data = AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, password = access_services.person_account_create(
            person=person,
            actor=request.user,
            username=data.validated_data["username"],
            password=data.validated_data.get("password") or None,
        )
        return Response(AccountSerializer(self._account(person.pk, user, password)).data, status=201)

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"], url_path="account/deactivate")
    def account_deactivate(self, request, pk=None):
        """Deactivate the person's login account: no more sign-in, its API tokens are deleted."""
        person = self.get_object()
        user = access_services.person_account_deactivate(person=person, actor=request.user)
        return Response(AccountSerializer(self._account(person.pk, user, None)).data)

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"], url_path="account/reactivate")
    def account_reactivate(self, request, pk=None):
        """Let a deactivated login account sign in again (not for a person who has left)."""
        person = self.get_object()
        user = access_services.person_account_reactivate(person=person, actor=request.user)
        return Response(AccountSerializer(self._account(person.pk, user, None)).data)

    @extend_schema(request=PasswordResetSerializer, responses=AccountSerializer)
    @action(detail=True, methods=["post"], url_path="account/reset-password")
    def account_reset_password(self, request, pk=None):
        """Set the password given, or a generated one shown once; sessions and tokens end."""
        person = self.get_object()
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, password = access_services.person_account_password_reset(
            person=person, actor=request.user, password=data.validated_data.get("password") or None
        )
        return Response(AccountSerializer(self._account(person.pk, user, password)).data)


class ImportJobViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Roster imports 花名册导入: upload, follow progress, download the error report."""

    queryset = ImportJob.objects.order_by("-created_at")
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]
    action_permissions = {"create": "people.add_person", "error_report": "view", "template": "view"}

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportJobSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = (
            Unit.objects.visible_to(request.user, "view")
            .filter(pk=data.validated_data["unit"], dissolved_on__isnull=True)
            .first()
        )
        if unit is None:
            raise ValidationError({"unit": "单位不存在、已撤销或不在您的管辖范围内。"})
        job = imports.roster_import_start(file=data.validated_data["file"], unit=unit, actor=request.user)
        job.refresh_from_db()
        code = (
            status.HTTP_201_CREATED if job.status != ImportJob.Status.FAILED else status.HTTP_400_BAD_REQUEST
        )
        return Response(ImportJobSerializer(job).data, status=code)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="error-report")
    def error_report(self, request, pk=None):
        job = self.get_object()
        return xlsx_response(
            filename=f"导入错误报告-{job.pk}.xlsx",
            headers=["行号", "列", "错误信息"],
            rows=imports.error_report_rows(job),
        )

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def template(self, request):
        """The roster template: header with a note per column, an example row, drop-down lists."""
        return workbook_response(
            filename="花名册模板.xlsx", content=imports.roster_template(user=request.user)
        )
