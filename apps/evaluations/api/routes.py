"""API routes of this app: (prefix, viewset, basename), mounted under /api/ by orgportal/urls.py."""

from .views import CriterionViewSet, EvaluationViewSet, GroupHonourViewSet, SchemeViewSet

ROUTES: list = [
    ("evaluations/schemes", SchemeViewSet, "evaluation-scheme"),
    ("evaluations/criteria", CriterionViewSet, "evaluation-criterion"),
    ("evaluations/evaluations", EvaluationViewSet, "evaluation"),
    ("evaluations/honours", GroupHonourViewSet, "evaluation-group-honour"),
]
