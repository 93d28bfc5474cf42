from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "apps.reports"
    verbose_name = "报告与会议"

    def ready(self):
        # Reference data (fixtures/deliberation_lists.json) is (re)seeded after every migrate
        # and flush, so a test database emptied by a transactional test still has it.
        post_migrate.connect(_seed_reference_data, sender=self)


def _seed_reference_data(sender, using="default", **kwargs):
    from django.apps import apps as global_apps

    from apps.core.reference import seed_deliberation_lists

    seed_deliberation_lists(kwargs.get("apps") or global_apps, using)
