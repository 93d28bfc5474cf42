from django.core.management.base import BaseCommand

from apps.access.roles import seed_roles


class Command(BaseCommand):
    help = (
        "Create the default roles that are missing; with --extend, add the default permissions a role "
        "lacks (keeping admin additions); with --reset, restore every default role's permissions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true")
        parser.add_argument("--extend", action="store_true")

    def handle(self, *args, reset, extend, **options):
        seed_roles(reset=reset, extend=extend)
        self.stdout.write(self.style.SUCCESS("Roles seeded."))
