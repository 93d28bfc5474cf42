from .views import NotificationViewSet

ROUTES = [("notifications", NotificationViewSet, "notification")]
