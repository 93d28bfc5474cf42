from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..models import Notification, NotificationPreference
from ..services import notification_mark_read, preference_of, preference_update


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "category", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The current user's own notices; nobody else's are ever reachable."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["category"]
    queryset = Notification.objects.all()

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        return Response(NotificationSerializer(notification_mark_read(notification=self.get_object())).data)


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    has_email_address = serializers.SerializerMethodField()

    class Meta:
        model = NotificationPreference
        fields = ["email", "email_categories", "has_email_address"]

    def get_has_email_address(self, obj) -> bool:
        return bool(obj.user.email)

    def validate_email_categories(self, value):
        if not isinstance(value, list) or not all(isinstance(c, str) and len(c) <= 40 for c in value):
            raise serializers.ValidationError('请填写通知类别的列表，如 ["reports", "party"]。')
        return value


class NotificationPreferenceViewSet(viewsets.GenericViewSet):
    """The caller's own notification preference 通知偏好: the in-app inbox always receives every
    notice; the user chooses whether an e-mail copy goes out too, and for which categories."""

    serializer_class = NotificationPreferenceSerializer
    permission_classes = [IsAuthenticated]
    queryset = NotificationPreference.objects.none()
    pagination_class = None

    @extend_schema(methods=["get"], responses=NotificationPreferenceSerializer)
    @extend_schema(
        methods=["put", "patch"],
        request=NotificationPreferenceSerializer,
        responses=NotificationPreferenceSerializer,
    )
    @action(detail=False, methods=["get", "put", "patch"])
    def me(self, request):
        preference = preference_of(user=request.user)
        if request.method == "GET":
            return Response(NotificationPreferenceSerializer(preference).data)
        data = NotificationPreferenceSerializer(
            preference, data=request.data, partial=request.method == "PATCH"
        )
        data.is_valid(raise_exception=True)
        saved = preference_update(user=request.user, actor=request.user, **data.validated_data)
        return Response(NotificationPreferenceSerializer(saved).data)
