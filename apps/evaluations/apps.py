from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_reference_data(sender, using="default", **kwargs):
    """After migrate (and after a test flush, which empties tables but re-sends post_migrate):
    the reference schemes of fixtures/evaluation_schemes.json when there are none at all, then
    their evaluator roles (roles are seeded by apps.access after migrate, so they cannot be
    rows of a data migration)."""
    from django.apps import apps

    from apps.core.reference import seed_evaluation_schemes

    seed_evaluation_schemes(apps, using)


class EvaluationsConfig(AppConfig):
    name = "apps.evaluations"
    verbose_name = "考核考评"

    def ready(self):
        post_migrate.connect(seed_reference_data, sender=self)
