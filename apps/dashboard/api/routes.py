"""API routes of this app: (prefix, viewset, basename), mounted under /api/ by orgportal/urls.py."""

ROUTES: list = []
