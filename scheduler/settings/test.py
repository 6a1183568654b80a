"""The test suite: fast hashing, in-memory mail, eager Celery, a cache namespace per run."""

import os
import uuid

from .base import *  # noqa: F403

# Copies: the lists below are changed in place, and base's must stay as they are.
INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405

DJANGO_ENV = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("TEST_EMAIL_FILE_PATH"):  # a worker process started by a test
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
# Tests post webhooks to receivers of their own over http; the address checks stay on (tests
# that need 127.0.0.1 add it to WEBHOOK_ALLOWED_HOSTS).
WEBHOOK_ALLOW_HTTP = True
RABBITMQ_TEST_URL = os.environ.get("RABBITMQ_URL", "")  # for the broker tests, if given

# Silk's tables exist; its middleware is switched on by the tests about Silk only, since it
# adds queries of its own to every request.
INSTALLED_APPS += ["silk", "zeal"]  # noqa: F405
MIDDLEWARE.append("zeal.middleware.zeal_middleware")  # noqa: F405
SILK_ENABLED = False
ZEAL_RAISE = True
# Every request loads its user by id (sessions) and admin forms look up each chosen user:
# single gets that zeal, which attributes them all to the calling test line, would count twice.
ZEAL_ALLOWLIST = [
    {"model": "accounts.User", "field": "get()"},
    # A request loads its session by key; logging out and changing one's password delete it,
    # which gets it again: zeal puts both on the same middleware line and calls it an N+1.
    {"model": "sessions.Session", "field": "get()"},
    {"model": "silk.*", "field": "*"},  # Silk's own pages are not ours to fix
]

# Eager, whatever the environment, except in a worker process a test starts on purpose.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "1") == "1"

# Each run gets its own key space, so runs sharing one Redis never read each other's keys.
# A server process started by a test shares its key space through TEST_CACHE_KEY_PREFIX.
CACHES["default"]["KEY_PREFIX"] = os.environ.get(  # noqa: F405
    "TEST_CACHE_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}"
)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
