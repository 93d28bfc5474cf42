"""What ``/healthz``, ``bin/serve`` and ``manage.py check --database default`` ask of the
running system: the database answers, the broker answers, and the encryption keys open the
talk content already stored.

The key check uses real ciphertext as its sentinel: the newest and the oldest talk record
with content must decrypt with ``FIELD_ENCRYPTION_KEYS`` (the newest catches a wrong key,
the oldest a key retired before ``rotate_talk_keys`` re-encrypted the old rows). With no
talk content yet, the keys must at least be well-formed Fernet keys.

Each check returns ``"ok"`` or a short reason; none raises.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import checks
from django.db import connection

logger = logging.getLogger("orgportal.health")

OK = "ok"
#: checks that a failure of makes the instance unhealthy (503)
REQUIRED = ("database", "broker", "encryption_keys")
#: seconds a health check waits for Redis (a probe must answer quickly)
BROKER_TIMEOUT = 1.0


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return OK
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        return f"error: {exc.__class__.__name__}"


def check_broker() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=BROKER_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
        return OK
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def _sentinels() -> list[str]:
    """The newest and the oldest stored ciphertext of talk content (at most two strings)."""
    from apps.talks.models import TalkRecord

    found = []
    has_content = TalkRecord.objects.exclude(state_of_mind_enc="")
    for ordering in ("-pk", "pk"):
        token = has_content.order_by(ordering).values_list("state_of_mind_enc", flat=True).first()
        if token and token not in found:
            found.append(token)
    return found


def check_encryption_keys() -> str:
    from cryptography.fernet import InvalidToken

    from apps.talks import crypto

    if not settings.FIELD_ENCRYPTION_KEYS:
        return "error: FIELD_ENCRYPTION_KEYS is empty"
    try:
        fernet = crypto.fernet()
    except Exception:  # noqa: BLE001 - a malformed key (wrong length, not base64)
        return "error: FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key"
    try:
        sentinels = _sentinels()
    except Exception as exc:  # noqa: BLE001 - the database check reports the cause
        return f"unknown: database unavailable ({exc.__class__.__name__})"
    for token in sentinels:
        try:
            fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError):
            return "error: stored talk content does not decrypt with FIELD_ENCRYPTION_KEYS"
    return OK


def report() -> tuple[bool, dict[str, str]]:
    """``(healthy, {"database": ..., "broker": ..., "encryption_keys": ...})``."""
    results = {
        "database": check_database(),
        "broker": check_broker(),
        "encryption_keys": check_encryption_keys(),
    }
    healthy = all(results[name] in (OK, "in-process") for name in REQUIRED)
    if not healthy:
        logger.warning("health: %s", results)
    return healthy, results


@checks.register(checks.Tags.database)
def encryption_keys_check(app_configs=None, databases=None, **kwargs):
    """``manage.py check --database default`` (run by ``bin/serve`` before anything starts):
    refuse to start with keys that cannot read the stored talk content."""
    if not databases:
        return []
    result = check_encryption_keys()
    if result == OK or result.startswith("unknown"):
        return []
    return [
        checks.Error(
            f"FIELD_ENCRYPTION_KEYS cannot be used: {result.removeprefix('error: ')}.",
            hint=(
                "Set FIELD_ENCRYPTION_KEYS to the keys the talk content was written with "
                "(newest first, comma separated); a new key goes in front of the old ones, "
                "and an old key is removed only after manage.py rotate_talk_keys."
            ),
            id="orgportal.E001",
        )
    ]
