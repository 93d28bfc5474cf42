"""Everything a production start needs before the processes run, in one Python start-up.

1. ``migrate`` (about a second when there is nothing to apply);
2. the system checks including the database ones (``check --database default``): wrong
   ``FIELD_ENCRYPTION_KEYS`` stop the start here with a message saying why;
3. ``collectstatic`` only when the static sources changed since the last collection: the
   compressed manifest storage re-hashes and re-compresses (gzip and brotli) every file on
   every run — about 50 s on an idle 2-core machine, minutes on a busy one, and most of what
   made a cold start take 3.5–4.8 minutes. The fingerprint is the list of every source
   file's path, size and modification time, kept in ``STATIC_ROOT/.sources-fingerprint``.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

FINGERPRINT_NAME = ".sources-fingerprint"


def static_fingerprint() -> str:
    """A hash over every static source file's path, size and mtime, plus the storage class."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            full = Path(storage.path(path))
            stat = full.stat()
            entries.append(f"{path}\0{full}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Migrate, collect static files if their sources changed, and run the deploy checks."

    def add_arguments(self, parser):
        parser.add_argument("--force-collectstatic", action="store_true")
        parser.add_argument("--skip-migrate", action="store_true")

    def handle(self, *args, force_collectstatic=False, skip_migrate=False, **options):
        if not skip_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        try:  # before the slow part: a wrong key fails the start at once
            call_command("check", databases=["default"], fail_level="ERROR")
        except Exception as exc:  # SystemCheckError: the message lists every error
            raise CommandError(f"refusing to start: {exc}") from exc
        self.collect_static(force=force_collectstatic)

    def collect_static(self, *, force: bool) -> None:
        root = Path(settings.STATIC_ROOT)
        marker = root / FINGERPRINT_NAME
        fingerprint = static_fingerprint()
        manifest_ok = (root / "staticfiles.json").exists() or "Manifest" not in settings.STORAGES[
            "staticfiles"
        ]["BACKEND"]
        if not force and manifest_ok and marker.exists() and marker.read_text().strip() == fingerprint:
            self.stdout.write("static files unchanged: collectstatic skipped")
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        root.mkdir(parents=True, exist_ok=True)
        marker.write_text(fingerprint + "\n")
        self.stdout.write("static files collected")
