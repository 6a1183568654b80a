"""Reads that tolerate a little lag go to the streaming replica (DATABASE_REPLICA_URL).

Which reads: the admin's lists of meeting data (`replica_reads`, on every changelist), the
heaviest pages staff open, where a row a second old does no harm. Not the API's: its answers
are cached per user, and a cache filled from a replica that has not yet replayed a write would
keep the stale answer after the write's invalidation. Not identity (users, sessions, tokens):
a login must work on the next request, whatever the lag. Only the apps in REPLICA_APPS.

Three rules keep that from showing anyone their own stale data:
- read-your-writes: a person who sent a write (POST, PUT, PATCH, DELETE) reads from the
  primary for READ_YOUR_WRITES_SECONDS after it, on every app server (the pin is in Redis;
  with Redis unavailable, everyone reads from the primary);
- a replica further behind than REPLICA_MAX_LAG_SECONDS, or that does not answer, is skipped;
  each process measures it at most every REPLICA_CHECK_SECONDS (the settings hold the window
  to at least these two together), and after a failed look waits FAILED_CHECK_BACKOFF
  intervals, so that a replica that is down stalls few requests;
- a read that fails on the replica (it went down meanwhile) is run again on the primary.
"""

import functools
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connections

from scheduler.cache_backend import ResilientRedisCache

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
REPLICA_APPS = frozenset({"meetings", "notifications", "webhooks"})
READ_FROM_HEADER = "X-Read-From"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _Scope:
    """One replica_reads() run: who reads, and where its reads go, decided at the first read
    of meeting data and kept (one request's reads come from one copy)."""

    def __init__(self, reader: Callable[[], int | None] | None):
        self.reader = reader
        self.database: str | None = None if reader else PRIMARY

    def database_for_reads(self) -> str:
        if self.database is None:
            self.database = PRIMARY
            if replica_usable():
                user_id = self.reader()
                if user_id is None or not pinned_to_primary(user_id):
                    self.database = REPLICA
        return self.database


_scope: ContextVar[_Scope | None] = ContextVar("replica_scope", default=None)

# Seconds behind the primary: 0 when everything received is replayed, else how old the last
# replayed transaction is. NULL (not to be used) from a primary (a promoted replica), and from
# a replica that is not streaming: having replayed all it received, it would claim no lag
# however far the primary has moved on.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN NOT EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""


class _Health:
    """What this process last saw of the replica (each process looks for itself)."""

    checked_at = -math.inf
    usable = False
    lag: float | None = None


_health = _Health()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _measure_lag() -> float | None:
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except (DatabaseError, InterfaceError) as error:
        logger.warning("Replica unavailable, reading from the primary: %s", error)
        _close_replica()
        return None
    return None if lag is None else float(lag)


def _close_replica() -> None:
    connections[REPLICA].close()


FAILED_CHECK_BACKOFF = 3  # check intervals to wait after the replica did not answer
CANCELED_BY_TIMEOUT = "57014"  # the statement timeout: the primary would take as long


def replica_usable() -> bool:
    now = time.monotonic()
    interval = settings.REPLICA_CHECK_SECONDS
    if _health.lag is None and _health.checked_at > -math.inf:
        interval *= FAILED_CHECK_BACKOFF
    if now - _health.checked_at >= interval:
        _health.checked_at = now  # a request arriving meanwhile does not look again
        _health.lag = _measure_lag()
        usable = _health.lag is not None and _health.lag <= settings.REPLICA_MAX_LAG_SECONDS
        if _health.usable and not usable and _health.lag is not None:
            logger.warning("Replica %.1f s behind: reading from the primary", _health.lag)
        _health.usable, _health.checked_at = usable, time.monotonic()
    return _health.usable


def replica_skip_until_next_check() -> None:
    _health.usable, _health.lag, _health.checked_at = False, None, time.monotonic()


def _replica_failed(error: Exception) -> bool:
    """Whether `error` came from the replica's connection, and reading again elsewhere can help
    (not the statement timeout: the same list would take as long on the primary)."""
    if getattr(error.__cause__, "pgcode", None) == CANCELED_BY_TIMEOUT:
        return False
    return connections[REPLICA].errors_occurred


def _pin_key(user_id: int) -> str:
    return f"primary-pin:{user_id}"


def pin_to_primary(user_id: int) -> None:
    """`user_id` reads from the primary for READ_YOUR_WRITES_SECONDS, on every app server."""
    milliseconds = int(settings.READ_YOUR_WRITES_SECONDS * 1000)
    if isinstance(cache, ResilientRedisCache):
        cache.pipelined(
            lambda pipe: pipe.set(cache.make_key(_pin_key(user_id)), 1, px=milliseconds)
        )
    else:
        cache.set(_pin_key(user_id), 1, milliseconds / 1000)


def pinned_to_primary(user_id: int) -> bool:
    """Whether `user_id` wrote within the window; True when that cannot be known."""
    if isinstance(cache, ResilientRedisCache):
        replies = cache.pipelined(
            lambda pipe: pipe.exists(cache.make_key(_pin_key(user_id))), write=False
        )
        return replies is None or bool(replies[0])
    return cache.get(_pin_key(user_id)) is not None


def _request_user_id(request) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class ReadYourWritesMiddleware:
    """Pins whoever sends a write to the primary, before it runs (a read racing it from another
    tab must not see the replica's older copy) and again after (the window runs from commit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in UNSAFE_METHODS or not replica_configured():
            return self.get_response(request)
        if user_id := _request_user_id(request):
            pin_to_primary(user_id)
        response = self.get_response(request)
        if user_id := _request_user_id(request):  # the API authenticates in the view
            pin_to_primary(user_id)
        return response


@contextmanager
def _reading(scope: _Scope) -> Iterator[_Scope]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def reading_from_replica(reader: Callable[[], int | None]):
    """Within the block, reads of meeting data may come from the replica, unless the person
    `reader()` names wrote a moment ago."""
    return _reading(_Scope(reader))


def reading_from_primary():
    return _reading(_Scope(None))


def replica_reads(view):
    """For a view whose GET may read from the replica: rendered inside the scope, and run again
    on the primary if the replica fails under it."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return view(request, *args, **kwargs)
        scope = _Scope(lambda: _request_user_id(request))
        try:
            with _reading(scope):
                return _told(_rendered(view(request, *args, **kwargs)), scope)
        except (OperationalError, InterfaceError) as error:
            if scope.database != REPLICA or not _replica_failed(error):
                raise
            logger.warning(
                "Replica failed under %s; read again from the primary: %s", request.path, error
            )
            _close_replica()
            replica_skip_until_next_check()
            with reading_from_primary() as primary:
                return _told(_rendered(view(request, *args, **kwargs)), primary)

    return wrapped


def _told(response, scope: _Scope):
    """Says where the answer was read (staff's pages only: the deployment's checks read it)."""
    response[READ_FROM_HEADER] = "replica" if scope.database == REPLICA else "primary"
    return response


def _rendered(response):
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()  # the admin's lists run their queries while rendering
    return response


class ReplicaChangelistMixin:
    """For a ModelAdmin: its list may be read from the replica."""

    def changelist_view(self, request, extra_context=None):
        return replica_reads(super().changelist_view)(request, extra_context)


class ReplicaRouter:
    """Sends a read to the replica inside replica_reads() when the reader may see it."""

    def db_for_read(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is None or model._meta.app_label not in REPLICA_APPS:
            return PRIMARY
        return scope.database_for_reads()

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY
