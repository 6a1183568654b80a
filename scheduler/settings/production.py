"""Production: secrets from the environment, persistent checked connections, HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_required, env_str

# Copies: the lists below are changed in place, and base's must stay as they are.
INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405

DJANGO_ENV = "production"
DEBUG = False
# Silk only when asked for, and then sampling 10% of requests unless told otherwise.
SILK_ENABLED = env_bool("SILK_ENABLED", False)
SILKY_INTERCEPT_PERCENT = env_int("SILK_SAMPLE_PERCENT", 10)
install_silk(INSTALLED_APPS, MIDDLEWARE, enabled=SILK_ENABLED)  # noqa: F405
SECRET_KEY = env_required("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    env_required("ALLOWED_HOSTS")

# Keep connections open across requests, and check them before reuse so a restarted
# PostgreSQL costs one reconnect instead of a failed request.
for database in DATABASES.values():  # noqa: F405
    database["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    database["CONN_HEALTH_CHECKS"] = True

# A cache in each process's memory cannot tell the other processes of a revoked token: without
# Redis, tokens are read from the database on every request.
if not REDIS_URL:  # noqa: F405
    TOKEN_CACHE_SECONDS = 0
# Who wrote a moment ago is remembered in the cache, and every app server must see it: in each
# process's own memory, another app server would send that person to the replica.
if DATABASE_REPLICA_URL and not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URL needs REDIS_URL in production: who wrote a moment ago is "
        "remembered in the cache, which every app server must share."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where people open the site: links in e-mails start with it. No default (the development one
# points at the server's own loopback); `check --deploy` fails without it (scheduler/checks.py).
SITE_URL = env_str("SITE_URL").rstrip("/")

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}
