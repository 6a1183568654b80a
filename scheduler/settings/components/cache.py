"""The cache: Redis through django-redis when REDIS_URL is set, local memory otherwise.

RELEASE_ID names the code that runs: cached entries are kept per release (scheduler.caching),
so that a deploy that changes a JSON shape never serves the previous release's bytes.
Throttles, hourly limits and the generations that invalidate entries are not: they hold across
a deploy, and across the two releases that run side by side during a rolling one.
"""

import subprocess
from pathlib import Path

from ..env import env_str

REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "scheduler")


def _commit() -> str:
    """The checkout's commit, when the code runs from one that git may read (a release built
    without .git, or run by another user than the checkout's owner, sets RELEASE_ID)."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607 - git from the PATH
            cwd=Path(__file__).resolve().parents[3],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


RELEASE_ID = env_str("RELEASE_ID") or _commit() or "unreleased"

if env_str("CACHE_BACKEND") == "dummy":  # benchmarks: every read misses
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "scheduler.cache_backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A stalled Redis must not stall requests: give up quickly, without retries,
                # answer "not cached", and leave Redis alone for a few seconds.
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "CONNECTION_POOL_KWARGS": {"retry": None},
                "IGNORE_EXCEPTIONS": True,
                "CIRCUIT_BREAKER_PAUSE": 5.0,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "scheduler",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
