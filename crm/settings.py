"""One settings module, driven by environment variables (see README, "Settings").

Laptop defaults need no server: SQLite in var/, kombu's filesystem broker in var/.
DEBUG is off unless set, and then the secrets must be set to values of this deployment.
"""

import copy
import ipaddress
from email.utils import parseaddr
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from crm.env_values import clock_time

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless set: a production machine that forgets the variable must not run in development mode.
# The tests and CI set DEBUG=1. The demo (run.py demo sets DEMO=1) runs with DEBUG off (the CRM's own
# 404 and 500 pages) but with the development keys, plain http and static files from the sources.
DEBUG = env.bool("DEBUG", default=False)
DEMO = env.bool("DEMO", default=False)
DEVELOPMENT = DEBUG or DEMO

# --- Secrets ----------------------------------------------------------------------
# The development values below are public (they are in this file): with DEBUG off they, or a
# missing value, stop the start (except in the demo). Rotation: the old value moves to the *_FALLBACKS list, then
# `manage.py reencrypt_personal_data` rewrites what was made with it (README, "Rotating keys").
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
_DEV_FIELD_ENCRYPTION_SALT = "crm-field-encryption-dev-salt"
_DEV_VALUES = {_DEV_SECRET_KEY, _DEV_FIELD_ENCRYPTION_SALT}


def _production_secrets(name: str, values: list[str], *, required: bool = True) -> list[str]:
    values = [value for value in values if value]
    if DEVELOPMENT:
        return values
    if required and not values:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")
    if _DEV_VALUES.intersection(values):
        raise ImproperlyConfigured(
            f"{name} is the public development value; set a secret of this deployment."
        )
    return values


SECRET_KEY = _production_secrets(
    "SECRET_KEY", [env.str("SECRET_KEY", default="") or (_DEV_SECRET_KEY if DEVELOPMENT else "")]
)[0]
# Old keys still accepted for signatures, and for decrypting ID numbers until they are re-encrypted.
SECRET_KEY_FALLBACKS = _production_secrets(
    "SECRET_KEY_FALLBACKS", env.list("SECRET_KEY_FALLBACKS", default=[]), required=False
)
# Salt(s) of the key that encrypts ID numbers at rest (django-fernet-encrypted-fields): it encrypts
# with SECRET_KEY and the first salt, and decrypts with every SECRET_KEY(_FALLBACKS) × salt pair.
SALT_KEY = _production_secrets(
    "FIELD_ENCRYPTION_SALT",
    env.list("FIELD_ENCRYPTION_SALT", default=[]) or ([_DEV_FIELD_ENCRYPTION_SALT] if DEVELOPMENT else []),
)
# Key of the HMAC stored beside encrypted ID numbers so that exact search works. Searches also try
# the fallbacks until reencrypt_personal_data has rewritten every hash with the current key.
PII_HASH_KEY = _production_secrets(
    "PII_HASH_KEY", [env.str("PII_HASH_KEY", default="") or (SECRET_KEY if DEVELOPMENT else "")]
)[0]
PII_HASH_KEY_FALLBACKS = _production_secrets(
    "PII_HASH_KEY_FALLBACKS", env.list("PII_HASH_KEY_FALLBACKS", default=[]), required=False
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _site_url() -> str:
    """SITE_URL, or the first CSRF trusted origin, or the laptop's address: links in emails need it."""
    value = env.str("SITE_URL", default="") or next(iter(CSRF_TRUSTED_ORIGINS), "") or "http://localhost:8000"
    if not value.startswith(("http://", "https://")) or " " in value:
        raise ImproperlyConfigured(
            f"SITE_URL must be an address such as https://crm.example.com, not {value!r}."
        )
    return value.rstrip("/")


# Where staff reach the site, for the links in messages sent outside a request (the daily digest).
SITE_URL = _site_url()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_ratelimit",
    "axes",
    "auditlog",  # the audit trail's table, admin and middleware (core.audit)
    # TOTP two-factor login (accounts.two_factor): the devices and their verification.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_prometheus",  # request latency and counts for /metrics (crm/metrics.py)
    "core",
    "notifications",
    "accounts",
    "properties",
    "customers",
    "complaints",
    "delivery",
    "membership",
    "surveys",
    "lifecycle",
    "dashboards",
    "demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole request
    "core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.UILanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Refuses an oversized body from its Content-Length before anything (CSRF, the next one) reads it.
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.UnreadableInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's user on the audit trail's entries written during the request (core.audit).
    "core.audit.middleware.AuditActorMiddleware",
    # request.user.is_verified(): did this session pass the two-factor code (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Enrolled users' sessions without the code are ended; TWO_FACTOR_REQUIRED_ROLES are sent to enrol.
    "accounts.middleware.TwoFactorMiddleware",
    # A staff session ends after SESSION_IDLE_MINUTES without a request.
    "accounts.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.DataConflictMiddleware",
    "axes.middleware.AxesMiddleware",  # last of ours, as django-axes requires
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "django.template.context_processors.i18n",
                "core.context_processors.calendar_warning",
                "core.context_processors.main_menu",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the embedded Celery worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# PostgreSQL's JIT compiles a query's expressions when its estimated cost is high: seconds spent on a
# dashboard's grouped query that runs in 100 ms (measured on the 1M bench). Off unless POSTGRES_JIT=1.
POSTGRES_OPTIONS = "" if env.bool("POSTGRES_JIT", default=False) else "-c jit=off"

# The read replica (core/replica.py): a streaming replica of DATABASE_URL. Dashboards, reports,
# exports and the metrics API read from it inside core.replica.reading_replica(); writes and every
# other read stay on the primary. Unset: everything reads the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
elif env.bool("TEST_REPLICA_MIRROR", default=False):
    # The tests (pyproject's pytest env): a "replica" alias that is a second connection to the test
    # database, so that the router's choices can be tested; READ_REPLICA_ALIAS stays None, and only
    # tests/core/test_replica.py turns it on.
    DATABASES["replica"] = copy.deepcopy(DATABASES["default"])
if "replica" in DATABASES:
    # Under test, the replica is the test database itself (a real streaming replica copies it).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
READ_REPLICA_ALIAS = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# DATABASE_POOLER=pgbouncer (transaction mode): no session state, so no startup options and no
# server-side cursors (crm/settings_pooling.py; README, "Connection pooling").
from crm.settings_pooling import database_pooling  # noqa: E402

DATABASE_POOLER = database_pooling(env, DATABASES, POSTGRES_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.StaffBackend"]
# Checked wherever a password is set: the admin's add-staff and set-password forms, the staff's own
# password page (accounts), createsuperuser and changepassword. Not like the username or name, not
# shorter than PASSWORD_MIN_LENGTH, not one of the 20,000 commonest, not all digits.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True


# Working hours for SLA deadlines in working time (core.workcalendar): ONE continuous window per
# working day, in TIME_ZONE local time; a lunch break is not modelled. Working days come from the
# Chinese statutory calendar (chinesecalendar package) and the admin's Calendar days overrides.
SLA_BUSINESS_HOURS = (
    clock_time(env, "SLA_BUSINESS_DAY_START", "09:00"),
    clock_time(env, "SLA_BUSINESS_DAY_END", "18:00"),
)
if SLA_BUSINESS_HOURS[0] >= SLA_BUSINESS_HOURS[1]:
    raise ImproperlyConfigured("SLA_BUSINESS_DAY_START must be earlier than SLA_BUSINESS_DAY_END.")
# Who enters next year's holiday schedule (admin → Calendar days) and is warned when one is missing,
# besides superusers: accounts.Role values, named here because the kernel knows no roles.
CALENDAR_MANAGER_ROLES = ("group_admin", "city_head")

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# --- Several machines: the shared file storage and the metrics endpoint (crm/settings_machines.py) ---
from crm.settings_machines import *  # noqa: E402,F403
from crm.settings_machines import DEFAULT_STORAGE  # noqa: E402

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEVELOPMENT
WHITENOISE_ROOT = BASE_DIR / "static" / "root"  # served at /: the favicon every browser asks for
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Request size -------------------------------------------------------------
# core.middleware.RequestSizeLimitMiddleware answers 413 from the Content-Length header, before any
# of the body is read: uploads (photos, signatures, Excel) up to MAX_REQUEST_BYTES, the pages open
# without a login (PUBLIC_PATH_PREFIXES) less. The nginx of docker-compose.yml has the same limits.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=25 * 1024 * 1024)
PUBLIC_MAX_REQUEST_BYTES = env.int("PUBLIC_MAX_REQUEST_BYTES", default=10 * 1024 * 1024)
PUBLIC_PATH_PREFIXES = (
    "/public/",
    "/handover/book/",
    "/s/",
    "/club/intent/",
    "/club/e/",
    "/club/r/",
    "/club/join/",
    "/club/unsubscribe/",
    "/four-year/",
)
# Form fields and JSON besides files: Django's own default (2.5 MB) is plenty.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# --- Email ----------------------------------------------------------------------
# EMAIL_URL names the server in one variable: smtp+tls://user:password@smtp.example.com:587
# (STARTTLS), smtp+ssl://…:465 (TLS from the first byte), consolemail://. Without it, EMAIL_HOST and
# its companions; without either, emails are printed to the console (EMAIL_BACKEND). Every email
# leaves through the outbox.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
else:
    EMAIL_HOST = env.str("EMAIL_HOST", default="")
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.smtp.EmailBackend"
        if EMAIL_HOST
        else "django.core.mail.backends.console.EmailBackend",
    )
    EMAIL_HOST = EMAIL_HOST or "localhost"
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds before an unanswering mail server counts as a failed attempt (Django's default waits forever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")

# --- HTTPS and the proxy in front -----------------------------------------------
# With DEBUG off: HTTPS only, HSTS for a year, secure cookies (each can be switched off for a
# plain-http trial); the laptop (DEBUG on or the demo) speaks plain http.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEVELOPMENT)
# The container's health check and Prometheus ask gunicorn over http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEVELOPMENT else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preload lets anyone submit the domain to the browsers' lists: the domain owner's decision.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEVELOPMENT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEVELOPMENT)
# Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto
# are believed (core.middleware.TrustedProxyMiddleware). Without any, REMOTE_ADDR is the client,
# whatever the headers say: rate limits, the login lockout and the access log all read REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network.") from None
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None

# --- Logging in: sessions, two-factor codes, API tokens, the login lockout --------------------
# In crm/settings_login.py, read from the same environment.
from crm.settings_login import *  # noqa: E402,F403

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Redis as the broker and the cache, and what happens when it is down: crm/settings_redis.py.
from crm.settings_redis import *  # noqa: E402,F403

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through LOGGING's handlers (and their personal-data masks), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each task's queue by class of work (crm/queues.py), served by workers of its own (docker-compose.yml).
from crm.queues import task_routes  # noqa: E402

CELERY_TASK_ROUTES = task_routes()
SLA_SWEEP_SECONDS = env.int("SLA_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        # Deadlines live in the database; this sweep is what makes them fire. It enqueues every clocked
        # thing's sweep (complaint SLAs, work orders, defect rectification deadlines: core.escalation.SWEEP_TASKS).
        "task": "core.tasks.sweep_deadlines",
        "schedule": SLA_SWEEP_SECONDS,
    },
    "drain-outbox": {
        # Messages are sent on commit; this catches what a lost task left, and the retries that are due.
        "task": "core.tasks.drain_outbox",
        "schedule": env.int("OUTBOX_BEAT_SECONDS", default=60),
    },
    "deliver-webhooks": {
        # Webhooks are delivered on commit; this picks up the retries that fall due and what a lost task left.
        "task": "core.tasks.deliver_webhooks",
        "schedule": env.int("WEBHOOK_BEAT_SECONDS", default=60),
    },
    "send-handover-reminders": {
        # Reminders to owners the day before their handover appointment.
        "task": "delivery.tasks.send_appointment_reminders",
        "schedule": env.int("HANDOVER_REMINDER_SWEEP_SECONDS", default=900),
    },
    "expire-stale-imports": {
        # Uploads never confirmed and jobs whose worker died: marked, and their files deleted.
        "task": "customers.tasks.expire_stale_imports",
        "schedule": 3600,
    },
    "expire-exports": {"task": "core.tasks.expire_exports", "schedule": 3600},  # core.exports
    "deactivate-departed-staff": {
        # The regulation: accounts closed within one working day of leaving.
        "task": "accounts.tasks.deactivate_departed_staff",
        "schedule": env.int("DEACTIVATION_SWEEP_SECONDS", default=3600),
    },
}

# --- Excel import and export --------------------------------------------------
# Exports (core.exports): up to EXPORT_INLINE_ROWS download at once, more run as a job (≤ EXPORT_MAX_ROWS).
EXPORT_INLINE_ROWS = env.int("EXPORT_INLINE_ROWS", default=2000)
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=200_000)
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)  # a finished export's file, then deleted
# An upload larger than this is refused before it is read; a workbook whose parts unpack to more
# than IMPORT_MAX_UNPACKED_BYTES (a zip bomb) before it is parsed; more data rows than
# IMPORT_MAX_ROWS stop the reading. A checked upload not confirmed within IMPORT_STALE_HOURS expires.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
IMPORT_STALE_HOURS = env.int("IMPORT_STALE_HOURS", default=24)

# --- Personal data -------------------------------------------------------------
# Reveals of clear phone / ID numbers per user ("count/period": s, m, h, d, e.g. "10/10m"); more than
# REVEAL_BURST_ALERT in its window notifies the user's supervisors and city heads, once per window.
REVEAL_RATE = env.str("REVEAL_RATE", default="30/h")
REVEAL_BURST_ALERT = env.str("REVEAL_BURST_ALERT", default="10/10m")

# --- The desks' own settings (complaints, messages, handover, surveys, the club) ---------------
# In crm/settings_desks.py, read from the same environment; beat's schedule gains their entries.
from crm.settings_desks import *  # noqa: E402,F403
from crm.settings_desks import DESK_BEAT_SCHEDULE  # noqa: E402

CELERY_BEAT_SCHEDULE.update(DESK_BEAT_SCHEDULE)

# django-ratelimit counts in this cache; it needs atomic increments shared by every web process, so
# production sets CACHE_URL=redis://… . The laptop default counts in the one process's memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
CACHES["default"] = cache_for_redis(CACHES["default"])  # noqa: F405 (crm/settings_redis.py)
RATELIMIT_USE_CACHE = "default"
# With the cache unreachable the counters cannot be read: the public forms stay open (fail open)
# rather than refuse everyone; the login lockout (django-axes) counts in the database and holds.
RATELIMIT_FAIL_OPEN = True
# Counted per client address as TrustedProxyMiddleware settled it (REMOTE_ADDR, or the proxy's word).
RATELIMIT_IP_META_KEY = "core.middleware.client_ip"
# E003/W001 flag caches not shared between processes or not in django-ratelimit's list; Django's own
# RedisCache increments atomically, and locmem is right for a single-process laptop run.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# check --deploy asks for HSTS preload; it is off on purpose (see SECURE_HSTS_PRELOAD).
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) serve PostgreSQL; SQLite builds them without the extra columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- Content Security Policy -------------------------------------------------------------------
# Every response gets this policy (django-csp's CSPMiddleware): scripts only from our own static
# files, so no inline <script> and no on*= handler anywhere (templates use data-* attributes that
# static/js/crm.js reads); no plugins, no <base>, never framed, forms post to us only. Uploaded
# files get a stricter one of their own (core.media.MEDIA_CSP). The Swagger UI adds one exception
# for its own page (crm.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Templates set data-driven widths and positions in style="" attributes (progress bars, the
        # pins on a floor plan), so attributes are allowed; <style> elements are not (style-src-elem).
        # A browser too old for the -elem/-attr split falls back to style-src, which allows both.
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        # data: Bootstrap's icons and the tablet's queued photos; blob: previews of chosen photos.
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- REST API ---------------------------------------------------------------
from crm.settings_api import *  # noqa: E402,F403

# Error reports by email (Django's AdminEmailHandler, DEBUG off): ADMINS="Ops <ops@example.com>,…".
# Their text and every log line pass core.logfilters' masks: no clear phone or ID number leaves (PIPL).
ADMINS = [parseaddr(address) for address in env.list("ADMINS", default=[])]
DEFAULT_EXCEPTION_REPORTER = "core.logfilters.PersonalDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.logfilters.PersonalDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_403_traceback": {"()": "core.logfilters.NoTracebackFor403"},
        "mask_personal_data": {"()": "core.logfilters.MaskPersonalData"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["no_403_traceback", "mask_personal_data"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "no_403_traceback", "mask_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Replaces Django's default "django" logger, whose handlers had no masks.
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
    },
}
