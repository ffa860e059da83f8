"""One settings module, driven by environment variables (see README, "Settings").

Laptop defaults need no server: SQLite in var/, kombu's filesystem broker in var/.
Production values fail loudly: with DEBUG off, SECRET_KEY must be set.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Salt for the key that encrypts ID numbers at rest (django-fernet-encrypted-fields).
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["crm-field-encryption-dev-salt"] if DEBUG else [])
if not SALT_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_SALT must be set when DEBUG is off.")
# Key of the HMAC stored beside encrypted ID numbers so that exact search works.
PII_HASH_KEY = env.str("PII_HASH_KEY", default="") or SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_ratelimit",
    "crm",
    "accounts",
    "properties",
    "customers",
    "complaints",
    "delivery",
    "membership",
    "surveys",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.middleware.UILanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crm.middleware.UnreadableInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.middleware.DataConflictMiddleware",
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
                "crm.context_processors.calendar_warning",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.StaffBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True


def _clock_time(name: str, default: str) -> datetime.time:
    value = env.str(name, default=default)
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time of day such as 09:00, not {value!r}.") from None


# Working hours for SLA deadlines in working time (crm.workcalendar): ONE continuous window per
# working day, in TIME_ZONE local time; a lunch break is not modelled. Working days come from the
# Chinese statutory calendar (chinesecalendar package) and the admin's Calendar days overrides.
SLA_BUSINESS_HOURS = (
    _clock_time("SLA_BUSINESS_DAY_START", "09:00"),
    _clock_time("SLA_BUSINESS_DAY_END", "18:00"),
)
if SLA_BUSINESS_HOURS[0] >= SLA_BUSINESS_HOURS[1]:
    raise ImproperlyConfigured("SLA_BUSINESS_DAY_START must be earlier than SLA_BUSINESS_DAY_END.")

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-complaint-slas": {
        # Deadlines live in the database; this sweep is what makes them fire.
        "task": "complaints.tasks.sweep_sla",
        "schedule": env.int("SLA_SWEEP_SECONDS", default=60),
    },
    "email-sla-alerts": {
        # Catches alerts whose on-commit email task was lost (a broker restart, a killed worker).
        "task": "complaints.tasks.send_sla_alert_emails",
        "schedule": 300,
    },
    "sweep-defect-deadlines": {
        # Rectification deadlines of handover defects, on the same escalation machinery.
        "task": "delivery.tasks.sweep_defect_deadlines",
        "schedule": env.int("SLA_SWEEP_SECONDS", default=60),
    },
    "send-handover-reminders": {
        # Reminders to owners the day before their handover appointment.
        "task": "delivery.tasks.send_appointment_reminders",
        "schedule": env.int("HANDOVER_REMINDER_SWEEP_SECONDS", default=900),
    },
    "deactivate-departed-staff": {
        # The regulation: accounts closed within one working day of leaving.
        "task": "accounts.tasks.deactivate_departed_staff",
        "schedule": env.int("DEACTIVATION_SWEEP_SECONDS", default=3600),
    },
}

# --- Personal data -------------------------------------------------------------
# Reveals of clear phone / ID numbers per user ("count/period": s, m, h, d, e.g. "10/10m"); more than
# REVEAL_BURST_ALERT in its window notifies the user's supervisors and city heads, once per window.
REVEAL_RATE = env.str("REVEAL_RATE", default="30/h")
REVEAL_BURST_ALERT = env.str("REVEAL_BURST_ALERT", default="10/10m")

# --- Complaints --------------------------------------------------------------
# A group case (群诉) is proposed when N open complaints of one category come from one
# building or project within M days.
# The home dashboard's counts (units, sold units, customers by stage) are kept this long per scope.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
GROUP_CASE_MIN_COMPLAINTS = env.int("GROUP_CASE_MIN_COMPLAINTS", default=3)
GROUP_CASE_WINDOW_DAYS = env.int("GROUP_CASE_WINDOW_DAYS", default=7)
# Public complaint form: submissions per IP address (django-ratelimit syntax).
PUBLIC_COMPLAINT_RATE = env.str("PUBLIC_COMPLAINT_RATE", default="5/h")
PUBLIC_TRACK_RATE = env.str("PUBLIC_TRACK_RATE", default="20/h")

# One-time codes that let the public form attach a complaint to the phone's customer record.
PUBLIC_CODE_PHONE_RATE = env.str("PUBLIC_CODE_PHONE_RATE", default="3/h")
PUBLIC_CODE_IP_RATE = env.str("PUBLIC_CODE_IP_RATE", default="10/h")

# --- Text messages (SMS) ------------------------------------------------------
# A class with send(phone, text) (notifications.sms); the default writes them to SMS_FILE_PATH.
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.FileBackend")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms")

# --- Handover ----------------------------------------------------------------
# The owner's booking link (/handover/book/<token>/): page views and bookings per IP address.
HANDOVER_OWNER_VIEW_RATE = env.str("HANDOVER_OWNER_VIEW_RATE", default="60/h")
HANDOVER_OWNER_BOOK_RATE = env.str("HANDOVER_OWNER_BOOK_RATE", default="10/h")

# django-ratelimit counts in this cache; it needs atomic increments shared by every web process, so
# production sets CACHE_URL=redis://… . The laptop default counts in the one process's memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
RATELIMIT_USE_CACHE = "default"
# E003/W001 flag caches not shared between processes or not in django-ratelimit's list; Django's own
# RedisCache increments atomically, and locmem is right for a single-process laptop run.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) serve PostgreSQL; SQLite builds them without the extra columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "客户关系中心 CRM API",
    "DESCRIPTION": "REST API v1 of the customer relations centre: property, customers, households, contracts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` (and a department) with their own choices: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "customers.models.Contract.Status",
        "ComplaintStatusEnum": "complaints.models.Status",
        "WorkOrderStatusEnum": "complaints.models.WorkOrder.Status",
        "ImprovementItemStatusEnum": "complaints.models.ImprovementItem.Status",
        "GroupCaseStatusEnum": "complaints.models.GroupCase.Status",
        "DepartmentEnum": "accounts.models.Department",
        "ComplaintSeverityEnum": "complaints.models.Severity",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "DefectSeverityEnum": "delivery.models.DefectSeverity",
        "DefectStatusEnum": "delivery.models.Defect.Status",
        "RectificationOrderStatusEnum": "delivery.models.RectificationOrder.Status",
        "DefectPhotoStageEnum": "delivery.models.DefectPhoto.Stage",
        "DefectEventKindEnum": "delivery.models.DefectEvent.Kind",
        "RoomTypeEnum": "delivery.models.RoomType",
        "AppointmentChannelEnum": "delivery.models.Appointment.Channel",
        "AppointmentStatusEnum": "delivery.models.Appointment.Status",
        "HandoverBatchStatusEnum": "delivery.models.HandoverBatch.Status",
        "HandoverStatusEnum": "delivery.models.Handover.Status",
        "ReadinessItemStatusEnum": "delivery.models.ReadinessItem.Status",
        "ReadinessItemKindEnum": "delivery.models.ReadinessItem.Kind",
        "InspectionKindEnum": "delivery.models.Inspection.Kind",
        "InspectionStatusEnum": "delivery.models.Inspection.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
