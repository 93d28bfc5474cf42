"""Encryption at rest for talk-record content, with rotatable keys.

``FIELD_ENCRYPTION_KEYS`` lists Fernet keys, newest first. New content is encrypted with
the newest key; any listed key decrypts; ``manage.py rotate_talk_keys`` re-encrypts old
rows with the newest key so an old key can then be retired.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: talk content cannot be encrypted.")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured("Talk content cannot be decrypted with the configured keys.") from exc


def rotate(token: str) -> str:
    if not token:
        return ""
    return fernet().rotate(token.encode("ascii")).decode("ascii")
