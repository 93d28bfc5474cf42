"""The demo corps: each app adds its part in ``apps/<app>/demo.py`` through ``load(ctx)``.

``ctx`` is a plain dict shared along the chain: units put the tree there (``ctx["units"]``
by code), access puts the demo users (``ctx["users"]`` by username), people put people
(``ctx["people"]``), and so on. Apps run in INSTALLED_APPS order, so each may use what the
ones before it made. Everything is deterministic (``ctx["random"]`` is seeded).
"""

import random
from importlib import import_module

from django.conf import settings
from django.db import transaction

DEMO_PASSWORD = "Demo-2026-党建"


def demo_load(*, seed: int = 2026, stdout=None) -> dict:
    ctx: dict = {"random": random.Random(seed), "password": DEMO_PASSWORD, "logins": []}
    with transaction.atomic():
        for app in settings.INSTALLED_APPS:
            if not app.startswith("apps.") or app == "apps.core":
                continue
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            module.load(ctx)
            if stdout is not None:
                stdout.write(f"  demo: {app} loaded")
    return ctx
