"""Settings, all read from the environment in this one module.

Environment variables (all optional on a developer machine):

``KAMTIBMAS_DATA_DIR``        where the SQLite database, uploads and generated keys live
                              (default ``~/.local/share/kamtibmas``)
``DATABASE_URL``              e.g. ``postgres://user@host:5432/kamtibmas``; default SQLite (WAL)
``KAMTIBMAS_MEDIA_ROOT``      where uploads and generated files go (default ``<data dir>/media``);
                              ``KAMTIBMAS_MEDIA_STORAGE`` (+ ``_OPTIONS``, JSON) for another backend
``KAMTIBMAS_CERTIFICATE_KEYS_DIR`` the certificate signing keys (default ``<data dir>/keys/
                              certificates``): one directory shared by every server
``KAMTIBMAS_REDIS_URL``       e.g. ``redis://127.0.0.1:6379/0``: the cache shared by every process
                              and server (throttles, sign-in limits, import progress); keys
                              start with ``KAMTIBMAS_REDIS_PREFIX`` (default ``kamtibmas``)
``DATABASE_REPLICA_URL``      a PostgreSQL streaming replica of it for dashboards, analytics
                              and exports (``KAMTIBMAS_REPLICA_MAX_LAG_SECONDS``, default 30)
``KAMTIBMAS_PRODUCTION``      ``1`` turns on the production hardening checked by
                              ``kamtibmas check --deploy``
``KAMTIBMAS_DEBUG``           ``1`` for Django's debug pages (never in production)
``KAMTIBMAS_ALLOWED_HOSTS``   comma-separated host names
``KAMTIBMAS_PUBLIC_URL``      the address residents reach this server at, printed in
                              certificate QR codes (default ``http://127.0.0.1:8000``)
``KAMTIBMAS_BEHIND_PROXY``    ``1`` when a TLS-terminating proxy sets X-Forwarded-Proto and
                              X-Real-IP on every request
``KAMTIBMAS_BENCH_BASELINES`` ``1`` serves the benchmark baselines under ``/bench/baselines/``
                              (``bench/bench_api.py``; never on a public server)
``KAMTIBMAS_DASHBOARD_ROLLUP`` ``0`` makes the dashboards count every case live (default ``1``:
                              from the roll-up once the worker has built it)
``KAMTIBMAS_DASHBOARD_CACHE_SECONDS`` how long a dashboard's figures are kept per unit, area,
                              period and scope (default 60; ``0``: computed every time)
``KAMTIBMAS_REPORT_STALE_SECONDS`` a report (PDF) running longer than this (default 900; doubled
                              per attempt) was left by a dead worker and is queued again,
                              up to ``KAMTIBMAS_REPORT_MAX_ATTEMPTS`` (default 3) attempts
``KAMTIBMAS_MAP_TILES``       tile URL template of the maps, e.g.
                              ``https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png``; its host is
                              added to the CSP's img-src. Empty (the default): no tiles, the
                              data over a plain background (docs/decisions/021-maps.md)
``KAMTIBMAS_MAP_ATTRIBUTION`` the attribution the tile provider requires (plain text)
``KAMTIBMAS_SECRET_KEY``, ``KAMTIBMAS_FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys,
newest first), ``KAMTIBMAS_BLIND_INDEX_KEY``: override the generated keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kamtibmas.config.keyring import load_keyring


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(
    os.environ.get("KAMTIBMAS_DATA_DIR") or Path.home() / ".local" / "share" / "kamtibmas"
).expanduser()
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)  # WhiteNoise warns when STATIC_ROOT is missing

PRODUCTION = env_bool("KAMTIBMAS_PRODUCTION")
DEBUG = env_bool("KAMTIBMAS_DEBUG") and not PRODUCTION

_SECRETS_FROM_ENV = {
    "secret_key": "KAMTIBMAS_SECRET_KEY",
    "field_encryption_keys": "KAMTIBMAS_FIELD_ENCRYPTION_KEYS",
    "blind_index_key": "KAMTIBMAS_BLIND_INDEX_KEY",
}
_keyring = load_keyring(
    DATA_DIR, given={name for name, var in _SECRETS_FROM_ENV.items() if os.environ.get(var)}
)
SECRET_KEY = os.environ.get("KAMTIBMAS_SECRET_KEY") or _keyring["secret_key"]
FIELD_ENCRYPTION_KEYS: list[str] = env_list(
    "KAMTIBMAS_FIELD_ENCRYPTION_KEYS", _keyring.get("field_encryption_keys", [])
)
BLIND_INDEX_KEY: str = os.environ.get("KAMTIBMAS_BLIND_INDEX_KEY") or _keyring["blind_index_key"]

ALLOWED_HOSTS = env_list(
    "KAMTIBMAS_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_list("KAMTIBMAS_CSRF_TRUSTED_ORIGINS", [])
# Printed on paper (the certificate QR): it must outlive any one request's Host header.
PUBLIC_URL = (os.environ.get("KAMTIBMAS_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First, so that its templates (error pages, the admin's base_site) take precedence.
    "kamtibmas.web",
    "kamtibmas.core.adminconfig.KamtibmasAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "kamtibmas.core",
    "kamtibmas.areas",
    "kamtibmas.accounts",
    # Staff second factor (docs/decisions/026-staff-accounts.md): TOTP and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kamtibmas.privacy",
    "kamtibmas.engagements",
    "kamtibmas.triage",
    "kamtibmas.notifications",
    "kamtibmas.aspirations",
    "kamtibmas.open311",
    "kamtibmas.certificates",
    "kamtibmas.aid",
    "kamtibmas.maps",
    "kamtibmas.safety",
    "kamtibmas.surveys",
    "kamtibmas.reports",
    "kamtibmas.dashboards",
    "django_tasks",
    "django_tasks_db",
    "kamtibmas.api",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kamtibmas.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, disabled users, staff second factor.
    "kamtibmas.accounts.middleware.AccountSessionMiddleware",
    "kamtibmas.core.middleware.PersonalPagesNoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Read-your-writes with a read replica: after a signed-in user's write.
    "kamtibmas.core.replicas.ReplicaWriteMarkMiddleware",
]

ROOT_URLCONF = "kamtibmas.config.urls"
WSGI_APPLICATION = "kamtibmas.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def database_from_env(url: str | None) -> dict[str, Any]:
    if not url:
        url = f"sqlite:///{DATA_DIR / 'kamtibmas.sqlite3'}"
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Connections are kept (CONN_MAX_AGE above) as with PostgreSQL: opening one
        # (Django's functions, the PRAGMAs) costs more than a short request; /healthz
        # under `kamtibmas serve` went from 566 to 2,054 requests/s (decision 014).
        config["OPTIONS"] = {
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at
            # BEGIN so concurrent writers queue on busy_timeout instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": database_from_env(os.environ.get("DATABASE_URL"))}
# A PostgreSQL streaming replica for dashboards, analytics pages and exports
# (kamtibmas.core.replicas; docs/decisions/028-read-replicas.md).
KAMTIBMAS_READ_REPLICA = ""
if _replica_url := os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_env(_replica_url)
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {
        "django.db.backends.postgresql"
    }:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL, as does DATABASE_URL with it."
        )
    KAMTIBMAS_READ_REPLICA = "replica"
DATABASE_ROUTERS = ["kamtibmas.core.replicas.PrimaryReplicaRouter"]
#: A replica behind the primary that has replayed nothing for this long is skipped.
KAMTIBMAS_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("KAMTIBMAS_REPLICA_MAX_LAG_SECONDS", 30))
#: How long a user's last write holds their analytics reads to what has replayed it.
KAMTIBMAS_REPLICA_WROTE_SECONDS = 60 * 60
# Per process. "responses": whole public answers kept a few seconds (Open311 lists),
# few of them, as each may be large. "pages": public HTML pages for anonymous visitors
# (kamtibmas.web.pagecache), each at most 150 KB: a few languages and areas of a few
# pages, at most some 30 MB.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "responses": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "responses",
        "OPTIONS": {"MAX_ENTRIES": 64},
    },
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
    # Shared by the web server and `kamtibmas worker` (another process, same data
    # directory): the progress of household imports (kamtibmas.aid.household_imports),
    # written while the import's transaction holds SQLite's write lock.
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "progress"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
# Several app servers, or several workers of one (§9 shapes 2 and 3): with
# KAMTIBMAS_REDIS_URL the counters of throttles and sign-in limits (the default cache)
# and the import progress are shared by every process on every server, so a limit is
# one limit however many processes answer. "responses" and "pages" stay per process:
# a few seconds of a public answer, cheaper kept next to the code that serves it.
if _redis_url := os.environ.get("KAMTIBMAS_REDIS_URL"):
    _prefix = os.environ.get("KAMTIBMAS_REDIS_PREFIX", "kamtibmas")
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_url,
        "KEY_PREFIX": _prefix,
    }
    CACHES["progress"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_url,
        "KEY_PREFIX": f"{_prefix}:progress",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kamtibmas.accounts.backends.RoleBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:after-login"
LOGOUT_REDIRECT_URL = "web:home"
# Argon2id first: hashes made by the others are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# SECURITY.md 10: common-password list, at least 8 characters, passphrases of 64 and
# more allowed (up to 128), not all digits, not like the username; no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {
        "NAME": "kamtibmas.accounts.passwords.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end 12 hours after sign-in whatever happens, or after 30 minutes without a
# request (kamtibmas.accounts.middleware; SECURITY.md 10).
SESSION_COOKIE_AGE = 12 * 60 * 60
KAMTIBMAS_SESSION_IDLE_SECONDS = 30 * 60
# Staff roles must pass a TOTP second factor. Only a non-production server may turn it
# off (KAMTIBMAS_STAFF_OTP=0, e.g. a developer's machine); `check --deploy` refuses it.
KAMTIBMAS_STAFF_OTP = PRODUCTION or env_bool("KAMTIBMAS_STAFF_OTP", True)
OTP_TOTP_ISSUER = "Kamtibmas"
# The admin lists devices (an administrator removes a lost one) but never shows keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Failed codes are throttled by kamtibmas.accounts.bruteforce with a bounded cool-off;
# django-otp's own per-device back-off doubles without limit, which would let anyone
# holding the password lock the officer out for days.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Lifetime of a new API token unless given at issue (days).
KAMTIBMAS_API_TOKEN_DAYS = 90
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "kamtibmas_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
# Uploads and generated files (photos, signatures, report PDFs). Several app servers
# and workers need them in one place: a shared directory (KAMTIBMAS_MEDIA_ROOT, e.g.
# an NFS mount), or another storage backend (KAMTIBMAS_MEDIA_STORAGE, a dotted class
# path, with its options as JSON in KAMTIBMAS_MEDIA_STORAGE_OPTIONS).
MEDIA_ROOT = Path(os.environ.get("KAMTIBMAS_MEDIA_ROOT") or DATA_DIR / "media")
# The certificate signing keys (kamtibmas.certificates.keys): with several app servers
# a directory they all mount, owner-only, so that every server signs with one key.
# Empty: <DATA_DIR>/keys/certificates.
KAMTIBMAS_CERTIFICATE_KEYS_DIR = os.environ.get("KAMTIBMAS_CERTIFICATE_KEYS_DIR", "")
# The map library comes from installed packages, never a CDN (docs/decisions/021-maps.md).
STATICFILES_DIRS = [
    ("leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "KAMTIBMAS_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ.get("KAMTIBMAS_MEDIA_STORAGE_OPTIONS") or "{}"),
    },
    "staticfiles": {
        "BACKEND": (
            "kamtibmas.config.staticfiles.StaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production the demo serves CSS/JS straight from the package.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


def tile_source(url: str) -> str | None:
    """The CSP source that admits the tiles of ``url`` (a Leaflet URL template): its
    scheme and host, the ``{s}`` subdomain placeholder as a wildcard."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host:
        return None
    return f"{parts.scheme}://{host}"


# Tiles of the maps (kamtibmas.web.maps); empty: no tiles, the data on a plain background.
KAMTIBMAS_MAP_TILES = os.environ.get("KAMTIBMAS_MAP_TILES", "").strip()
KAMTIBMAS_MAP_ATTRIBUTION = os.environ.get("KAMTIBMAS_MAP_ATTRIBUTION", "").strip()
if KAMTIBMAS_MAP_TILES:
    _tiles = tile_source(KAMTIBMAS_MAP_TILES)
    if _tiles is None:
        raise ValueError(
            "KAMTIBMAS_MAP_TILES must be an http(s) URL template such as "
            "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_tiles)

#: Behind a proxy that sets X-Forwarded-Proto and X-Real-IP on every request (nginx,
#: deploy/kamtibmas.conf): the scheme and the client's address come from them.
KAMTIBMAS_BEHIND_PROXY = env_bool("KAMTIBMAS_BEHIND_PROXY")

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("KAMTIBMAS_SSL_REDIRECT", True)
    # Load-balancer probes speak plain HTTP to the app server.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if KAMTIBMAS_BEHIND_PROXY:
        # Only behind a proxy that always sets this header: a client could forge it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix: the browser keeps these cookies only when they are secure,
    # for the whole site and for this host alone (no Domain), so a sibling subdomain
    # cannot set or overwrite them (SECURITY.md 12).
    SESSION_COOKIE_NAME = "__Host-kamtibmas_session"
    CSRF_COOKIE_NAME = "__Host-kamtibmas_csrf"
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_identifiers": {"()": "kamtibmas.privacy.redaction.RedactIdentifiersFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_identifiers"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KAMTIBMAS_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own handlers of "django": its mail_admins (the request's
        # address, browser and body in an error e-mail) and its DEBUG console see each
        # record before the redacting console above does (SECURITY.md 5, 14).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Kamtibmas
KAMTIBMAS_DEMO_PASSWORD = os.environ.get("KAMTIBMAS_DEMO_PASSWORD", "kamtibmas-demo")
# The site's canonical host name (calendar UIDs); empty: the host of each request.
KAMTIBMAS_SITE_DOMAIN = os.environ.get("KAMTIBMAS_SITE_DOMAIN", "")
# The §9 baselines J0, D0 and W0 (kamtibmas.core.baselines) for bench/bench_api.py. W0
# writes without authentication: off unless asked for.
KAMTIBMAS_BENCH_BASELINES = env_bool("KAMTIBMAS_BENCH_BASELINES")
# Seconds an Open311 list answer is kept while no case changes (0: never kept).
KAMTIBMAS_OPEN311_LIST_CACHE_SECONDS = 10
# Seconds a public page is kept for anonymous visitors while its data does not change
# (kamtibmas.web.pagecache; 0: never kept).
KAMTIBMAS_PAGE_CACHE_SECONDS = 10
# Seconds a kept page's data version is trusted before it is read again (0: read on
# every request). Also how long /healthz trusts a database that answered.
KAMTIBMAS_PAGE_VERSION_SECONDS = 1.0
# Open311 POST without an API key (throttled per client); off: partners need a key.
KAMTIBMAS_OPEN311_KEYLESS_INTAKE = env_bool("KAMTIBMAS_OPEN311_KEYLESS_INTAKE")

# Notifications and background work
# (docs/decisions/008-background-work-and-notifications.md)
#
# ``KAMTIBMAS_SMS_GATEWAY_URL``, ``KAMTIBMAS_WHATSAPP_GATEWAY_URL``: send SMS / WhatsApp
# through an HTTP gateway (JSON POST with an Idempotency-Key) instead of writing files
# to ``<KAMTIBMAS_DATA_DIR>/outbox/``; ``KAMTIBMAS_GATEWAY_TOKEN``: its bearer token.
# ``KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS``: delivery attempts before a message is dead.
# django-tasks-db's backend with a leaner INSERT of each task (core.task_backend).
TASKS = {"default": {"BACKEND": "kamtibmas.core.task_backend.DatabaseBackend"}}
EMAIL_TIMEOUT = 30
# Email: SMTP when KAMTIBMAS_SMTP_HOST is set, else one file per message in
# <data dir>/outbox/email (development and the demo: nothing leaves the machine).
if os.environ.get("KAMTIBMAS_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["KAMTIBMAS_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("KAMTIBMAS_SMTP_PORT", 587))
    EMAIL_HOST_USER = os.environ.get("KAMTIBMAS_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("KAMTIBMAS_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("KAMTIBMAS_SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = os.environ.get("KAMTIBMAS_EMAIL_FROM", "Kamtibmas <noreply@localhost>")


def notification_gateway(url_variable: str) -> dict[str, Any]:
    """An HTTP gateway channel when ``url_variable`` is set, files otherwise."""
    url = os.environ.get(url_variable)
    if not url:
        return {"class": "kamtibmas.notifications.channels.FileChannel"}
    return {
        "class": "kamtibmas.notifications.channels.HttpGatewayChannel",
        "url": url,
        "token": os.environ.get("KAMTIBMAS_GATEWAY_TOKEN", ""),
    }


# Channel code → {"class": dotted path of a Channel, other keys: its options}.
KAMTIBMAS_NOTIFICATION_CHANNELS: dict[str, dict[str, Any]] = {
    "email": {"class": "kamtibmas.notifications.channels.EmailChannel"},
    "sms": notification_gateway("KAMTIBMAS_SMS_GATEWAY_URL"),
    "whatsapp": notification_gateway("KAMTIBMAS_WHATSAPP_GATEWAY_URL"),
}
KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("KAMTIBMAS_NOTIFICATION_MAX_ATTEMPTS", 8))
# How long a worker owns a message it is delivering; longer than the slowest channel's
# timeout. A worker that dies mid-delivery leaves the message to others after this.
KAMTIBMAS_NOTIFICATION_CLAIM_SECONDS = 300
# Fault injection for the crash test (SECURITY.md 20): pause this many seconds after a
# channel accepted a message, before recording it as sent. Never in production.
KAMTIBMAS_FAULT_PAUSE_AFTER_SEND = (
    0.0 if PRODUCTION else float(os.environ.get("KAMTIBMAS_FAULT_PAUSE_AFTER_SEND") or 0)
)
# Reports (PDFs made by the worker): an attempt running longer than this was left by a
# worker that died and is queued again (the time doubles with each attempt), until the
# report has had this many attempts; then it ends failed (kamtibmas.reports.services).
KAMTIBMAS_REPORT_STALE_SECONDS = int(os.environ.get("KAMTIBMAS_REPORT_STALE_SECONDS", 900))
KAMTIBMAS_REPORT_MAX_ATTEMPTS = int(os.environ.get("KAMTIBMAS_REPORT_MAX_ATTEMPTS", 3))
# Fault injection for the report crash test: pause this many seconds after a worker
# claimed a report, before making it. Never in production.
KAMTIBMAS_FAULT_PAUSE_IN_REPORT_BUILD = (
    0.0 if PRODUCTION else float(os.environ.get("KAMTIBMAS_FAULT_PAUSE_IN_REPORT_BUILD") or 0)
)
# The unit dashboard's figures are kept this many seconds per unit, area, period and
# scope (kamtibmas.web.dashboard; 0: computed on every request). The page says when
# they were computed.
KAMTIBMAS_DASHBOARD_CACHE_SECONDS = int(os.environ.get("KAMTIBMAS_DASHBOARD_CACHE_SECONDS", 60))
# (name, every so many seconds, dotted path of a callable without arguments), run by
# `kamtibmas worker` at most once per period across all workers (kamtibmas.core.schedule).
KAMTIBMAS_PERIODIC_JOBS: list[tuple[str, int, str]] = [
    ("notifications.deliver_due", 60, "kamtibmas.notifications.services.outbox_deliver_due"),
    # Sweeps catch up on everything due, so a missed slot loses nothing.
    ("aspirations.sla_sweep", 300, "kamtibmas.aspirations.services.aspirations_sla_sweep"),
    ("aspirations.surveys", 900, "kamtibmas.aspirations.services.surveys_send_due"),
    ("core.idempotency_purge", 86400, "kamtibmas.core.idempotency.idempotency_purge"),
    ("aid.imports_wipe", 3600, "kamtibmas.aid.household_imports.household_imports_wipe_stale"),
    # Nightly: deletes or anonymises the personal data whose retention period is over.
    ("privacy.retention_sweep", 86400, "kamtibmas.privacy.retention.retention_sweep"),
    # Data-subject requests past their 72 hours alert the commanders, once each.
    (
        "privacy.subject_requests_overdue",
        300,
        "kamtibmas.privacy.subject_requests.subject_requests_alert_overdue",
    ),
    # The dashboards' roll-up of received cases (dashboards.rollup): the days changed since.
    ("dashboards.rollup", 300, "kamtibmas.dashboards.rollup.cases_rollup_refresh"),
    # Reports left running by a worker that died: queued again, or failed after retries.
    ("reports.recover", 60, "kamtibmas.reports.services.reports_recover_stale"),
]
# Dashboards read received cases from that roll-up once it has run (0: always live).
KAMTIBMAS_DASHBOARD_ROLLUP = env_bool("KAMTIBMAS_DASHBOARD_ROLLUP", True)
# django-tasks-db logs each poll of its loop at INFO; `kamtibmas worker -v 2` shows them.
LOGGING["loggers"]["django_tasks_db"] = {"level": "WARNING"}  # type: ignore[index]

# Personal data: retention and the data-protection officer (UU PDP; docs/privacy/)
# ------------------------------------------------------------------------------
# ``KAMTIBMAS_DPO_CONTACT``: how residents reach the data-protection officer (UU PDP
# Art. 53-54), e.g. "PPID/DPO Polres Metro Bekasi Kota, dpo@example.go.id, 021-…";
# printed by `kamtibmas privacy_inventory`; `check --deploy` requires it in production.
KAMTIBMAS_DPO_CONTACT = os.environ.get("KAMTIBMAS_DPO_CONTACT", "").strip()
# Days personal data is kept per retention category, counted from the event named
# (docs/privacy/retention.md; the nightly job privacy.retention_sweep acts on them).
# Each can be set as KAMTIBMAS_RETENTION_<CATEGORY>_DAYS, e.g.
# KAMTIBMAS_RETENTION_HOUSEHOLD_DAYS=1095.
_RETENTION_DEFAULT_DAYS = {
    # reporter's name, phone, email, account and Open311 ids: after the case closed
    "aspiration_contact": 365,
    # text, photos, notes, coordinates of an anonymous case: after it closed
    "anonymous_case_content": 365,
    # the same for every other case: after it closed (the case stays for statistics)
    "case_content": 5 * 365,
    # a loss report's identity (NIK, name, birth, address, phone, document numbers):
    # after the certificate expired, or the report's last change when none was issued
    "loss_report_identity": 365,
    # loss reports started online and never finished at a post: after the last change
    "loss_report_draft": 30,
    # recipient and text of a notification: after it was delivered or given up
    "outbox_message": 30,
    # named attendees of a dialogue (the head counts stay): after the dialogue
    "attendee_list": 365,
    # free-text comments of dialogue surveys (the scores stay): after the answer
    "survey_comment": 365,
    # a household's KK, names, address, vulnerability notes, card: after the last aid
    # program that served it ended (or its registration, when none did)
    "household": 2 * 365,
    # the audit log: never deleted by the sweep (append-only); rows older than this
    # are reported for archiving. Keep it at least the legal period.
    "audit_log": 10 * 365,
}
KAMTIBMAS_RETENTION_DAYS: dict[str, int] = {
    category: int(os.environ.get(f"KAMTIBMAS_RETENTION_{category.upper()}_DAYS") or days)
    for category, days in _RETENTION_DEFAULT_DAYS.items()
}
