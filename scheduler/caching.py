"""Generation-checked cache entries and hit counters, shared by the apps' cache.py modules.

An entry remembers the generations it was computed under (one for everything, one for the
user). Invalidating bumps a generation to a new random token: nothing is scanned or deleted,
and an entry whose tokens no longer match is a miss. The tokens are read *before* the database,
so a slow reader that loses a race against a writer stores its stale result under the old
tokens, where nobody will ever take it for current.

Entries are kept per release (RELEASE_ID in their keys): a deploy that changes what an entry
holds (a JSON shape) never serves the previous release's. The generations are not: a write
made by a process of one release makes stale what processes of the other cached, while both
run during a rolling deploy.
"""

import logging
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from redis.client import Pipeline

from scheduler.cache_backend import ResilientRedisCache, tried_even_if_unavailable

logger = logging.getLogger(__name__)

GLOBAL_GENERATION_KEY = "gen:all"
STATS_PREFIX = "cachestats"
COUNTERS = ("lookup", "miss")

Part = TypeVar("Part", bound=Hashable)  # what tells a user's entries apart (a month, ...)
Value = TypeVar("Value")
Body = TypeVar("Body")  # what an entry holds: the bytes of an answer, or plain data with them


def release_key(key: str) -> str:
    return f"r{settings.RELEASE_ID}:{key}"


def generation_key(user_id: int) -> str:
    return f"gen:u{user_id}"


def new_token() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class Computed(Generic[Body]):
    body: Body
    timeout: int | None  # seconds; None keeps the family's default


def entry_keys(*, user_id: int, key: str) -> list[str]:
    """What reading the entry under `key` reads: the generations, then the entry."""
    return [GLOBAL_GENERATION_KEY, generation_key(user_id), release_key(key)]


def cached_for_user(
    *,
    family: str,
    user_id: int,
    key: str,
    timeout: int,
    compute: Callable[[], Computed[Body]],
    may_store: Callable[[], bool] = lambda: True,
) -> Body:
    """The body under `key` if computed under the current generations, else compute() it.

    may_store() is False while this thread's transaction holds uncommitted writes: the cache
    then neither answers (it cannot know them) nor keeps what is read (a rollback would take it
    back).
    """
    if not may_store():
        return compute().body
    keys = entry_keys(user_id=user_id, key=key)
    _, user_key, key = keys
    found = _looked_up(family, keys)
    generations = (
        found.get(GLOBAL_GENERATION_KEY) or _start_generation(GLOBAL_GENERATION_KEY),
        found.get(user_key) or _start_generation(user_key),
    )
    entry = found.get(key)
    if entry is not None and entry.get("generations") == generations:
        _tally(hits=1)
        return entry["body"]
    _missed(family)
    computed = compute()
    ttl = timeout if computed.timeout is None else min(timeout, computed.timeout)
    if ttl > 0:
        cache.set(key, {"generations": generations, "body": computed.body}, ttl)
    return computed.body


def cached_for_users(
    *,
    family: str,
    keys: Mapping[tuple[int, Part], str],
    timeout: int,
    compute: Callable[[set[tuple[int, Part]]], dict[tuple[int, Part], Value]],
    may_store: Callable[[], bool] = lambda: True,
) -> dict[tuple[int, Part], Value]:
    """cached_for_user() for many entries of many users at once: `keys` maps (user id, any
    part) to a cache key. One round trip reads every generation and entry; compute() gets the set
    of (user id, part) that missed and returns their values, computed together (one query),
    which one more round trip stores."""
    if not may_store():
        return compute(set(keys))
    keys = {wanted: release_key(key) for wanted, key in keys.items()}
    user_ids = {user_id for user_id, _ in keys}
    found = _looked_up(
        family,
        [GLOBAL_GENERATION_KEY, *(generation_key(u) for u in user_ids), *keys.values()],
        n=len(keys),
    )
    everything = found.get(GLOBAL_GENERATION_KEY) or _start_generation(GLOBAL_GENERATION_KEY)
    generations = {
        user_id: (everything, found.get(generation_key(user_id)) or _start_generation(
            generation_key(user_id)))
        for user_id in user_ids
    }  # fmt: skip
    values: dict[tuple[int, Part], Value] = {}
    missing: set[tuple[int, Part]] = set()
    for (user_id, part), key in keys.items():
        entry = found.get(key)
        if entry is not None and entry.get("generations") == generations[user_id]:
            values[(user_id, part)] = entry["body"]
        else:
            missing.add((user_id, part))
    _tally(hits=len(values))
    _missed(family, n=len(missing))
    if missing:
        computed = compute(missing)
        stored = {
            keys[wanted]: {"generations": generations[wanted[0]], "body": computed[wanted]}
            for wanted in missing
        }
        cache.set_many(stored, timeout)
        values.update(computed)
    return values


def _start_generation(key: str) -> str:
    # First use, or evicted: any entry made under an older token becomes unreachable.
    token = new_token()
    if cache.add(key, token, None):
        return token
    return cache.get(key) or token


def bump_users(user_ids: Iterable[int]) -> None:
    """Every cached entry of these users is stale from now on: one round trip for all."""
    tokens = {generation_key(user_id): new_token() for user_id in set(user_ids)}
    if tokens:
        with tried_even_if_unavailable():
            cache.set_many(tokens, None)


def bump_everything() -> None:
    with tried_even_if_unavailable():
        cache.set(GLOBAL_GENERATION_KEY, new_token(), None)


# -- hit rates ------------------------------------------------------------------------------


_families: dict[str, None] = {}  # insertion-ordered set


def register_families(*families: str) -> None:
    """Name the key families whose hit rates the metrics show: each app registers its own
    (meetings in its AppConfig.ready()), so the kernel shows them without importing any app."""
    _families.update(dict.fromkeys(families))


def registered_families() -> tuple[str, ...]:
    return tuple(_families)


def _counter_key(family: str, outcome: str) -> str:
    return f"{STATS_PREFIX}:{family}:{outcome}"


@dataclass
class RequestTally:
    hits: int = 0
    misses: int = 0


_request_tally: ContextVar[RequestTally | None] = ContextVar("request_tally", default=None)


def start_request_tally() -> tuple[RequestTally, Token[RequestTally | None]]:
    tally = RequestTally()
    return tally, _request_tally.set(tally)


def end_request_tally(token: Token[RequestTally | None]) -> None:
    _request_tally.reset(token)


def _tally(*, hits: int = 0, misses: int = 0) -> None:
    tally = _request_tally.get()
    if tally is not None:
        tally.hits += hits
        tally.misses += misses


# What the shared counters hold: lookups and misses; hits are the difference. A lookup is
# counted in the round trip that reads the entry (on Redis), so a hit costs no write of its own.


def _looked_up(family: str, keys: list[str], *, n: int = 1) -> dict:
    """cache.get_many(keys), counting `n` lookups of the family."""
    ahead = _read_ahead.get()
    if ahead is not None and ahead.answers(family, keys):
        ahead.consumed = True
        return ahead.found or {}
    counting = getattr(cache, "get_many_counting", None)
    if counting is not None:
        return counting(keys, counter=_counter_key(family, "lookup"), n=n)
    found = cache.get_many(keys)
    _add(_counter_key(family, "lookup"), n)
    return found


def _missed(family: str, *, n: int = 1) -> None:
    if n:
        _tally(misses=n)
        _add(_counter_key(family, "miss"), n)


def _add(key: str, n: int) -> None:
    try:
        cache.incr(key, n)
    except ValueError:  # the first of its kind (or evicted)
        if not cache.add(key, n, None):
            cache.incr(key, n)


# -- reading ahead -----------------------------------------------------------------------------
# A request that knows which entry it will read once it is let through can have the entry read
# in the round trip that lets it through (the throttle's): a warm read then costs one round
# trip fewer.


@dataclass
class ReadAhead:
    family: str
    keys: list[str]  # entry_keys() of the entry
    found: dict | None = None  # what the round trip brought; None until one carried it
    consumed: bool = False

    def answers(self, family: str, keys: list[str]) -> bool:
        """Whether this holds, unused yet, what reading `keys` of `family` would find."""
        if self.found is None or self.consumed:
            return False
        return family == self.family and keys == self.keys


_read_ahead: ContextVar[ReadAhead | None] = ContextVar("read_ahead", default=None)


def read_ahead(*, family: str, user_id: int, key: str) -> ReadAhead:
    return ReadAhead(family, entry_keys(user_id=user_id, key=key))


def start_read_ahead(ahead: ReadAhead) -> Token[ReadAhead | None]:
    """The next pipelined() call of this request carries the reading of `ahead` (and counts it
    as a lookup); the cached read it names then makes no round trip of its own."""
    return _read_ahead.set(ahead)


def end_read_ahead(token: Token[ReadAhead | None]) -> None:
    """At the end of the request: a lookup counted ahead for a read that never came (the
    request was throttled, or its transaction held writes) is taken back."""
    ahead = _read_ahead.get()
    _read_ahead.reset(token)
    if ahead is not None and ahead.found is not None and not ahead.consumed:
        _add(_counter_key(ahead.family, "lookup"), -1)


def pipelined(commands: Callable[[Pipeline], object]) -> list | None:
    """cache.pipelined(commands), carrying the request's read ahead if it is still to be read.
    Only for a cache that has pipelines (Redis)."""
    redis = cast(ResilientRedisCache, cache)
    ahead = _read_ahead.get()
    if ahead is None or ahead.found is not None:
        return redis.pipelined(commands)
    counter = _counter_key(ahead.family, "lookup")

    def carrying(pipe: Pipeline) -> None:
        commands(pipe)
        redis.queue_get_many_counting(pipe, ahead.keys, counter, 1)

    replies = redis.pipelined(carrying)
    if replies is None:
        return None
    ahead.found = redis.decoded(ahead.keys, replies[-2])
    return replies[:-2]


def count(family: str, *, hit: bool, n: int = 1) -> None:
    """Count `n` lookups of the family that found their entry (hit) or did not."""
    if n == 0:
        return
    _add(_counter_key(family, "lookup"), n)
    if hit:
        _tally(hits=n)
    else:
        _missed(family, n=n)


def hit_rates(families: Iterable[str] | None = None) -> dict[str, dict]:
    """{family: {hits, misses, hit_rate}} summed over every process that shares the cache; of
    every registered family unless `families` names some."""
    families = list(registered_families() if families is None else families)
    keys = [_counter_key(f, counter) for f in families for counter in COUNTERS]
    found = cache.get_many(keys)
    rates = {}
    for family in families:
        lookups = int(found.get(_counter_key(family, "lookup"), 0))
        misses = int(found.get(_counter_key(family, "miss"), 0))
        hits = max(lookups - misses, 0)  # a miss is counted a moment after its lookup
        rates[family] = {
            "hits": hits,
            "misses": misses,
            "hit_rate": round(hits / (hits + misses), 4) if hits + misses else None,
        }
    return rates


def reset_hit_rates(families: Iterable[str]) -> None:
    cache.delete_many([_counter_key(f, counter) for f in families for counter in COUNTERS])
