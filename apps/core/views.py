"""Probes for load balancers and supervisors (exempt from the HTTPS redirect, see settings).

* ``/healthz`` (readiness): database, broker and encryption keys, each reported; 503 when any
  fails, so a balancer takes the instance out and an operator reads why.
* ``/livez`` (liveness): the process serves requests; no dependency is asked, so a Redis or
  database outage never makes an orchestrator restart healthy web processes.
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from . import health


@never_cache
def healthz(request):
    healthy, results = health.report()
    return JsonResponse({"status": "ok" if healthy else "fail", **results}, status=200 if healthy else 503)


@never_cache
def livez(request):
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception):
    """404: JSON under /api/ (the API's contract), the Chinese page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})
    from django.views.defaults import page_not_found as html_page_not_found

    return html_page_not_found(request, exception)
