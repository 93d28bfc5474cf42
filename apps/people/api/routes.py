from .views import ImportJobViewSet, PersonViewSet

ROUTES = [
    ("people/imports", ImportJobViewSet, "people-import"),
    ("people", PersonViewSet, "person"),
]
