"""Add the reference data of ``fixtures/`` that is missing (never overwrites an edited row)."""

from django.apps import apps
from django.core.management.base import BaseCommand

from apps.core import reference


class Command(BaseCommand):
    help = "Add the missing award kinds, deliberation lists and evaluation schemes from fixtures/."

    def handle(self, *args, **options):
        added = {
            "award kinds": reference.seed_award_kinds(apps),
            "deliberation lists": reference.seed_deliberation_lists(apps),
            "evaluation schemes": reference.seed_evaluation_schemes(apps, only_if_none=False),
        }
        self.stdout.write(", ".join(f"{name}: {count} added" for name, count in added.items()))
