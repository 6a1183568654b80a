"""Bulk inserts of plain rows: COPY on PostgreSQL, bulk_create elsewhere.

bulk_create spends most of its time building model instances and compiling a parameterized
INSERT (psycopg2 binds every value on the client: 90,000 of them for 10,000 meetings); COPY FROM
STDIN sends the rows as text and costs little more than the database's own work. Rows are dicts
of column attnames, every row with the same keys in the same order; `same` holds the values
every row shares (formatted once), and a column named in neither gets its model default.

- insert_rows(): their new primary keys, in order (one SELECT reserves them first).
- insert_objects(): the rows as model instances, as if loaded from the database.
- load_rows(): when the ids are not needed: a single COPY statement.

The COPY goes through the connection's execute wrappers and its query log like any statement
(psycopg2's copy_expert() passes neither by itself): scheduler.audit's wrapper sends who acts
in front of it, the request's cost counts it, and django_assert_num_queries sees it.
"""

import functools
import gc
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import Any, TypeVar, cast

from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
NULL = r"\N"
CHUNK = 64 * 1024  # characters handed to psycopg2 per read(): the COPY streams while we format
BLOCK = 1000  # rows formatted at a time


def insert_rows(
    model: type[models.Model], rows: Sequence[dict], *, same: Mapping[str, Any] | None = None
) -> list[int]:
    """Insert `rows` and return their new primary keys, in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return [obj.pk for obj in _bulk_create(model, rows, same)]
    ids = reserve_ids(model, len(rows))
    _copy(model, rows, _with_defaults(model, rows, same), ids=ids)
    return ids


def insert_objects(
    model: type[M], rows: Sequence[dict], *, same: Mapping[str, Any] | None = None
) -> list[M]:
    """Insert `rows` and return them as instances with their ids, in order.

    On PostgreSQL they are built as Model.from_db() builds a loaded row, no field deferred, a
    block at a time as the rows are sent: while the server inserts the rows sent before (4 us
    each, 40 ms for 10,000 rows, hidden behind the COPY while a core is free).
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _bulk_create(model, rows, same)
    shared = _with_defaults(model, rows, same)
    ids = reserve_ids(model, len(rows))
    objects: list[M] = []
    names = [model._meta.pk.attname, *rows[0].keys(), *shared.keys()]
    order = [names.index(field.attname) for field in model._meta.concrete_fields]
    field_names, values = [names[i] for i in order], itemgetter(*order)
    db, tail = connection.alias, tuple(shared.values())

    def build(start: int, block: Sequence[dict]) -> None:
        objects.extend(
            [
                model.from_db(db, field_names, values((new_id, *row.values(), *tail)))
                for new_id, row in zip(ids[start : start + len(block)], block, strict=True)
            ]
        )

    _copy(model, rows, shared, ids=ids, each_block=build)
    return objects


def load_rows(
    model: type[models.Model], rows: Sequence[dict], *, same: Mapping[str, Any] | None = None
) -> None:
    """Insert `rows` whose ids nobody needs: their primary keys come from the column's default,
    and on PostgreSQL the whole insert is one COPY statement."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        _bulk_create(model, rows, same)
        return
    _copy(model, rows, _with_defaults(model, rows, same), ids=None)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the table's sequence (PostgreSQL)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    # The sequence looked up once (MATERIALIZED), not once per id: 4 ms for 10,000, not 30.
    ids_sql = (
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
        "SELECT nextval(s.seq) FROM s, generate_series(1, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(ids_sql, [table, pk, count])
        return [row[0] for row in cursor.fetchall()]


def _bulk_create(model: type[M], rows: Sequence[dict], same: Mapping[str, Any] | None) -> list[M]:
    shared = dict(same or {})
    return model._default_manager.bulk_create(
        [model(**row, **shared) for row in rows], batch_size=5000
    )


def _with_defaults(
    model: type[models.Model], rows: Sequence[dict], same: Mapping[str, Any] | None
) -> dict[str, Any]:
    """`same`, with the model's default for every column the rows do not give: bulk_create
    fills defaults and auto_now/auto_now_add itself; COPY needs them spelled out."""
    shared = dict(same or {})
    now = timezone.now()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in rows[0] or field.attname in shared:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            shared[field.attname] = now
        else:
            shared[field.attname] = field.get_default()  # as Model(): "", None or the default
    return shared


def _copy(
    model: type[models.Model],
    rows: Sequence[dict],
    shared: dict[str, Any],
    *,
    ids: list[int] | None,
    each_block: Callable[[int, Sequence[dict]], None] | None = None,
) -> None:
    quote = connection.ops.quote_name
    column = {field.attname: cast(str, field.column) for field in model._meta.concrete_fields}
    pk = [column[model._meta.pk.attname]] if ids is not None else []
    columns = [*pk, *(column[name] for name in [*rows[0].keys(), *shared.keys()])]
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    text = _text(model, rows, shared, ids, each_block)
    with connection.cursor() as cursor, _collector_paused():
        _copy_expert(cursor, sql, _Reader(text))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the rows are formatted and their instances made:
    the 100,000 objects of 10,000 rows set off a collection of the whole heap that frees none
    of them (50-60 ms, a third of the Python time of a 10,000-row COPY). Reference counting
    goes on; a collection due meanwhile runs after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _copy_expert(cursor: CursorWrapper, sql: str, reader: io.TextIOBase) -> None:
    """copy_expert() as CursorWrapper.execute() runs a statement: the broken-transaction check,
    the execute wrappers (the audit's puts who acts in front of it), Django's errors (an
    exclusion constraint's refusal is an IntegrityError) and, while queries are logged, the log
    with the statement as sent."""

    def copy(sql: str, params: None, many: bool, context: dict[str, Any]) -> None:
        with connection.wrap_database_errors:
            return cursor.cursor.copy_expert(sql, reader, size=CHUNK)

    connection.validate_no_broken_transaction()
    executor = copy
    for wrapper in reversed(connection.execute_wrappers):
        executor = functools.partial(wrapper, executor)
    logged = (
        cursor.debug_sql(sql, use_last_executed_query=True)
        if isinstance(cursor, CursorDebugWrapper)
        else nullcontext()
    )
    with logged:
        executor(sql, None, False, {"connection": connection, "cursor": cursor})


def _text(
    model: type[models.Model],
    rows: Sequence[dict],
    shared: dict[str, Any],
    ids: list[int] | None,
    each_block: Callable[[int, Sequence[dict]], None] | None,
) -> Iterator[str]:
    """The COPY text of the rows, BLOCK rows at a time, formatted a column at a time (a join
    and four replaces over a whole column of text, not a Python call per value); after each
    block, `each_block(index of its first row, its rows)`."""
    names = list(rows[0])
    formats = [_column_format(model._meta.get_field(name)) for name in names]
    constants = "\t".join(_copy_value(value) for value in shared.values())
    for start in range(0, len(rows), BLOCK):
        block = rows[start : start + BLOCK]
        columns: list[Iterable[str]] = [
            format_(list(map(itemgetter(name), block)))
            for name, format_ in zip(names, formats, strict=True)
        ]
        if ids is not None:
            columns.insert(0, map(str, ids[start : start + BLOCK]))
        if shared:
            columns.append(repeat(constants))
        yield "\n".join(map("\t".join, zip(*columns, strict=False))) + "\n"  # repeat(): endless
        if each_block is not None:
            each_block(start, block)


class _Reader(io.TextIOBase):
    """Pieces of text as a file that psycopg2 reads a chunk at a time: the server inserts the
    first rows while the next ones are formatted, where a buffer made first would wait for all.
    """

    def __init__(self, pieces: Iterator[str]):
        self._pieces = pieces

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if size is None or size < 0:
            return "".join(self._pieces)
        chunk, length = [], 0
        for piece in self._pieces:
            chunk.append(piece)
            length += len(piece)
            if length >= size:
                break
        return "".join(chunk)


def _column_format(field: Any) -> Callable[[list], list[str]]:
    if isinstance(field, models.DateTimeField):
        return _datetimes
    if isinstance(field, models.CharField | models.TextField):
        return _texts
    return _values


def _datetimes(values: list[datetime | None]) -> list[str]:
    try:
        return list(map(datetime.isoformat, values))  # type: ignore[arg-type]
    except TypeError:  # None (NULL), or not a datetime
        return _values(values)


def _texts(values: list[str | None]) -> list[str]:
    """Backslash, tab, newline and carriage return are COPY's own syntax: escaped over the
    column joined by NUL, which no PostgreSQL text holds (a value that has one, like None or
    a value that is not a str, takes the slow way, value by value)."""
    try:
        joined = "\x00".join(values)  # type: ignore[arg-type]
    except TypeError:
        return [_text_value(value) for value in values]
    if not ("\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined):
        return values  # type: ignore[return-value]
    if joined.count("\x00") != len(values) - 1:
        return [_text_value(value) for value in values]
    return _escaped(joined).split("\x00")


def _values(values: list) -> list[str]:
    return [_copy_value(value) for value in values]


def _text_value(value: str | None) -> str:
    if value is None:
        return NULL
    return _escaped(value if type(value) is str else str(value))  # a Choices member, a lazy string


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_value(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, datetime):
        return value.isoformat()
    return _escaped(str(value))
