from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "apps.dashboard"
    verbose_name = "工作台"

    def ready(self):
        # The admin index becomes the oversight dashboard for the user's subtree.
        from django.contrib import admin

        from .views import admin_index, app_list_once

        admin.site.index = admin_index
        admin.site.get_app_list = app_list_once(admin.site.get_app_list)
        admin.site.index_template = "admin/dashboard_index.html"
