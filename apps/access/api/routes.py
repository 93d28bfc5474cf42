from .views import GrantViewSet, MeViewSet, RoleViewSet

ROUTES = [
    ("roles", RoleViewSet, "role"),
    ("grants", GrantViewSet, "grant"),
    ("me", MeViewSet, "me"),
]
