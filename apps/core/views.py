from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Database and broker reachable: 200, else 503 with what failed."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {exc.__class__.__name__}"
    else:
        checks["broker"] = "in-process"
    healthy = all(v in {"ok", "in-process"} for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", **checks}, status=200 if healthy else 503)
