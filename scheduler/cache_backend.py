"""django-redis with a circuit breaker: a Redis that is down or stalled costs one short timeout,
then is skipped for a few seconds, so that requests go on from the database at full speed.

Every cache user goes through it (our cached reads, DRF's throttles), with IGNORE_EXCEPTIONS on:
a failed cache call answers "not cached" instead of failing the request.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.client import Pipeline
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """Per process: after a failure, refuse calls for `pause` seconds, then try again."""

    def __init__(self, pause: float):
        self.pause = pause
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self, error: Exception) -> None:
        with self._lock:
            was_open = self.is_open
            self._open_until = time.monotonic() + self.pause
        if not was_open:
            logger.warning(
                "Cache unavailable (%s); serving from the database for %.0f s", error, self.pause
            )


_tried_anyway = threading.local()


@contextmanager
def tried_even_if_unavailable() -> Iterator[None]:
    """Cache calls made inside are tried even while this process's breaker is open.

    For invalidations: the breaker is per process, so another app server may be reading from
    Redis at that very moment, and a skipped invalidation would leave it serving stale data.
    """
    _tried_anyway.active = True
    try:
        yield
    finally:
        _tried_anyway.active = False


class _GuardedClient:
    def __init__(self, client: Any, breaker: CircuitBreaker):
        self._client = client
        self._breaker = breaker

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if self._breaker.is_open and not getattr(_tried_anyway, "active", False):
                raise ConnectionInterrupted(connection=None)
            try:
                return attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                self._breaker.trip(error)
                raise

        return guarded


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]):
        super().__init__(server, params)
        pause = params.get("OPTIONS", {}).get("CIRCUIT_BREAKER_PAUSE", 5.0)
        self.breaker = CircuitBreaker(pause)

    @property
    def client(self) -> Any:  # a stand-in for django-redis's client: any of its methods
        return _GuardedClient(super().client, self.breaker)

    def pipelined(
        self, commands: Callable[[Pipeline], object], *, write: bool = True
    ) -> list | None:
        """The replies of the commands that commands(pipe) queues, sent in one round trip (no
        Lua, no MULTI); None while Redis is unavailable. Keys go through make_key()."""
        if self.breaker.is_open and not getattr(_tried_anyway, "active", False):
            return None
        try:
            pipe = super().client.get_client(write=write).pipeline(transaction=False)
            commands(pipe)
            return pipe.execute()
        except (RedisError, OSError) as error:
            self.breaker.trip(error)
            return None

    def get_many_counting(self, keys: list[str], *, counter: str, n: int = 1) -> dict[str, Any]:
        """get_many(keys), and `n` added to the counter under key `counter`, in one round trip:
        what a cached read finds, and that it looked, at the price of the reading alone."""
        replies = self.pipelined(lambda pipe: self.queue_get_many_counting(pipe, keys, counter, n))
        if replies is None:  # unavailable: nothing is cached, as get_many() answers then
            return {}
        return self.decoded(keys, replies[0])

    def queue_get_many_counting(
        self, pipe: Pipeline, keys: list[str], counter: str, n: int
    ) -> None:
        """Queue get_many_counting()'s two commands on `pipe`: MGET, then INCRBY; decoded()
        reads the first reply."""
        pipe.mget([self.make_key(key) for key in keys])
        pipe.incrby(self.make_key(counter), n)

    def decoded(self, keys: list[str], values: list[bytes | None]) -> dict[str, Any]:
        """What MGET answered for `keys`, as get_many() gives it (absent keys left out)."""
        decode = super().client.decode
        return {
            key: decode(value) for key, value in zip(keys, values, strict=True) if value is not None
        }
