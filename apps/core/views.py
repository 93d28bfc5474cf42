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
