"""REST routes of this app, mounted under /api/ by orgportal/urls.py."""

ROUTES: list = []
