"""Settings shared by every environment; what differs per machine comes from the environment."""

from pathlib import Path

from .components.cache import *  # noqa: F403
from .components.celery import *  # noqa: F403
from .components.database import *  # noqa: F403
from .components.drf import *  # noqa: F403
from .components.email import *  # noqa: F403
from .components.silk import *  # noqa: F403
from .components.webhooks import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-development-key-do-not-use-in-production")
DJANGO_ENV = "local"
DEBUG = env_bool("DEBUG", False)
SILK_ENABLED = env_bool("SILK_ENABLED", True)
BENCHMARK_VIEWS = env_bool("BENCHMARK_VIEWS", False)  # the load test's two floors
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "knox",  # API tokens: accounts.AuthToken, hashed, per client, expiring
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "scheduler",  # templatetags for the admin
    "accounts",
    "meetings",
    "notifications",
    "webhooks",
]

MIDDLEWARE = [
    *(["scheduler.middleware.RequestCostMiddleware"] if env_bool("REQUEST_COST", True) else []),
    "django.middleware.security.SecurityMiddleware",
    "scheduler.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's session logins and messages, skipped by a request that brings an API token
    # (scheduler.browser_middleware), as the message middleware below
    "scheduler.browser_middleware.AuthenticationMiddleware",
    "scheduler.db.replica.ReadYourWritesMiddleware",  # a writer reads the primary a while
    "scheduler.audit.AuditContextMiddleware",  # who writes, for the audit trail's triggers
    "scheduler.admin_middleware.AdminRequestMiddleware",  # the admin: staff's zone, no NUL
    "scheduler.browser_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "scheduler.urls"
WSGI_APPLICATION = "scheduler.wsgi.application"
ASGI_APPLICATION = "scheduler.asgi.application"

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
                "scheduler.context_processors.environment",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_URL_PATH = "/static/"
# A request slower than this, or with more queries, is logged as a warning.
SLOW_REQUEST_MS = env_int("SLOW_REQUEST_MS", 500)
REQUEST_QUERY_BUDGET = env_int("REQUEST_QUERY_BUDGET", 25)
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The largest valid request (500 meetings at their longest) must fit, with room to spare.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"hide_secrets": {"()": "scheduler.log_filters.HideSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["hide_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own handlers (a console for DEBUG, mail to ADMINS) would write lines that the
    # filters above never see: its records go to the root's handler like everyone else's.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
