"""Who is changing data, and from where, told to the database so that its triggers can write
it into the audit trail of every change, whatever wrote it (the ORM, a bulk update, raw SQL,
COPY).

Python code says who acts with `acting(...)`: the middleware for a request (the user is read
when the write happens, after DRF has authenticated), a Celery signal for a task. The database
reads it back:
- SQLite calls three functions registered on each connection, which read the context variable.
- PostgreSQL reads three transaction-local settings. A write to an audited table is sent with
  `SELECT set_config(...)` in front of it, in the same round trip: it costs no statement of its
  own, and being local to the transaction it suits PgBouncer's transaction pooling.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from celery.signals import task_postrun, task_prerun
from django.db.backends.signals import connection_created


@dataclass(frozen=True)
class Actor:
    id: int | None
    label: str
    source: str  # api, admin, task, system


SYSTEM = Actor(id=None, label="", source="system")

_current: ContextVar[Callable[[], Actor] | None] = ContextVar("audit_actor", default=None)

# The tables whose triggers read the actor; other writes are sent as they are.
AUDITED_TABLES = ("meetings_meeting", "meetings_participant")
_CONTEXT_PREFIX = re.compile(r"^SELECT set_config\('scheduler\.actor_id'.*?, true\); ", re.DOTALL)
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|WITH|COPY)\b", re.IGNORECASE)


def current_actor() -> Actor:
    resolve = _current.get()
    return resolve() if resolve else SYSTEM


@contextmanager
def acting(resolve: Callable[[], Actor]) -> Iterator[None]:
    """Within the block, writes are recorded as made by `resolve()` (called at each write)."""
    token = _current.set(resolve)
    try:
        yield
    finally:
        _current.reset(token)


def acting_as(actor: Actor):
    return acting(lambda: actor)


def request_actor(request, source: str) -> Callable[[], Actor]:
    def resolve() -> Actor:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return Actor(id=user.pk, label=user.get_username(), source=source)
        return Actor(id=None, label="", source=source)

    return resolve


class AuditContextMiddleware:
    """Writes made while answering a request are the signed-in user's, from the admin or the
    API (anything else a page serves counts as the API's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "admin" if request.path.startswith("/admin/") else "api"
        with acting(request_actor(request, source)):
            return self.get_response(request)


def _literal(value: str) -> str:
    return "'" + value.replace("\x00", "").replace("'", "''") + "'"


def _postgres_context_sql(actor: Actor) -> str:
    actor_id = "" if actor.id is None else str(int(actor.id))
    return (
        "SELECT set_config('scheduler.actor_id', "
        f"{_literal(actor_id)}, true), set_config('scheduler.actor', {_literal(actor.label)}, "
        f"true), set_config('scheduler.source', {_literal(actor.source)}, true); "
    )


def postgres_context_prefix(*, interpolated: bool) -> str:
    """The statement that tells PostgreSQL who acts, to send in front of another one (for a
    write the wrapper does not see: send it before, in the same transaction). COPY is seen:
    meetings.copy_loader runs copy_expert() through the execute wrappers."""
    prefix = _postgres_context_sql(current_actor())
    # The driver interpolates a statement sent with parameters: a % in a name must be doubled.
    return prefix.replace("%", "%%") if interpolated else prefix


def without_context(sql: str) -> str:
    """The statement as the code sent it, without who acts in front (for reading SQL logs)."""
    return _CONTEXT_PREFIX.sub("", sql, count=1)


def _tell_postgres(execute, sql, params, many, context):
    if isinstance(sql, str) and _WRITE.match(sql) and any(t in sql for t in AUDITED_TABLES):
        sql = postgres_context_prefix(interpolated=params is not None) + sql
    return execute(sql, params, many, context)


def _register_sqlite_functions(raw_connection) -> None:
    raw_connection.create_function("audit_actor_id", 0, lambda: current_actor().id)
    raw_connection.create_function("audit_actor", 0, lambda: current_actor().label)
    raw_connection.create_function("audit_source", 0, lambda: current_actor().source)


def _on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        _register_sqlite_functions(connection.connection)
    elif connection.vendor == "postgresql" and _tell_postgres not in connection.execute_wrappers:
        # First, not last: a connection is often opened inside a request, while a wrapper
        # pushed by `with connection.execute_wrapper(...)` is on the list, and that block ends
        # with list.pop(), which would take ours and leave theirs on for good.
        connection.execute_wrappers.insert(0, _tell_postgres)


def install() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="scheduler.audit")


def _task_started(sender=None, task=None, **kwargs) -> None:
    name = getattr(task, "name", "") or getattr(sender, "name", "")
    task.request.audit_token = _current.set(lambda: Actor(id=None, label=name, source="task"))


def _task_finished(sender=None, task=None, **kwargs) -> None:
    token = getattr(task.request, "audit_token", None)
    if token is not None:
        _current.reset(token)
        task.request.audit_token = None


def install_task_context() -> None:
    task_prerun.connect(_task_started, weak=False, dispatch_uid="scheduler.audit.prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="scheduler.audit.postrun")
