"""Behind PgBouncer in transaction mode (DB_TRANSACTION_POOLING=true) nothing may live in the
session: the statement timeout goes with each transaction, no cursor outlives its statement.
CI runs the whole service-backed suite through PgBouncer; these tests hold the pieces."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tests.factories import UserFactory
from scheduler.db.pooled.base import transaction_settings_sql
from scheduler.settings.components import database as database_settings


@pytest.fixture
def pooled_connection(db):
    """A second connection to the test database, as DB_STATEMENT_TIMEOUT_MS=200 makes it."""
    backend = load_backend("scheduler.db.pooled")
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "scheduler.db.pooled",
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "TRANSACTION_SETTINGS": {"statement_timeout": "200"},
        "OPTIONS": {"connect_timeout": 5},
    }
    pooled = backend.DatabaseWrapper(settings_dict)  # a second wrapper of "default"
    yield pooled
    pooled.close()


def _show_timeout(cursor) -> str:
    cursor.execute("SHOW statement_timeout")
    return cursor.fetchone()[0]


@pytest.mark.postgres
def test_the_statement_timeout_cuts_a_runaway_statement_in_autocommit(pooled_connection):
    with pooled_connection.cursor() as cursor:
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2)")
        assert _show_timeout(cursor) == "200ms"


@pytest.mark.postgres
def test_the_statement_timeout_holds_for_every_statement_of_a_transaction(pooled_connection):
    with pooled_connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT 1")
        assert _show_timeout(cursor) == "200ms"
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2)")
        cursor.execute("ROLLBACK")


@pytest.mark.postgres
def test_nothing_is_left_in_the_session_for_the_next_client(pooled_connection):
    # given: statements sent with the timeout
    with pooled_connection.cursor() as cursor:
        assert _show_timeout(cursor) == "200ms"
    # when: the same server connection is used without our cursor (as another client of the
    # pooler would use it)
    raw = pooled_connection.connection.cursor()
    raw.execute("SHOW statement_timeout")
    # then: the server's own default, not ours
    assert raw.fetchone()[0] != "200ms"


@pytest.mark.postgres
def test_writes_carry_the_timeout_and_who_acts_in_one_round_trip(pooled_connection):
    # The audit trail sends its actor in front of a write the same way: both must arrive.
    with pooled_connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('scheduler.actor', 'someone', true); "
            "SELECT current_setting('scheduler.actor'), current_setting('statement_timeout')"
        )
        assert cursor.fetchone() == ("someone", "200ms")


@pytest.mark.postgres
def test_the_statement_is_recorded_as_the_code_sent_it(pooled_connection):
    # Tests, the request log and Silk read what was sent without the settings in front.
    with CaptureQueriesContext(pooled_connection) as queries, pooled_connection.cursor() as c:
        c.execute("SELECT %s", [1])
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]


@pytest.mark.postgres
def test_a_failed_statement_can_be_rolled_back_to_its_savepoint(pooled_connection):
    # A savepoint rollback after an error (a nested atomic block) must not carry the prefix:
    # in the aborted transaction the prefix itself would fail.
    with pooled_connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SAVEPOINT s1")
        with pytest.raises(OperationalError):
            cursor.execute("SELECT pg_sleep(2)")
        cursor.execute("ROLLBACK TO SAVEPOINT s1")
        assert _show_timeout(cursor) == "200ms"
        cursor.execute("COMMIT")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "VACUUM accounts_user",
        "CREATE INDEX CONCURRENTLY pooled_probe_idx ON accounts_user (last_name)",
        "DROP INDEX CONCURRENTLY pooled_probe_idx",
    ],
)
def test_statements_that_cannot_run_in_a_transaction_are_sent_alone(pooled_connection, statement):
    with pooled_connection.cursor() as cursor:
        cursor.execute(statement)


def _open_cursors_while_iterating() -> int:
    UserFactory.create_batch(3)
    rows = User.objects.order_by("pk").iterator(chunk_size=1)
    next(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        (open_cursors,) = cursor.fetchone()
    list(rows)
    return open_cursors


@pytest.mark.postgres
def test_iterating_a_queryset_opens_no_server_side_cursor_when_pooled(db, monkeypatch):
    # A named cursor lives in the session: another client of the pooler would get it, and
    # the next FETCH might reach another server connection.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", False)
    assert _open_cursors_while_iterating() == 1  # what the test would see without the setting
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    assert _open_cursors_while_iterating() == 0


def test_the_settings_statement_is_plain_sql():
    assert transaction_settings_sql({}) == ""
    assert transaction_settings_sql({"statement_timeout": "5000", "jit": "off"}) == (
        "SELECT set_config('jit', 'off', true), set_config('statement_timeout', '5000', true); "
    )


def test_a_setting_that_is_not_plain_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not plain"):
        transaction_settings_sql({"statement_timeout": "1'; DROP TABLE x; --"})


def test_pooling_sends_no_startup_options(monkeypatch):
    # PgBouncer refuses a connection that sends `options` ("unsupported startup parameter").
    monkeypatch.setattr(database_settings, "DB_TRANSACTION_POOLING", True)
    monkeypatch.setattr(database_settings, "DB_STATEMENT_TIMEOUT_MS", 5000)
    pooled = database_settings._postgres("postgres://app@db:6432/scheduler")
    monkeypatch.setattr(database_settings, "DB_TRANSACTION_POOLING", False)
    direct = database_settings._postgres("postgres://app@db:5432/scheduler")
    assert "options" not in pooled["OPTIONS"]
    assert pooled["ENGINE"] == "scheduler.db.pooled"
    assert pooled["TRANSACTION_SETTINGS"] == {"statement_timeout": "5000"}
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert direct["OPTIONS"]["options"] == "-c jit=off -c statement_timeout=5000"
    assert direct["ENGINE"] == "django.db.backends.postgresql"


# What lives in a session, and so breaks behind a transaction pooler: a plain SET (SET LOCAL is
# the transaction's), set_config(..., false), advisory locks taken for the session (the _xact_
# ones end with the transaction), LISTEN, PREPARE, a cursor WITH HOLD.
SESSION_STATE = re.compile(
    r"""["']\s*SET\s+(?!LOCAL\b)(SESSION\s+)?\w+\s*(=|TO\b)"""
    r"|set_config\([^)]*,\s*false\s*\)"
    r"|pg_(try_)?advisory_lock(_shared)?\s*\("
    r"|\bLISTEN\s+\w|\bPREPARE\s+\w+\s+AS\b|\bWITH\s+HOLD\b",  # SQL is upper case here
)
ROOT = Path(__file__).resolve().parents[2]


def _runtime_sources() -> list[Path]:
    packages = ("accounts", "meetings", "notifications", "scheduler", "webhooks", "benchmarks")
    return [
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "tests" not in path.relative_to(ROOT).parts
    ]


def test_the_pattern_finds_what_it_is_for():
    for sql in [
        '"SET statement_timeout = 100"',
        "'SET SESSION jit TO off'",
        "SELECT set_config('jit', 'off', false)",
        "SELECT pg_advisory_lock(42)",
        "LISTEN changes",
        "PREPARE q AS SELECT 1",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    ]:
        assert SESSION_STATE.search(sql), sql
    for sql in [
        '"SET LOCAL session_replication_role = replica"',
        "UPDATE meetings_meeting SET title = 'x'",
        "SELECT set_config('statement_timeout', '5000', true)",
        "SELECT pg_advisory_xact_lock(42)",
    ]:
        assert not SESSION_STATE.search(sql), sql


def test_no_code_puts_state_in_the_session():
    sources = _runtime_sources()
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SESSION_STATE.search(line)
    ]
    assert len(sources) > 100  # the walk found the code
    assert not found, "\n".join(found)
