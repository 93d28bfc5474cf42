from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "公共"

    def ready(self):
        from django.contrib.auth.models import Permission
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import health  # noqa: F401  (registers the encryption-key system check)
        from .scoping import forget_permission_names

        # the permission-name map of the scoping layer is reference data: dropped whenever
        # a permission row is written (migrations write them with bulk_create: post_migrate)
        for signal in (post_save, post_delete):
            signal.connect(
                forget_permission_names, sender=Permission, dispatch_uid=f"forget_permissions_{signal}"
            )
        post_migrate.connect(forget_permission_names, dispatch_uid="forget_permissions_migrate")
