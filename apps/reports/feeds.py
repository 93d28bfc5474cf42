"""Calendar feed tokens 日历订阅令牌: a per-user secret that opens only the meetings .ics feeds.

Calendar clients subscribe to a URL and send no headers, so the secret travels in the query
string (``?token=``) and ends up in client settings and proxy logs. It therefore must not be
the user's API token: a feed token authorises nothing but the read-only ``.ics`` views (the
user's scope is judged at each request, as for a session), is stored only as a SHA-256
digest, is replaced when a new one is issued and is revoked by deleting it.
"""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from .models import CalendarFeedToken

PREFIX = "cal_"
TOUCH_EVERY = datetime.timedelta(hours=1)  # last_used_at is refreshed at most this often


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def feed_token_issue(*, user) -> str:
    """A new feed token for ``user`` (the previous one stops working); the key is shown once."""
    key = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeedToken.objects.filter(user=user).delete()
        CalendarFeedToken.objects.create(user=user, key_digest=digest(key))
    return key


def feed_token_revoke(*, user) -> bool:
    deleted, _ = CalendarFeedToken.objects.filter(user=user).delete()
    return bool(deleted)


def feed_token_user(key: str):
    """The active user a feed token belongs to, or ``None``."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    token = CalendarFeedToken.objects.select_related("user").filter(key_digest=digest(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class FeedTokenAuthentication(BaseAuthentication):
    """``?token=<feed token>``, for the .ics views only (the API never lists this class).

    The user's API token is *not* accepted in the URL (it would leak full API access into
    calendar clients and logs); it is still accepted in the ``Authorization`` header.
    """

    def authenticate(self, request):
        key = request.query_params.get("token")
        if not key:
            return None
        user = feed_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed("日历订阅令牌无效或已撤销。")
        return user, None

    def authenticate_header(self, request):
        return 'Token realm="calendar-feed"'
