from .views import UnitViewSet

ROUTES = [("units", UnitViewSet, "unit")]
