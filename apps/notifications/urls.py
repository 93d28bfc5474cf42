"""Non-API pages of this app, mounted under /<app>/ by orgportal/urls.py."""

urlpatterns: list = []
