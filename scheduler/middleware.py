"""Every response says what it cost: wall time, database queries and their time, cache hits and
misses, in a Server-Timing header and one structured log line."""

import json
import logging
import time
from contextlib import ExitStack

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from . import caching, perfstats
from .log_filters import hide_secrets

logger = logging.getLogger("scheduler.requests")


class _QueryTimer:
    """A connection.execute_wrapper that counts and times every statement."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class RequestCostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.slow_ms = settings.SLOW_REQUEST_MS
        self.query_budget = settings.REQUEST_QUERY_BUDGET

    def __call__(self, request):
        started = time.perf_counter()
        queries = _QueryTimer()
        elsewhere = {}  # the statements of each other database (a replica), also in `queries`
        tally, token = caching.start_request_tally()
        try:
            with ExitStack() as stack:
                for database in connections.all(initialized_only=False):
                    if database.alias != DEFAULT_DB_ALIAS:
                        elsewhere[database.alias] = _QueryTimer()
                        stack.enter_context(database.execute_wrapper(elsewhere[database.alias]))
                    stack.enter_context(database.execute_wrapper(queries))
                response = self.get_response(request)
        finally:
            caching.end_request_tally(token)
        total_ms = (time.perf_counter() - started) * 1000
        db_ms = queries.seconds * 1000
        where = "".join(f", {t.count} on {alias}" for alias, t in elsewhere.items() if t.count)
        timing = (
            f"total;dur={total_ms:.1f}, "
            f'db;dur={db_ms:.1f};desc="{queries.count} queries{where}", '
            f'cache;desc="{tally.hits} hits, {tally.misses} misses"'
        )
        # Entries an inner layer wrote (the debug toolbar's, in development) are kept after ours.
        if inner := response.get("Server-Timing"):
            timing = f"{timing}, {inner}"
        response["Server-Timing"] = timing
        endpoint = _endpoint(request)
        self._log(request, response, endpoint, total_ms, db_ms, queries.count, tally)
        if not request.path.startswith(settings.STATIC_URL_PATH):
            perfstats.record(endpoint, ms=total_ms, queries=queries.count)
        return response

    def _log(self, request, response, endpoint, total_ms, db_ms, count, tally) -> None:
        slow = total_ms > self.slow_ms
        over_budget = count > self.query_budget
        if not (slow or over_budget or logger.isEnabledFor(logging.INFO)):
            return
        line = {
            "method": request.method,
            "path": hide_secrets(request.path),
            "endpoint": endpoint,
            "status": response.status_code,
            "ms": round(total_ms, 1),
            "db_ms": round(db_ms, 1),
            "queries": count,
            "cache_hits": tally.hits,
            "cache_misses": tally.misses,
            "user": _user_id(request),
        }
        if slow or over_budget:
            line["warning"] = " and ".join(
                reason
                for reason, hit in (("slow", slow), ("over query budget", over_budget))
                if hit
            )
            logger.warning(json.dumps(line))
        else:
            logger.info(json.dumps(line))


def _user_id(request) -> int | None:
    """Who asked, if that can be known: the session's user is loaded from the database, which
    may be the very thing that is down."""
    try:
        return getattr(getattr(request, "user", None), "pk", None)
    except DatabaseError:
        return None


def _endpoint(request) -> str:
    match = getattr(request, "resolver_match", None)
    name = (match.view_name if match else None) or "unresolved"
    return f"{request.method} {name}"
