"""OrgPortal settings, read from the environment in this one file.

With nothing set the portal runs on SQLite and executes Celery tasks in-process, so a
newcomer's first run needs no server. ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and a real broker; ``DJANGO_ENV=production`` turns on the hardened settings
that ``manage.py check --deploy`` expects.
"""

import os
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from celery.schedules import crontab  # noqa: F401  (used by the per-app schedules)

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV") == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "" if PRODUCTION else "dev-only-insecure-key-change-me-" + "x" * 20
)
if PRODUCTION and len(SECRET_KEY) < 50:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Production needs SECRET_KEY (at least 50 random characters) in the environment."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "treebeard",
    "simple_history",
    "axes",
    "django_htmx",
    "csp",
    "apps.core",
    "apps.units",
    "apps.access",
    "apps.notifications",
    "apps.people",
    "apps.party",
    "apps.talks",
    "apps.evaluations",
    "apps.commendations",
    "apps.reports",
    "apps.operations",
    "apps.dashboard",
    "apps.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.request_cache.RequestCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orgportal.urls"
# Pages that need a signed-in user send people to the workbench's own login (phone-first).
LOGIN_URL = "workbench:login"
LOGIN_REDIRECT_URL = "/"
WSGI_APPLICATION = "orgportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.commendations.context.inbox_count",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An unreachable database fails a request (and /healthz) in seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The scoped backend answers first: ModelBackend's two queries (user and group
    # permissions, which OrgPortal does not use) only run when it says no.
    "apps.access.backends.ScopedPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "apps.access.backends.RecordGrantBackend",
]
# Guardian's check looks for its own backend by name; RecordGrantBackend wraps it.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]

# Login was 2-4 s, nearly all of it one PBKDF2 check at 1,000,000 iterations: Argon2id at
# OWASP's minimum parameters checks in ~20-70 ms (apps/core/hashers.py says why). It needs
# argon2-cffi; without it the hashers stay Django's defaults. Old hashes still verify and are
# upgraded at the next login.
PASSWORD_HASHERS = [
    *(["apps.core.hashers.Argon2idPasswordHasher"] if find_spec("argon2") else []),
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese only, whatever the browser asks for: no LocaleMiddleware, one language. (The admin
# chrome used to turn English for an English-locale browser.)
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Source maps are for developers' tools, not browsers on a slow link: compressing them (gzip and
# brotli, 9 MB) was a fifth of collectstatic's time at every start.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv"),
    *("woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv"),
    "map",
)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads live outside the static root and are only served through views that check scope.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Talk-record content keys, newest first (comma separated Fernet keys).
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", "" if PRODUCTION else "yTGbbdq2A8gNvXQ0pvX6oYF7c6Vn0xq2fW8N1rJc7wI="
)

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Fails open (with a log line) when the cache is unreachable: see apps/core/api/throttling.py
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.api.throttling.FailOpenUserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_USER_RATE", "100000/hour")},
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OrgPortal API",
    "DESCRIPTION": "消防救援队伍党建工作平台 REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Self-hosted docs: Redoc's default fonts come from Google; system fonts instead.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
                "headings": {
                    "fontFamily": '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
                },
                "code": {"fontFamily": 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace'},
            }
        }
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.document_error_responses",
    ],
    # Several models have a "kind" or "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "apps.units.models.UnitKind",
        "OrganisationKindEnum": "apps.party.models.OrganisationKind",
        "PositionKindEnum": "apps.party.models.PositionKind",
        "TeamKindEnum": "apps.party.models.TeamKind",
        "PoliticalStatusEnum": "apps.people.models.PoliticalStatus",
        "ImportJobStatusEnum": "apps.people.models.ImportJob.Status",
        "TalkKindEnum": "apps.talks.models.TalkKind",
        "FollowUpStatusEnum": "apps.talks.models.FollowUp.Status",
        "TalkPeriodEnum": "apps.talks.models.TalkPolicy.Period",
        "ContentReadChannelEnum": "apps.talks.models.TalkContentAccess.Channel",
        "NominationStatusEnum": "apps.commendations.models.Nomination.Status",
        "ObjectionOutcomeEnum": "apps.commendations.models.Objection.Outcome",
        "ZeroReportItemKindEnum": "apps.reports.models.ZeroReportItem.Kind",
        "ComplianceStatusEnum": "apps.reports.models.DailyCompliance.Status",
        "MeetingKindEnum": "apps.reports.models.MeetingKind",
        "ResponsibilityKindEnum": "apps.reports.models.ResponsibilityKind",
        "EvaluationStatusEnum": "apps.evaluations.models.EvaluationStatus",
        "HonourStatusEnum": "apps.evaluations.models.HonourStatus",
        "OperationKindEnum": "apps.operations.models.OperationKind",
        "PledgeKindEnum": "apps.operations.models.Pledge.Kind",
        "PersonCategoryEnum": "apps.people.models.PersonCategory",
    },
}

NOMINATION_ESCALATION_DAYS = int(os.environ.get("NOMINATION_ESCALATION_DAYS", "7"))
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# No task result is read anywhere (job rows carry outcomes), and a result backend subscribed on
# every send turns a Redis outage into "RuntimeError: ... the Celery application must be
# restarted" after ~20 s of retries inside the request.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
# An unacknowledged task (its worker died) is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # A worker checks for abandoned (unacknowledged, timed-out) tasks this often, in seconds.
    "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": 1,
    # Redis unreachable: a publish gives up in seconds (the job row stays the outbox).
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
# One Redis database shared by several deployments or test runs: every key (queues, unacked
# messages, cache entries, the beat lock) starts with this prefix, so none touches another's.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "")
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for Redis to come back, however long
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
# Background jobs (apps/core/jobs.py): a claim not renewed for JOB_CLAIM_LEASE seconds belongs
# to a dead worker; a job owed work and not sent for JOB_REQUEUE_AFTER seconds is sent again.
JOB_CLAIM_LEASE = float(os.environ.get("JOB_CLAIM_LEASE", "60"))
JOB_REQUEUE_AFTER = float(os.environ.get("JOB_REQUEUE_AFTER", "120"))
JOB_REQUEUE_INTERVAL = float(os.environ.get("JOB_REQUEUE_INTERVAL", "60"))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            # Redis away: a cache call fails in about a second, and the callers fail open.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _collect_beat_schedule() -> dict:
    """Every app declares its periodic tasks in ``apps/<app>/schedule.py``."""
    from importlib import import_module

    schedule: dict = {}
    for app in INSTALLED_APPS:
        if app.startswith("apps."):
            try:
                module = import_module(f"{app}.schedule")
            except ModuleNotFoundError:
                continue
            schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    return schedule


CELERY_BEAT_SCHEDULE = {
    **_collect_beat_schedule(),
    # The job rows are the outbox: re-send what a broker outage or a dead worker left behind.
    "core-requeue-stale-jobs": {
        "task": "apps.core.tasks.requeue_stale_jobs",
        "schedule": JOB_REQUEUE_INTERVAL,
        "options": {"expires": JOB_REQUEUE_INTERVAL},
    },
}

# Login throttling: five failures lock the (username, IP) pair for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes come over plain HTTP from a balancer or supervisor: answer them, never 301.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^livez$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp), the same in development so a violation shows early.
# Scripts only from this site (no inline script, no eval): the admin, the workbench (htmx,
# vendored under static/) and both API docs (Swagger UI's split view, Redoc with a static init
# script; drf-spectacular-sidecar, fonts not fetched from the internet) run under it. Styles
# allow 'unsafe-inline': templates and the admin use style attributes, Redoc (styled-components)
# and htmx insert <style> elements; a style cannot run code. Redoc's search runs in a blob: worker.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("CSP_REPORT_ONLY", False):  # to trial a change on a live site without breaking it
    CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

SITE_HEADER = "消防救援队伍党建工作平台"
