from .views import NotificationPreferenceViewSet, NotificationViewSet

ROUTES = [
    ("notification-preferences", NotificationPreferenceViewSet, "notification-preference"),
    ("notifications", NotificationViewSet, "notification"),
]
