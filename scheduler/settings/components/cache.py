"""The cache: Redis through django-redis when REDIS_URL is set, local memory otherwise."""

from ..env import env_str

REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "scheduler")

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
