"""Per-endpoint request figures in five-minute buckets, shared by every server process.

With Redis, one pipelined round trip per request (HINCRBY, HINCRBYFLOAT, ZADD GT, EXPIRE);
without it (the embedded default, one process), a dict in this process.
"""

import threading
import time
from collections import defaultdict

from django.core.cache import cache

BUCKET_SECONDS = 300
KEEP_SECONDS = 2 * 3600
_local: dict[int, dict] = defaultdict(lambda: {"sums": defaultdict(float), "max": {}})
_lock = threading.Lock()


def _redis():
    client = getattr(cache, "client", None)
    if client is None or getattr(cache, "breaker", None) is None or cache.breaker.is_open:
        return None
    return client


def _keys(bucket: int) -> tuple[str, str]:
    prefix = cache.make_key("perf")
    return f"{prefix}:{bucket}:sums", f"{prefix}:{bucket}:max"


FLUSH_SECONDS = 1.0
_pending: dict[str, float] = defaultdict(float)
_pending_max: dict[str, float] = {}
_last_flush = [time.monotonic()]


def record(endpoint: str, *, ms: float, queries: int) -> None:
    """Add one request's figures. With Redis they are gathered in this process and written at
    most once a second, in one pipelined round trip (so shown a second late at the most)."""
    with _lock:
        _pending[f"{endpoint}|n"] += 1
        _pending[f"{endpoint}|ms"] += ms
        _pending[f"{endpoint}|q"] += queries
        _pending_max[endpoint] = max(ms, _pending_max.get(endpoint, 0.0))
        due = time.monotonic() - _last_flush[0] >= FLUSH_SECONDS or _redis() is None
    if due:
        flush()


def flush() -> None:
    with _lock:
        sums, maxima = dict(_pending), dict(_pending_max)
        _pending.clear()
        _pending_max.clear()
        _last_flush[0] = time.monotonic()
    if sums:
        _write(int(time.time()) // BUCKET_SECONDS, sums, maxima)


def _write(bucket: int, sums: dict, maxima: dict) -> None:
    redis = _redis()
    if redis is None:
        with _lock:
            for old in [b for b in _local if b < bucket - KEEP_SECONDS // BUCKET_SECONDS]:
                del _local[old]  # bounded: two hours of buckets, like the Redis keys
            data = _local[bucket]
            for field, value in sums.items():
                data["sums"][field] += value
            for endpoint, ms in maxima.items():
                data["max"][endpoint] = max(ms, data["max"].get(endpoint, 0.0))
        return
    sums_key, max_key = _keys(bucket)
    try:
        pipe = redis.get_client(write=True).pipeline(transaction=False)
        for field, value in sums.items():
            if field.endswith("|ms"):
                pipe.hincrbyfloat(sums_key, field, round(value, 3))
            else:
                pipe.hincrby(sums_key, field, int(value))
        pipe.zadd(max_key, maxima, gt=True)
        pipe.expire(sums_key, KEEP_SECONDS)
        pipe.expire(max_key, KEEP_SECONDS)
        pipe.execute()
    except Exception as error:  # noqa: BLE001 - figures must never fail a request
        cache.breaker.trip(error)


def slowest(*, minutes: int = 60, limit: int = 10) -> list[dict]:
    """Endpoints of the last `minutes`, slowest on average first."""
    flush()
    now = int(time.time()) // BUCKET_SECONDS
    buckets = range(now - minutes * 60 // BUCKET_SECONDS + 1, now + 1)
    sums: dict[str, float] = defaultdict(float)
    maxima: dict[str, float] = {}
    for bucket_sums, bucket_max in _read(buckets):
        for field, value in bucket_sums.items():
            sums[field] += float(value)
        for endpoint, value in bucket_max.items():
            maxima[endpoint] = max(float(value), maxima.get(endpoint, 0.0))
    rows = []
    for endpoint in {field.rsplit("|", 1)[0] for field in sums}:
        count = sums[f"{endpoint}|n"]
        rows.append(
            {
                "endpoint": endpoint,
                "requests": int(count),
                "avg_ms": sums[f"{endpoint}|ms"] / count,
                "max_ms": maxima.get(endpoint, 0.0),
                "avg_queries": sums[f"{endpoint}|q"] / count,
            }
        )
    rows.sort(key=lambda row: row["avg_ms"], reverse=True)
    return rows[:limit]


def _read(buckets):
    redis = _redis()
    if redis is None:
        with _lock:
            return [
                (dict(_local[b]["sums"]), dict(_local[b]["max"])) for b in buckets if b in _local
            ]
    try:
        pipe = redis.get_client(write=False).pipeline(transaction=False)
        for bucket in buckets:
            sums, maxima = _keys(bucket)
            pipe.hgetall(sums)
            pipe.zrange(maxima, 0, -1, withscores=True)
        replies = pipe.execute()
    except Exception as error:  # noqa: BLE001 - the page shows what it can
        cache.breaker.trip(error)
        return []
    pairs = []
    for sums, maxima in zip(replies[0::2], replies[1::2], strict=True):
        pairs.append(
            (
                {k.decode(): v.decode() for k, v in sums.items()},
                {k.decode(): score for k, score in maxima},
            )
        )
    return pairs


def reset() -> None:
    """Forget everything (tests)."""
    with _lock:
        _local.clear()
        _pending.clear()
        _pending_max.clear()
    redis = _redis()
    if redis is not None:
        now = int(time.time()) // BUCKET_SECONDS
        keys = [key for b in range(now - 30, now + 1) for key in _keys(b)]
        redis.get_client(write=True).delete(*keys)
