"""PostgreSQL behind a pooler in transaction mode (PgBouncer's `pool_mode = transaction`).

Each transaction may run on another server connection, so nothing may live in the session:
- settings the web processes need (the statement timeout) are sent with every statement as
  `SELECT set_config(..., true)` in the same round trip, local to its transaction (one
  statement sent in autocommit is a transaction of its own);
- no server-side cursors (settings: DISABLE_SERVER_SIDE_CURSORS), no prepared statements
  (psycopg2 prepares none), no advisory locks, no LISTEN: the code uses none.

Select it with DB_TRANSACTION_POOLING=true (scheduler/settings/components/database.py).
"""

import re

import psycopg2.extensions
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base, creation, operations

_PLAIN = re.compile(r"^[a-z_.]+$|^[0-9]+$")


def transaction_settings_sql(settings: dict[str, str]) -> str:
    """The statement that applies `settings` to the transaction it is sent in."""
    for name, value in settings.items():
        if not (_PLAIN.match(name) and _PLAIN.match(str(value))):
            raise ImproperlyConfigured(f"TRANSACTION_SETTINGS: {name}={value!r} is not plain")
    calls = ", ".join(
        f"set_config('{name}', '{value}', true)" for name, value in sorted(settings.items())
    )
    return f"SELECT {calls}; " if calls else ""


def _cursor_class(prefix: str) -> type:
    class TransactionSettingsCursor(psycopg2.extensions.cursor):
        """Sends the transaction's settings in front of each statement."""

        def execute(self, query, vars=None):  # noqa: A002 (psycopg2's own name)
            return super().execute(_prefixed(prefix, query), vars)

        def executemany(self, query, vars_list):
            return super().executemany(_prefixed(prefix, query), vars_list)

        def copy_expert(self, sql, file, size=8192):
            return super().copy_expert(_prefixed(prefix, sql), file, size)

    return TransactionSettingsCursor


# Sent as they are: statements that end or roll back a transaction (in one that failed, the
# prefix would fail too, "current transaction is aborted", and take ROLLBACK TO SAVEPOINT down
# with it), and those that cannot run inside one (the prefix would make them part of one).
_UNPREFIXED = re.compile(
    r"\s*(BEGIN|START|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|REINDEX|ALTER\s+SYSTEM"
    r"|(CREATE|DROP)\s+DATABASE|(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY)\b",
    re.IGNORECASE,
)


def _prefixed(prefix: str, query):
    if isinstance(query, bytes):
        text = query.decode(errors="replace")
        return query if _UNPREFIXED.match(text) else prefix.encode() + query
    if isinstance(query, str):
        return query if _UNPREFIXED.match(query) else prefix + query
    return query  # a psycopg2.sql.Composable: none of ours; sent as it is


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name, verbosity):
        # The pooler keeps idle server connections to the test database: a plain DROP
        # DATABASE would find them there and fail. FORCE ends them (PostgreSQL 13+).
        with self._nodb_cursor() as cursor:
            name = self.connection.ops.quote_name(test_database_name)
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The statement as the code sent it (what tests, logs and Silk read), without the
        settings in front that psycopg2 reports as part of it."""
        query = super().last_executed_query(cursor, sql, params)
        prefix = self.connection.transaction_prefix
        if prefix and query and query.startswith(prefix):
            return query[len(prefix) :]
        return query


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations

    def __init__(self, settings_dict, alias="default"):
        super().__init__(settings_dict, alias)
        prefix = transaction_settings_sql(settings_dict.get("TRANSACTION_SETTINGS", {}))
        self.transaction_prefix = prefix
        self._cursor_class = _cursor_class(prefix) if prefix else None

    def create_cursor(self, name=None):
        if name or self._cursor_class is None:
            return super().create_cursor(name)
        cursor = self.connection.cursor(cursor_factory=self._cursor_class)
        cursor.tzinfo_factory = self.tzinfo_factory if django_settings.USE_TZ else None
        return cursor
