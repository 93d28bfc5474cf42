from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Evaluator roles of the reference schemes (roles are seeded by apps.access after migrate,
# so they cannot be rows of the data migration). Only added when a scheme has none.
REFERENCE_EVALUATORS = {
    "wartime": {"secretary": 2, "hq_admin": 1, "unit_admin": 1},
}


def seed_reference_data(sender, using="default", **kwargs):
    """After migrate (and after a test flush, which empties tables but re-sends post_migrate):
    the reference schemes when there are none at all, then their evaluator roles."""
    from importlib import import_module

    from django.apps import apps

    from apps.access.models import Role

    from .models import Scheme, SchemeEvaluator

    if not Scheme.objects.using(using).exists():
        import_module("apps.evaluations.migrations.0002_reference_schemes").add_schemes(apps, None)

    roles = {r.code: r for r in Role.objects.using(using).all()}
    for code, weights in REFERENCE_EVALUATORS.items():
        scheme = Scheme.objects.using(using).filter(code=code).first()
        if scheme is None or scheme.evaluator_roles.exists():
            continue
        SchemeEvaluator.objects.using(using).bulk_create(
            SchemeEvaluator(scheme=scheme, role=roles[role_code], weight=weight)
            for role_code, weight in weights.items()
            if role_code in roles
        )


class EvaluationsConfig(AppConfig):
    name = "apps.evaluations"
    verbose_name = "考核考评"

    def ready(self):
        post_migrate.connect(seed_reference_data, sender=self)
