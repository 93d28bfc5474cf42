"""API throttling that fails open: with the cache (Redis) unreachable a request is let through
and the log says so, instead of every token-authenticated call answering an HTML 500.

Why open and not 503: throttling protects against a runaway client, not against an attacker
(logins are limited by django-axes in the database); refusing every API call while Redis is
down would turn a cache outage into a full API outage.
"""

import logging
import time

from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger("orgportal.api.throttling")

#: seconds between two log lines about the same outage in one process (a busy API would
#: otherwise write one line per request)
LOG_EVERY = 60.0
_last_logged = [0.0]  # process-wide, not per request: only rate-limits the warning


class FailOpenUserRateThrottle(UserRateThrottle):
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001 - any cache failure (connection, timeout, protocol)
            now = time.monotonic()
            if now - _last_logged[0] >= LOG_EVERY:
                _last_logged[0] = now
                logger.warning(
                    "API throttling skipped: the cache is unreachable (%s: %s); requests are not rate-limited",
                    exc.__class__.__name__,
                    exc,
                )
            return True

    def wait(self):
        try:
            return super().wait()
        except Exception:  # noqa: BLE001 - history was never read: no wait to suggest
            return None
