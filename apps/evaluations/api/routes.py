"""API routes of this app: (prefix, viewset, basename), mounted under /api/ by orgportal/urls.py."""

from .views import EvaluationViewSet, GroupHonourViewSet, SchemeViewSet

ROUTES: list = [
    ("evaluations/schemes", SchemeViewSet, "evaluation-scheme"),
    ("evaluations/evaluations", EvaluationViewSet, "evaluation"),
    ("evaluations/honours", GroupHonourViewSet, "evaluation-group-honour"),
]
