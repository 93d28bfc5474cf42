from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "apps.access"
    verbose_name = "权限与角色"

    def ready(self):
        from . import signals  # noqa: F401
        from .roles import seed_roles_after_migrate

        post_migrate.connect(seed_roles_after_migrate, sender=self)
