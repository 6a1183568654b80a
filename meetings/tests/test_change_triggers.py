"""The change record's triggers are in place once every migration has run, on either backend.

SQLite drops a table's triggers when Django rebuilds the table (most schema changes do), and a
column added after 0009 is in no trigger's list until a migration installs them again: either
would silently stop the record, so both are checked against the database the migrations built.
"""

import pytest
from django.db import connection

from meetings.changes import triggers
from meetings.models import Meeting, Participant

pytestmark = pytest.mark.django_db

# Statement triggers over transition tables, one per table and event.
POSTGRES_TRIGGERS = {
    (table, f"{table}_{event}")
    for table in ("meetings_meeting", "meetings_participant")
    for event in ("inserted", "updated", "deleted")
}


def installed() -> dict[str, tuple[str, str]]:
    """{trigger name: (table, definition)} as the database holds them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
            )
        return {name: (table, sql) for name, table, sql in cursor.fetchall()}


def expected() -> set[tuple[str, str]]:
    if connection.vendor == "sqlite":
        return {(name.rsplit("_", 1)[0], name) for name in triggers.SQLITE_TRIGGERS}
    return POSTGRES_TRIGGERS


def columns(model) -> set[str]:
    return {field.column for field in model._meta.concrete_fields}


def test_every_trigger_is_installed_on_its_table():
    found = installed()

    for table, name in expected():
        assert name in found, f"{name} is missing: was {table} rebuilt without reinstalling it?"
        assert found[name][0] == table


def test_the_update_triggers_watch_every_column_the_tables_have():
    # A column missing from a trigger's list is never seen to change (SQLite: PostgreSQL's
    # triggers take whole rows with to_jsonb).
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's triggers list no columns")
    found = installed()
    watched = {
        Meeting: found["meetings_meeting_updated"][1],
        Participant: found["meetings_participant_updated"][1],
    }

    for model, definition in watched.items():
        missing = {
            c for c in columns(model) - triggers.IGNORED if f"old.{c}" not in definition.lower()
        }
        assert not missing, f"{model.__name__}: {missing} changes would not be recorded"


def test_the_trigger_column_lists_match_the_models():
    assert set(triggers.MEETING_COLUMNS) == columns(Meeting)
    assert set(triggers.PARTICIPANT_COLUMNS) == columns(Participant)


@pytest.mark.postgres
def test_postgres_triggers_fire_for_ordinary_sessions():
    # "O": fire in origin (normal) sessions; "D" disabled, "R"/"A" replica-only or always
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
            [[name for _, name in POSTGRES_TRIGGERS]],
        )
        states = dict(cursor.fetchall())

    assert states == {name: "O" for _, name in POSTGRES_TRIGGERS}
