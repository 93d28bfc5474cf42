from django.core.management.base import BaseCommand

from apps.access.roles import seed_roles


class Command(BaseCommand):
    help = (
        "Create the default roles that are missing; with --reset, restore every default role's permissions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true")

    def handle(self, *args, reset, **options):
        seed_roles(reset=reset)
        self.stdout.write(self.style.SUCCESS("Roles seeded."))
