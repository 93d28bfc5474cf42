from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "公共"

    def ready(self):
        from . import health  # noqa: F401  (registers the encryption-key system check)
