"""The test suite: fast hashing, in-memory mail, eager Celery, a cache namespace per run."""

import os
import uuid

from .base import *  # noqa: F403

DJANGO_ENV = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("TEST_EMAIL_FILE_PATH"):  # a worker process started by a test
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
RABBITMQ_TEST_URL = os.environ.get("RABBITMQ_URL", "")  # for the broker tests, if given

# Eager, whatever the environment, except in a worker process a test starts on purpose.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "1") == "1"

# Each run gets its own key space, so runs sharing one Redis never read each other's keys.
# A server process started by a test shares its key space through TEST_CACHE_KEY_PREFIX.
CACHES["default"]["KEY_PREFIX"] = os.environ.get(  # noqa: F405
    "TEST_CACHE_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}"
)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
