"""Settings shared by every environment.

The environment is read here and only here, through django-environ: each variable has a typed default that gives
the zero-setup configuration (SQLite, a file-system Celery broker), so `manage.py` works on a fresh checkout.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
# Local state of the zero-setup mode (SQLite file, broker queue, uploads) lives here, out of git.
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
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
]

MIDDLEWARE = [
    # Outermost: under /api/ every error answers JSON, also Django's own pages (DEBUG's technical ones included).
    "core.errors.ApiErrorMiddleware",
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

LOGIN_URL = "admin:login"

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
        "rest_framework.authentication.TokenAuthentication",
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
    },
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's file-system transport, an embedded broker that needs no
# server and works across the web, worker and beat processes of the quickstart.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
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
if REDIS_URL:
    # Unacknowledged tasks come back after this; every countdown (reminder retries ≤ 10 min) stays below it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# The one beat schedule of the service.
CELERY_BEAT_SCHEDULE = {
    # Reminder sweep: the day's first run sends the day's reminders; later runs take over claims whose 12-minute
    # lease expired (a lost task) and what was released. Days off are skipped by the sweep itself.
    "reminders-sweep": {"task": "reminders.sweep", "schedule": crontab(minute="*/15", hour="8-18")},
    # Statistics rollup: copies the reports written since the last run, so the API's figures are at most a minute
    # old (every answer says `as_of`). Safe to overlap: a second run finds the state row locked and skips.
    "stats-refresh": {"task": "tracker.stats.refresh", "schedule": 60.0, "options": {"expires": 55}},
}

# Outgoing mail (reminders). The quickstart prints mail to the console instead (local.py).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rollout-tracker@localhost")
# The address people open from a reminder.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000/admin/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Redis in production (shared by every web process, so throttling counts are global); a file cache otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
    )
}
