from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommendationsConfig(AppConfig):
    name = "apps.commendations"
    verbose_name = "表彰奖励"

    def ready(self):
        # Reference data is (re)seeded after every migrate and flush, so a test database
        # emptied by a transactional test still has it.
        post_migrate.connect(_seed_reference_data, sender=self)


def _seed_reference_data(sender, **kwargs):
    from importlib import import_module

    from django.apps import apps as global_apps

    apps = kwargs.get("apps") or global_apps

    import_module("apps.commendations.migrations.0002_award_kinds").seed(apps, None)
