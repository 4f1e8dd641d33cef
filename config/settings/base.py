"""Settings shared by every environment.

The environment is read here and only here, through django-environ: each variable has a typed default that gives
the zero-setup configuration (SQLite, a file-system Celery broker), so `manage.py` works on a fresh checkout.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
# Local state of the zero-setup mode (SQLite file, broker queue, uploads) lives here, out of git.
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A developer's .env fills in what the shell did not set. The container image sets DJANGO_READ_DOT_ENV=false: there
# the environment comes from compose (env_file) or the orchestrator only, never from a file baked into the image.
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "units",
    "reforms",
    "tracker",
    "tracker.reminders",
    "tracker.stats",
    # Issue 12: co-units feed the lead unit's report.
    "tracker.contributions",
    # Issue 12: cities as participants (submissions, applications).
    "tracker.cities",
    # The audit trail: PostgreSQL triggers (django-pgtrigger) copy every write into event tables (django-pghistory).
    "pgtrigger",
    "pghistory",
    "audit",
]

MIDDLEWARE = [
    # First: the request id and the audit context cover everything after it, including the other middleware's logs,
    # and the X-Request-ID header lands on every response, the JSON errors below included.
    "audit.middleware.RequestContextMiddleware",
    # Under /api/ every error answers JSON, also Django's own pages (DEBUG's technical ones included).
    "core.errors.ApiErrorMiddleware",
    # Before the SSL redirect and the Host check: /health/ answers plain HTTP probes (see config/health.py).
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into our 429 page.
    "axes.middleware.AxesMiddleware",
]

# Trigger-based history: the triggers exist on PostgreSQL only (their migrations do nothing on SQLite, so the
# zero-setup mode runs without an audit trail). Installed by migrations, never at the end of migrate.
PGTRIGGER_INSTALL_ON_MIGRATE = False
PGHISTORY_INSTALL_CONTEXT_FUNC_ON_MIGRATE = False

ROOT_URLCONF = "config.urls"
# Reference data (cities, units, the first batch) for `loaddata cities units reforms`.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# DATABASE_URL selects PostgreSQL in production and in the test suite; SQLite is the zero-setup default.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses sign-ins for a locked-out user name from the same address before the password
    # is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a session's user with its roles in one query (issue 11).
    "core.authentication.ModelBackend",
    # Django's own, last: sessions signed in before issue 11 name it and stay signed in (it answers permissions
    # from the same per-user cache, so it costs no query).
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Per user name and address: a mistyped password elsewhere in the office does not lock a colleague out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "units.lockout.lockout_response"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first: the office and the units work in Simplified Chinese; English is offered second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded evidence lives outside the web root and is served only through permission-checked views.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Storage bounds of evidence files (each file is at most 20 MB, a report has at most 30): a unit cannot fill the
# disk the whole province shares. Exceeding either answers 400 with the limit.
ATTACHMENT_MAX_BYTES_PER_REPORT = env.int("ATTACHMENT_MAX_MB_PER_REPORT", default=200) * 1024 * 1024
ATTACHMENT_MAX_BYTES_PER_UNIT = env.int("ATTACHMENT_MAX_MB_PER_UNIT", default=5 * 1024) * 1024 * 1024
# Files without an attachment row (an upload whose transaction rolled back) are removed once older than this; an
# upload still in flight has its file written and its row not yet committed.
ATTACHMENT_ORPHAN_GRACE = timedelta(hours=env.int("ATTACHMENT_ORPHAN_GRACE_HOURS", default=2))

# The sign-in page for every role (units/views.py): the admin's own admits staff only, and read-only API consumers,
# who are not staff, open the dashboard too. Staff go on to the admin after signing in, everyone else here:
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "stats:dashboard"
# How long a set-your-password link e-mailed to a new account stays valid (it also stops working once used).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_LINK_DAYS", default=7) * 24 * 3600

REST_FRAMEWORK = {
    # One error path: every error is JSON {"code", "detail"} in the request's language (core/errors.py).
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.SessionAuthentication",
        "core.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    # Counted in the shared cache (Redis in production), answered with 429 and Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="30/minute"),
        "user": env.str("API_THROTTLE_USER", default="2000/hour"),
        "tracker-writes": env.str("API_THROTTLE_WRITES", default="300/hour"),
        "tracker-uploads": env.str("API_THROTTLE_UPLOADS", default="100/hour"),
        # POST /api/auth/token/, per client address: user name + password guesses.
        "auth-token": env.str("API_THROTTLE_TOKEN", default="10/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Rollout Tracker API",
    "DESCRIPTION": "山东自贸试验区制度创新成果复制推广跟踪服务 / Rollout Tracker for the Shandong Pilot FTZ.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.postprocess",
    ],
    # Swagger UI served from our own static files: the offices' networks may not reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models share field names such as `status` and `role`; naming each enum once keeps the schema stable.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "units.choices.UnitKind",
        "CategoryEnum": "reforms.choices.Category",
        "ScopeEnum": "reforms.choices.Scope",
        "ResponsibilityRoleEnum": "reforms.choices.ResponsibilityRole",
        "TargetStatusEnum": "reforms.choices.TargetStatus",
        "ReportStateEnum": "tracker.choices.ReportState",
        "CitySubmissionStateEnum": "tracker.cities.choices.SubmissionState",
        "CityStatusEnum": "tracker.cities.choices.CITY_STATUS_CHOICES",
        "CityApplicationStateEnum": "tracker.cities.choices.ApplicationState",
        "LeadOpinionEnum": "tracker.cities.choices.LeadOpinion",
    },
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's file-system transport, an embedded broker that needs no
# server and works across the web, worker and beat processes of the quickstart.
REDIS_URL = env.str("REDIS_URL", default="")
# "localhost" only names the file-system broker (kombu warns on every connection without a host name).
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # The worker checks the folder this often; a warm shutdown waits for the check in progress, and the
        # quickstart's process manager (honcho) kills whatever has not stopped 5 s after Ctrl-C.
        "polling_interval": 0.2,
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    for _folder in ("queue", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are acknowledged after they ran, and come back if their worker dies: every task is safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# config.health is no app: its heartbeat task is registered here.
CELERY_IMPORTS = ["config.health"]
if REDIS_URL:
    # Unacknowledged tasks come back after this; every countdown (reminder retries ≤ 10 min) stays below it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# /health/ reports the worker down when its last heartbeat is older than HEALTH_HEARTBEAT_MAX_AGE seconds.
HEALTH_HEARTBEAT_SECONDS = env.float("HEALTH_HEARTBEAT_SECONDS", default=30.0)
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=120)

# The one beat schedule of the service.
CELERY_BEAT_SCHEDULE = {
    # Reminder sweep: the day's first run sends the day's reminders; later runs take over claims whose 12-minute
    # lease expired (a lost task) and what was released. Days off are skipped by the sweep itself.
    "reminders-sweep": {"task": "reminders.sweep", "schedule": crontab(minute="*/15", hour="8-18")},
    # Statistics rollup: copies the reports written since the last run, so the API's figures are at most a minute
    # old (every answer says `as_of`). Safe to overlap: a second run finds the state row locked and skips.
    "stats-refresh": {"task": "stats.refresh", "schedule": 60.0, "options": {"expires": 55}},
    # Orphaned evidence files (uploads whose transaction rolled back) removed nightly, when nobody uploads; files
    # younger than ATTACHMENT_ORPHAN_GRACE are left to uploads in flight.
    "attachments-purge": {
        "task": "attachments.purge",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 3600},
    },
    # Worker heartbeat read by /health/: proves beat, the broker and a worker all move. Expires before the next one,
    # so a worker coming back after an outage runs one heartbeat, not a backlog.
    "health-heartbeat": {
        "task": "health.heartbeat",
        "schedule": HEALTH_HEARTBEAT_SECONDS,
        "options": {"expires": HEALTH_HEARTBEAT_SECONDS * 0.9},
    },
}

# Outgoing mail (reminders). The quickstart prints mail to the console instead (local.py).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rollout-tracker@localhost")
# The address people open from a reminder; set-your-password links use its scheme and host.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000/admin/")

# JSON lines unless DEBUG (config/settings/logging.py); production.py inherits this and needs no logging of its own.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = build_logging(fmt=env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json"), level=LOG_LEVEL)
# The worker logs through LOGGING too (JSON, with the task's request id), instead of replacing the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Redis in production (shared by every web process, so throttling counts are global); a file cache otherwise.
CACHES = {
    "default": (
        {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
    )
}
