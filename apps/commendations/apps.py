from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommendationsConfig(AppConfig):
    name = "apps.commendations"
    verbose_name = "表彰奖励"

    def ready(self):
        # Reference data (fixtures/award_kinds.json) is (re)seeded after every migrate and
        # flush, so a test database emptied by a transactional test still has it.
        post_migrate.connect(_seed_reference_data, sender=self)


def _seed_reference_data(sender, using="default", **kwargs):
    from django.apps import apps as global_apps

    from apps.core.reference import seed_award_kinds

    seed_award_kinds(kwargs.get("apps") or global_apps, using)
