"""One settings module. Everything that differs between machines comes from `SOMS_*` variables.

The helpers below refuse nonsense loudly (a typo in SOMS_DEBUG must not silently mean "off").
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


DEBUG = envbool("SOMS_DEBUG", False)
# "production" turns development conveniences off: the secret key must be given, not generated.
ENVIRONMENT = os.environ.get("SOMS_ENV", "development").strip().lower()
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"SOMS_ENV={ENVIRONMENT!r}: use development, production or test")

DATA_DIR = Path(os.environ.get("SOMS_DATA_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    given = os.environ.get("SOMS_SECRET_KEY", "").strip()
    if given:
        return given
    if ENVIRONMENT == "production":
        raise ImproperlyConfigured("SOMS_SECRET_KEY is required when SOMS_ENV=production")
    # Development: generate once and keep it, so sessions survive a restart.
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("SOMS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("SOMS_CSRF_TRUSTED_ORIGINS", [])

_default_db = f"sqlite:///{DATA_DIR / 'soms.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("SOMS_DATABASE_URL", "").strip() or _default_db,
        conn_max_age=envint("SOMS_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (SOMS_DB_CONN_MAX_AGE) on SQLite too: each server thread has its own,
    # and opening one (the file, Django's SQL functions, the PRAGMAs below) cost about 1.5 ms of CPU
    # per request, a fifth of an API read.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL + a busy timeout: readers never block the writer, writers queue instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )

# The shared cache (published versions' renderings, soms.frameworks.cache): a table in the database
# by default, so every worker process sees the same entries with nothing else to run; Redis at scale
# (SOMS_CACHE_URL=redis://host:6379/0, with the `redis` package installed). Rate limits count in
# Redis when it is configured, otherwise in their own table with one atomic statement
# (soms.ratelimits).
_cache_url = os.environ.get("SOMS_CACHE_URL", "").strip()
CACHES: dict[str, dict[str, Any]]
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
elif _cache_url:
    raise ImproperlyConfigured(f"SOMS_CACHE_URL={_cache_url!r}: use redis://host:port/db, or leave it empty")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "soms_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
RATELIMIT_USE_CACHE = "default"
# A cache that fails must not take the app down with it: count nothing rather than refuse everyone.
RATELIMIT_FAIL_OPEN = True
# Per group, per user and per organisation: SOMS_RATE_EXPORT_USER=30/m ... (soms/ratelimits.py).
SOMS_RATES = {
    f"{group}_{who}": os.environ[f"SOMS_RATE_{group.upper()}_{who.upper()}"]
    for group in ("grid", "export", "import", "capacity")
    for who in ("user", "org")
    if os.environ.get(f"SOMS_RATE_{group.upper()}_{who.upper()}", "").strip()
}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",
    "django_tasks_db",
    "django_ratelimit",
    "soms.tenancy",
    "soms.jobs",
    "soms.frameworks",
    "soms.toolkits",
    "soms.people",
    "soms.audit",
    "soms.assessments",
    "soms.notifications",
    "soms.insights",
    "soms.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "soms.tenancy.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "soms.tenancy.middleware.CurrentOrganisationMiddleware",
    # After the organisation is known, so that the 414 page shows the person's own header.
    "soms.tenancy.middleware.LongAddressMiddleware",
    "axes.middleware.AxesMiddleware",
    "soms.tenancy.middleware.PrivateAnswersMiddleware",
    # A page that starts a job answers 429 naming the limit when the queue is full (soms.jobs.queue).
    "soms.jobs.middleware.QueueFullMiddleware",
]

ROOT_URLCONF = "soms.urls"
WSGI_APPLICATION = "soms.wsgi.application"

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
                "django.template.context_processors.csp",
                "soms.tenancy.context_processors.organisation",
                "soms.notifications.context_processors.unread",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENVIRONMENT == "test":
    # Argon2 is deliberately slow; tests hash hundreds of passwords. Production keeps Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("SOMS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("SOMS_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "soms.tenancy.views.locked_out"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("SOMS_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _storage_options() -> dict[str, Any]:
    import json

    raw = os.environ.get("SOMS_STORAGE_OPTIONS", "").strip()
    try:
        options = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise ImproperlyConfigured(f"SOMS_STORAGE_OPTIONS is not JSON: {exc}") from None
    if not isinstance(options, dict):
        raise ImproperlyConfigured("SOMS_STORAGE_OPTIONS must be a JSON object")
    return options


# Uploaded evidence goes through Django's storage API: files under MEDIA_ROOT by default (never
# served by a route or WhiteNoise: only the permission-checked download view reads them), or an
# S3-compatible store (README, "Evidence files").
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("SOMS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": _storage_options(),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if ENVIRONMENT == "test"
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Largest upload accepted by any import (bytes); refused before parsing.
SOMS_MAX_UPLOAD_BYTES = envint("SOMS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = SOMS_MAX_UPLOAD_BYTES + 1024 * 1024
# Most rows one HR people file may hold (checked before anything is validated row by row).
SOMS_PEOPLE_IMPORT_MAX_ROWS = envint("SOMS_PEOPLE_IMPORT_MAX_ROWS", 200_000)
# Up to this many rows an HR file is applied within the request; a larger one in a background job.
SOMS_PEOPLE_IMPORT_INLINE_ROWS = envint("SOMS_PEOPLE_IMPORT_INLINE_ROWS", 2_000)
# An inline apply (a request) that claimed an HR file this many seconds ago and has not finished
# has stopped (its process died: nothing was written, the write is one transaction); a later apply
# may take the file over. Far longer than any inline apply of SOMS_PEOPLE_IMPORT_INLINE_ROWS takes.
SOMS_IMPORT_CLAIM_SECONDS = envint("SOMS_IMPORT_CLAIM_SECONDS", 600)
# A people file of more bytes than this is checked (dry run) by a background job with a progress
# bar; what can be refused without reading its rows (size, encoding, sheets, columns) still is in
# the request. About 2,500 rows of a typical HR export.
SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES = envint("SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES", 256 * 1024)
# Up to this many people an export (CSV or XLSX) is written within the request; more by a job.
SOMS_PEOPLE_EXPORT_INLINE_ROWS = envint("SOMS_PEOPLE_EXPORT_INLINE_ROWS", 2_000)
# Up to this many entries the audit log's CSV is streamed within the request (about a quarter of a
# second); more are written by a job (soms.tenancy.jobs).
SOMS_AUDIT_EXPORT_INLINE_ROWS = envint("SOMS_AUDIT_EXPORT_INLINE_ROWS", 5_000)
# An import creating more people than SOMS_PEOPLE_IMPORT_STAGE_ROWS is staged (soms.people.io.apply):
# its new units, teams and people are written in short transactions of that many rows each, hidden
# until one last short transaction makes them live together, with a pause between them in which
# other organisations' writes take SQLite's write lock. On by default on SQLite only; PostgreSQL
# writes in one transaction without stopping anyone else.
SOMS_PEOPLE_IMPORT_STAGED = envbool(
    "SOMS_PEOPLE_IMPORT_STAGED", DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
)
SOMS_PEOPLE_IMPORT_STAGE_ROWS = envint("SOMS_PEOPLE_IMPORT_STAGE_ROWS", 1_000)
SOMS_PEOPLE_IMPORT_STAGE_PAUSE_MS = envint("SOMS_PEOPLE_IMPORT_STAGE_PAUSE_MS", 150)
# A rebuild of the Insights rollups (soms.insights.rollups) writes its new rows this many to a
# transaction, with a pause between transactions (on SQLite only) in which other organisations'
# sign-ins and writes take the write lock; the new rows become current in one last short transaction.
# The pause outlasts SQLite's busy handler, which polls a waiting writer every 100 ms at most.
SOMS_ROLLUP_WRITE_ROWS = envint("SOMS_ROLLUP_WRITE_ROWS", 1_000)
SOMS_ROLLUP_WRITE_PAUSE_MS = envint(
    "SOMS_ROLLUP_WRITE_PAUSE_MS", 100 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 0
)

# A recomputation of attainment (soms.assessments.services.attainment.recompute: a rule or validity
# change rewrites every person's rows) computes with no transaction open, then writes about this many
# element rows to a transaction (whole people: 7 rows each on SOMS 2016), with a pause between
# transactions on SQLite only, as for the rollups above.
SOMS_ATTAINMENT_WRITE_ROWS = envint("SOMS_ATTAINMENT_WRITE_ROWS", 700)
SOMS_ATTAINMENT_WRITE_PAUSE_MS = envint(
    "SOMS_ATTAINMENT_WRITE_PAUSE_MS",
    50 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 0,
)


def base_url(raw: str) -> str:
    """SOMS_BASE_URL as links in e-mails use it: scheme, host and port, no trailing slash."""
    from urllib.parse import urlsplit

    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"SOMS_BASE_URL={raw!r}: give the address people open, such as https://soms.example.org "
            "or http://127.0.0.1:8000"
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ImproperlyConfigured(f"SOMS_BASE_URL={raw!r}: the port is not a number") from None
    return value


def mailers(backend: str) -> dict[str, Any]:
    """The MAILERS setting for `backend`. Django 6.1 reads SMTP options (host, port, timeout …) from
    OPTIONS only (the old EMAIL_* settings are refused next to MAILERS), so they come from SOMS_EMAIL_*
    here. The timeout bounds how long a worker waits for a mail server that does not answer."""
    options: dict[str, Any] = {}
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        options = {
            "host": os.environ.get("SOMS_EMAIL_HOST", "localhost").strip() or "localhost",
            "port": envint("SOMS_EMAIL_PORT", 25),
            "username": os.environ.get("SOMS_EMAIL_HOST_USER", ""),
            "password": os.environ.get("SOMS_EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("SOMS_EMAIL_USE_TLS", False),
            "use_ssl": envbool("SOMS_EMAIL_USE_SSL", False),
            "timeout": SOMS_EMAIL_TIMEOUT,
        }
        if options["use_tls"] and options["use_ssl"]:
            raise ImproperlyConfigured("SOMS_EMAIL_USE_TLS and SOMS_EMAIL_USE_SSL: set at most one of them")
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


# Where links in e-mails point (invitations). `soms start --port N` sets it to its own address when
# it is not given. E-mail goes to the console unless a backend is set; it is sent by the job worker,
# never inside a request.
SOMS_BASE_URL = base_url(os.environ.get("SOMS_BASE_URL", "http://127.0.0.1:8000"))
# Seconds a mail server may take to answer before the send fails (what EMAIL_TIMEOUT was before
# Django 6.1, which refuses that setting beside MAILERS: the SMTP mailer's "timeout" OPTION).
SOMS_EMAIL_TIMEOUT = envint("SOMS_EMAIL_TIMEOUT", 10)
MAILERS = mailers(
    os.environ.get(
        "SOMS_EMAIL_BACKEND",
        # Production sends through SMTP (SOMS_EMAIL_HOST, localhost:25 by default); development prints mail.
        "django.core.mail.backends.smtp.EmailBackend"
        if ENVIRONMENT == "production"
        else "django.core.mail.backends.console.EmailBackend",
    ).strip()
)
# Days an invitation link stays valid ("Send again" gives a fresh link for as long again).
SOMS_INVITATION_DAYS = envint("SOMS_INVITATION_DAYS", 14)
DEFAULT_FROM_EMAIL = os.environ.get("SOMS_DEFAULT_FROM_EMAIL", "SOMS <soms@localhost>")
FILE_UPLOAD_MAX_MEMORY_SIZE = SOMS_MAX_UPLOAD_BYTES

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SOMS_SECURE_SSL_REDIRECT", ENVIRONMENT == "production")
SESSION_COOKIE_SECURE = envbool("SOMS_SECURE_COOKIES", ENVIRONMENT == "production")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SOMS_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SOMS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SOMS_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("SOMS_BEHIND_PROXY", False) else None

from django.utils.csp import CSP  # noqa: E402

# Every asset is ours: scripts and styles only from this origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    # Forms post only here: injected markup cannot send what a person types elsewhere.
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

NINJA_PAGINATION_PER_PAGE = 50

# Background jobs: Django's tasks API, queued in the database and run by `soms worker` (which
# `soms start` starts too). No broker to install; at scale, several workers on PostgreSQL.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Finished jobs (and their result files) and task records older than this are purged by `soms cron`.
SOMS_JOB_RETENTION_DAYS = envint("SOMS_JOB_RETENTION_DAYS", 14)


def _at_least(name: str, default: int, least: int) -> int:
    value = envint(name, default)
    if value < least:
        raise ImproperlyConfigured(f"{name}={value}: it must be at least {least}")
    return value


# The job queue's fairness and bounds (soms.jobs.queue). Workers serve organisations in turn (the
# one whose last claim is oldest first), and no organisation runs more than this many jobs at once
# however many workers there are, so one that queues many jobs never keeps another's waiting.
SOMS_JOBS_RUNNING_PER_ORGANISATION = _at_least("SOMS_JOBS_RUNNING_PER_ORGANISATION", 2, 1)
# Jobs one organisation, and one person, may have waiting at once; past it, starting another answers
# 429 naming the limit, so the queue itself cannot be flooded.
SOMS_JOBS_QUEUED_PER_ORGANISATION = _at_least("SOMS_JOBS_QUEUED_PER_ORGANISATION", 100, 1)
SOMS_JOBS_QUEUED_PER_USER = _at_least("SOMS_JOBS_QUEUED_PER_USER", 20, 1)
# A worker says it is alive every HEARTBEAT seconds while it runs a job; a running job not heard of
# for STALE seconds lost its worker (killed, out of memory) and is queued again, or failed with a
# sentence once it has been tried MAX_ATTEMPTS times.
SOMS_JOBS_HEARTBEAT_SECONDS = _at_least("SOMS_JOBS_HEARTBEAT_SECONDS", 10, 1)
SOMS_JOBS_STALE_SECONDS = _at_least("SOMS_JOBS_STALE_SECONDS", 120, 2)
SOMS_JOBS_MAX_ATTEMPTS = _at_least("SOMS_JOBS_MAX_ATTEMPTS", 2, 1)
if SOMS_JOBS_STALE_SECONDS <= 2 * SOMS_JOBS_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"SOMS_JOBS_STALE_SECONDS={SOMS_JOBS_STALE_SECONDS} must be more than twice "
        f"SOMS_JOBS_HEARTBEAT_SECONDS={SOMS_JOBS_HEARTBEAT_SECONDS}, or live jobs would be reclaimed"
    )
# An invitation mail that fails for a reason that passes (the mail server down, unreachable, slow
# or answering "try later", 4xx) is tried again, up to this many sends in all, each after a wait
# four times the one before (60 s, 4 min, 16 min by default), by a task scheduled for that time
# (soms.people.tasks); then it is "not sent" with the reason. A permanent refusal is not retried.
SOMS_INVITATION_SEND_ATTEMPTS = _at_least("SOMS_INVITATION_SEND_ATTEMPTS", 4, 1)
SOMS_INVITATION_RETRY_SECONDS = _at_least("SOMS_INVITATION_RETRY_SECONDS", 60, 1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOMS_LOG_LEVEL", "WARNING")},
}

# Lockout is per username: it stops guessing at one account without locking out a whole office
# that shares one public IP address (axes would like the IP as well).
# Submitting the domain to the browsers' HSTS preload list is the site owner's choice, not a defect.
# django-ratelimit calls the database cache not atomic: on it, soms/ratelimits.py counts in its own
# table with one atomic statement instead of through the cache.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021", "django_ratelimit.E003", "django_ratelimit.W001"]
