from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.serializers import ScopedModelSerializer
from apps.core.api.viewsets import ScopedViewSetMixin
from apps.people.selectors import user_full_name

from ..models import Grant, Role
from ..services import token_revoke


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "code", "name", "description"]


class GrantSerializer(ScopedModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    role = serializers.SlugRelatedField(slug_field="code", queryset=Role.objects.all())

    class Meta:
        model = Grant
        fields = ["id", "user", "unit", "role", "created_at"]
        read_only_fields = ["created_at"]


class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    """The roles that can be granted (reference data)."""

    queryset = Role.objects.all()
    serializer_class = RoleSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None


class GrantViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Grants on units in the user's scope; creating one never hands out more than the granter
    holds. Created and revoked by ``grant_create`` / ``grant_delete`` (``apps.access.services``,
    reached through the base viewset)."""

    queryset = Grant.objects.select_related("user", "role", "unit").order_by("-created_at", "-pk")
    serializer_class = GrantSerializer
    filterset_fields = ["unit", "role"]


@extend_schema_serializer(many=False)  # ``list`` of /api/me/ answers one object
class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    grants = GrantSerializer(many=True)


class MeViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def list(self, request):
        user = request.user
        grants = Grant.objects.filter(user=user).select_related("user", "role", "unit")
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "full_name": user_full_name(user),
                    "is_superuser": user.is_superuser,
                    "grants": grants,
                }
            ).data,
            status=status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="revoke-token")
    def revoke_token(self, request):
        """Revoke the caller's API token (a new one must be issued to use the API again)."""
        token_revoke(user=request.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
