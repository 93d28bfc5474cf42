from django.core.management.base import BaseCommand, CommandError

from apps.core.demo import demo_load
from apps.units.models import Unit


class Command(BaseCommand):
    help = (
        "Load the demo corps (three provincial corps built from the seed reports) and print the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when units already exist")

    def handle(self, *args, seed, if_empty, **options):
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already present.")
                self._print_logins([])
                return
            raise CommandError("The database already holds units; load the demo into an empty database.")
        ctx = demo_load(seed=seed, stdout=self.stdout)
        self._print_logins(ctx["logins"])

    def _print_logins(self, logins):
        from django.contrib.auth import get_user_model

        from apps.core.demo import DEMO_PASSWORD

        users = get_user_model().objects.filter(username__startswith="demo_").order_by("username")
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD}):"))
        for user in users:
            self.stdout.write(f"  {user.username:<28} {user.last_name}{user.first_name}")
        self.stdout.write("Admin: http://127.0.0.1:8000/admin/   API docs: http://127.0.0.1:8000/api/docs/")
