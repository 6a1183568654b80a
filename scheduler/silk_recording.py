"""Silk's middleware, only for the requests it records, with what it stores scrubbed of
credentials before it is written.

The sampling is decided first (SILKY_INTERCEPT_FUNC): a request that is not sampled goes
straight to the next middleware, and none of Silk runs for it, its SQL included (see
install_sql_gate). At 1% sampling Silk cost a quarter of the throughput before
(docs/performance.md).

Silk writes its Request row as the request comes in, its Response row and the request's SQL
as the response goes out. Receivers of pre_save scrub the two rows (the Request's first write
included); the SQL, which Silk bulk-creates without signals, is scrubbed before Silk sees the
response. Both know the secrets of the request being recorded (scheduler.silk_scrub).

Installed by scheduler.settings.components.silk.install_silk; importing this module needs the
app registry, so the settings name it by its path (scheduler.silk.SILK_MIDDLEWARE).
"""

import logging
import threading

from django.db.models.signals import pre_save
from django.db.models.sql.compiler import SQLCompiler
from django.dispatch import receiver
from silk import sql as silk_sql
from silk.collector import DataCollector
from silk.config import SilkyConfig
from silk.middleware import SilkyMiddleware
from silk.models import Request, Response

from . import silk_scrub

logger = logging.getLogger(__name__)


class _Recorded(threading.local):
    """The request this thread is recording, and the secrets found in it (and its response)."""

    def __init__(self):
        self.start(None)

    def start(self, request) -> None:
        self.request, self.response, self._secrets = request, None, None

    def finish(self, response) -> None:
        self.response, self._secrets = response, None

    def secrets(self) -> set[str]:
        if self._secrets is None:
            self._secrets = set()
            if self.request is not None:
                self._secrets |= silk_scrub.request_secrets(self.request)
            if self.response is not None:
                self._secrets |= silk_scrub.response_secrets(self.response)
        return self._secrets


_recorded = _Recorded()


class RecordingMiddleware(SilkyMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        install_sql_gate()

    def __call__(self, request):
        # Silk asks the same function again (scheduler.silk.should_record keeps its draw on
        # the request); without one, Silk samples by its percentage as it always did.
        intercept = SilkyConfig().SILKY_INTERCEPT_FUNC
        if intercept is not None and not intercept(request):
            return self.get_response(request)
        return super().__call__(request)

    def process_request(self, request):
        _recorded.start(request)
        return super().process_request(request)

    def process_response(self, request, response):
        try:
            if getattr(request, "silk_is_intercepted", False):
                _recorded.finish(response)
                _scrub_queries(DataCollector().queries)
            return super().process_response(request, response)
        finally:
            _recorded.start(None)
            # Silk clears its collector when the next request comes in, not after this one:
            # until then, any SQL this thread ran outside a request (a test, an eager task)
            # would be recorded, and EXPLAINed, as this request's.
            DataCollector().clear()


def install_sql_gate() -> None:
    """Silk's SQL hook behind a test of whether this thread is recording a request.

    Silk replaces SQLCompiler.execute_sql for good with the first request it records, and
    from then on compiles every query of every thread and formats its parameters into the
    text before asking whether a request is being recorded. Here the question comes first,
    and Silk's collector answers it per thread: a request recorded in one of gunicorn's
    threads leaves the queries of the others to Django alone. Installed once, before Silk's:
    Silk installs its hook only where SQLCompiler has no _execute_sql.
    """
    if SQLCompiler.execute_sql is _gated_execute_sql:
        return
    # Django's own, or Silk's original when Silk's own middleware has hooked in already.
    SQLCompiler._execute_sql = getattr(SQLCompiler, "_execute_sql", SQLCompiler.execute_sql)
    SQLCompiler.execute_sql = _gated_execute_sql


def _gated_execute_sql(self, *args, **kwargs):
    if DataCollector().request is None:  # this thread records no request
        return self._execute_sql(*args, **kwargs)
    return silk_sql.execute_sql(self, *args, **kwargs)


def _scrub_queries(queries: dict) -> None:
    for identifier, query in list(queries.items()):
        try:
            silk_scrub.scrub_query(query, _recorded.secrets())
        except Exception:  # a statement that cannot be scrubbed is not kept
            logger.exception("Silk: could not scrub an SQL statement; it is left out")
            del queries[identifier]


@receiver(pre_save, sender=Request, dispatch_uid="scheduler.silk_recording.request")
def scrub_request(sender, instance, update_fields=None, **kwargs):
    # Silk saves update_fields=["num_sql_queries"] once per SQL statement: nothing to scrub.
    if update_fields is None or set(silk_scrub.TEXT_FIELDS) & set(update_fields):
        _scrub(silk_scrub.scrub_request_record, instance)


@receiver(pre_save, sender=Response, dispatch_uid="scheduler.silk_recording.response")
def scrub_response(sender, instance, **kwargs):
    _scrub(silk_scrub.scrub_response_record, instance)


def _scrub(scrub, record) -> None:
    try:
        scrub(record, _recorded.secrets())
    except RecursionError:  # JSON nested too deeply to read (the API answered 400): no traceback
        logger.warning("Silk: a body too deeply nested to scrub; its text is left out")
        silk_scrub.blank_record(record)
    except Exception:  # fail closed: keep the timings, none of the text
        logger.exception("Silk: could not scrub a %s; its text is left out", type(record).__name__)
        silk_scrub.blank_record(record)
