"""Production static files: the manifest storage must find every file a stylesheet or
script references (a vendored script's missing source map once broke `make serve`)."""

import os
import subprocess
import sys

from django.conf import settings


def test_collectstatic_succeeds_with_the_production_manifest_storage(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "q8Z-3vL!pW0r#Tn6yK2@bX9m&Fh4sJ7dC1gV5uN%eA_oR8iY3tM6kP0wQ2zE7xB",
        "ALLOWED_HOSTS": "localhost",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (settings.BASE_DIR / "staticfiles" / "staticfiles.json").exists()
