"""The cache: Redis through django-redis when REDIS_URL is set, local memory otherwise.

Two aliases on the same server: "default" holds what a release computes (cached answers,
their generations, figures), under a key prefix with the release in it, so that a deploy that
changes a JSON shape never serves the previous release's bytes; "counters" holds what must
outlive a deploy (throttles, hourly limits), or every release would hand out fresh allowances.
"""

import subprocess
from pathlib import Path

from ..env import env_str

REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "scheduler")


def _commit() -> str:
    """The checkout's commit, when the code runs from one (a release without .git sets
    RELEASE_ID)."""
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


def _cache(key_prefix: str) -> dict:
    if REDIS_URL:
        return {
            "BACKEND": "scheduler.cache_backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": key_prefix,
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
    # One store for both aliases (the same LOCATION), told apart by their prefixes.
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "scheduler",
        "KEY_PREFIX": key_prefix,
    }


if env_str("CACHE_BACKEND") == "dummy":  # benchmarks: every read misses
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "counters": _cache(CACHE_KEY_PREFIX),
    }
else:
    CACHES = {
        "default": _cache(f"{CACHE_KEY_PREFIX}:{RELEASE_ID}"),
        "counters": _cache(CACHE_KEY_PREFIX),
    }
