"""The e-mail channel. Console backend unless configured: nothing is sent by accident.

``orgportal/settings.py`` sets no ``EMAIL_*`` today, and Django's own default backend is SMTP
to localhost, so this module reads the environment itself when the settings hold Django's
defaults (explicit settings, and the test runner's locmem backend, always win):

* ``EMAIL_BACKEND``: a backend path; default: SMTP when ``EMAIL_HOST`` is set, else console;
* ``EMAIL_HOST``, ``EMAIL_PORT`` (25), ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``,
  ``EMAIL_USE_TLS`` / ``EMAIL_USE_SSL`` (``1``/``0``), ``EMAIL_TIMEOUT`` (seconds, 10);
* ``DEFAULT_FROM_EMAIL``: the sender (default ``党建工作平台 <noreply@localhost>``).
"""

import os

from django.conf import global_settings, settings
from django.core.mail import EmailMessage, get_connection

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _configured(name: str):
    """A setting's value when the settings file set it (not Django's global default)."""
    value = getattr(settings, name, None)
    return None if value == getattr(global_settings, name, None) else value


def backend() -> str:
    return (
        _configured("EMAIL_BACKEND")
        or os.environ.get("EMAIL_BACKEND")
        or (SMTP if (_configured("EMAIL_HOST") or os.environ.get("EMAIL_HOST")) else CONSOLE)
    )


def connection():
    path = backend()
    if path != SMTP or _configured("EMAIL_HOST"):
        return get_connection(path)
    return get_connection(
        path,
        host=os.environ.get("EMAIL_HOST", "localhost"),
        port=int(os.environ.get("EMAIL_PORT", "25")),
        username=os.environ.get("EMAIL_HOST_USER", ""),
        password=os.environ.get("EMAIL_HOST_PASSWORD", ""),
        use_tls=_env_flag("EMAIL_USE_TLS"),
        use_ssl=_env_flag("EMAIL_USE_SSL"),
        timeout=int(os.environ.get("EMAIL_TIMEOUT", "10")),
    )


def sender() -> str:
    return _configured("DEFAULT_FROM_EMAIL") or os.environ.get(
        "DEFAULT_FROM_EMAIL", "党建工作平台 <noreply@localhost>"
    )


def send(*, to: str, subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, from_email=sender(), to=[to], connection=connection()).send()
