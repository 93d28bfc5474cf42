"""Values read once per request (or per Celery task) and never beyond it.

The scoping layer asks for the same granted unit paths several times in one request (the
permission check, the list, the per-row flags). ``memoized`` answers repeats from a dict
that lives exactly as long as the request or task (a context variable opened by
``RequestCacheMiddleware`` and by the Celery signals below), so a grant revoked between two
requests takes effect on the second. Outside a request or task (shell, tests calling
services directly) nothing is cached.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
_cache: ContextVar[dict | None] = ContextVar("orgportal_request_cache", default=None)


@contextmanager
def request_scope():
    """Open a fresh cache for the duration of one request or task."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def memoized(key: tuple, compute: Callable[[], T]) -> T:
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(prefix: str) -> None:
    """Drop this request's cached values whose key starts with ``prefix`` (after a write in
    the same request changed them, e.g. a grant given)."""
    cache = _cache.get()
    if cache:
        for key in [k for k in cache if k and k[0] == prefix]:
            del cache[key]


class RequestCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)


def _connect_celery_signals() -> None:
    from celery import signals

    tokens: dict[str, object] = {}

    @signals.task_prerun.connect(weak=False)
    def _open(task_id=None, **_kwargs):
        tokens[task_id] = _cache.set({})

    @signals.task_postrun.connect(weak=False)
    def _close(task_id=None, **_kwargs):
        token = tokens.pop(task_id, None)
        if token is not None:
            _cache.reset(token)


#: Rows whose change alters what ``memoized`` scoping values say within the same request.
GRANT_TABLES = {"access.Grant", "access.UnitPermission", "guardian.UserObjectPermission"}


def _forget_grants(sender, **_kwargs):
    forget("grants")


def _connect_model_signals() -> None:
    """Connected to the two tables only (lazy "app.Model" senders): a sender-less receiver
    would turn off Django's fast bulk delete for every model."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    m2m_changed.connect(
        _forget_grants, sender="access.Role_permissions", weak=False, dispatch_uid="forget_roles"
    )
    for label in GRANT_TABLES:
        for signal in (post_save, post_delete):
            signal.connect(
                _forget_grants, sender=label, weak=False, dispatch_uid=f"forget_grants_{label}_{id(signal)}"
            )


_connect_celery_signals()
_connect_model_signals()
