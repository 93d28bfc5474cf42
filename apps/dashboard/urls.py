"""Non-API pages of this app, mounted under /dashboard/ by orgportal/urls.py."""

from django.urls import path

from .views import figure_xlsx

app_name = "dashboard"
urlpatterns = [path("export/<str:key>.xlsx", figure_xlsx, name="figure-xlsx")]
