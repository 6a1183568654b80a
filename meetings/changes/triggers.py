"""The triggers that record every change to meetings_meeting and meetings_participant.

For each changed row they write an audit row (meetings_meetingchange: before, after, who, from
where) and move forward each affected person's sync state (meetings_syncstate): a meeting's
organizer and participants see it `updated`; a person invited sees it `created`, a person taken
off sees it `deleted`; a deleted meeting is `deleted` for everyone who could see it.

Who made the change comes from scheduler.audit: transaction-local settings on PostgreSQL, three
functions registered on each connection on SQLite.

The column lists are frozen in the migration that installs the triggers: a migration that adds
a column to either table installs them again with the new list. On SQLite, Django rebuilds a
table for most schema changes and drops its triggers with it, so such a migration must install
them again too (test_change_triggers checks that they exist after every migration).
"""

MEETING_COLUMNS = (
    "id",
    "title",
    "description",
    "location",
    "start_time",
    "end_time",
    "created_by_id",
    "room_id",
    "status",
    "cancellation_reason",
    "created_at",
    "updated_at",
    "series_id",
    "original_start_time",
    "exception_fields",
)
PARTICIPANT_COLUMNS = ("id", "meeting_id", "user_id", "status", "responded_at", "comment")

# A save that only touches updated_at changes nothing anyone can see.
IGNORED = {"updated_at"}

# PostgreSQL: statement-level triggers over transition tables. A bulk write (COPY of a series'
# 7,300 invitations, an UPDATE of 10,000 meetings) costs a few set-based statements, not a
# trigger call per row.
_POSITION = "pg_current_xact_id()::text::bigint"
_ACTOR = (
    "NULLIF(current_setting('scheduler.actor_id', true), '')::bigint, "
    "COALESCE(current_setting('scheduler.actor', true), ''), "
    "COALESCE(NULLIF(current_setting('scheduler.source', true), ''), 'system')"
)
_AUDIT_INTO = (
    "INSERT INTO meetings_meetingchange (position, meeting_id, series_id, subject, action, "
    "user_id, before, after, audience, actor_id, actor, source, at)"
)
_SYNC_INTO = (
    "INSERT INTO meetings_syncstate (user_id, meeting_id, position, change, appeared, changed_at)"
)
_SYNC_CONFLICT = """
    ON CONFLICT (user_id, meeting_id) DO UPDATE SET
        position = EXCLUDED.position,
        change = EXCLUDED.change,
        changed_at = EXCLUDED.changed_at,
        appeared = CASE WHEN EXCLUDED.change = 'updated' AND meetings_syncstate.change <> 'deleted'
                        THEN meetings_syncstate.appeared ELSE EXCLUDED.appeared END"""


def _audience(meeting: str, *extra: str) -> str:
    """Who can see meeting `meeting` now, and `extra` people, as a JSON array."""
    others = "".join(f" UNION SELECT {value}" for value in extra)
    return (
        "(SELECT COALESCE(jsonb_agg(a.u ORDER BY a.u), '[]'::jsonb) FROM ("
        f"SELECT ap.user_id AS u FROM meetings_participant ap WHERE ap.meeting_id = {meeting}"
        f"{others}) a WHERE a.u IS NOT NULL)"
    )


def _sync(select: str, change_column: str = "x.change") -> str:
    return (
        f"{_SYNC_INTO} SELECT x.u, x.m, {_POSITION}, {change_column}, {_POSITION}, "
        f"statement_timestamp() FROM ({select}) x{_SYNC_CONFLICT};"
    )


def _function(name: str, declare: str, body: str) -> str:
    return (
        # No JIT: the planner cannot count a transition table's rows, guesses high, and would
        # spend a second compiling a statement over 5,000 rows that runs in milliseconds.
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET jit = off "
        "AS $$\n"
        f"{declare}BEGIN\n{body}\nRETURN NULL;\nEND $$;"
    )


_CHANGED = "DECLARE changed bigint[];\n"

_POSTGRES_FUNCTIONS = [
    _function(
        "meetings_meeting_inserted",
        "",
        f"""{_AUDIT_INTO}
SELECT {_POSITION}, n.id, n.series_id, 'meeting', 'created', NULL, NULL,
       to_jsonb(n) - 'updated_at', {_audience("n.id", "n.created_by_id")}, {_ACTOR},
       statement_timestamp()
FROM new_meetings n ORDER BY n.id;
{
            _sync(
                "SELECT n.created_by_id AS u, n.id AS m, 'created' AS change FROM new_meetings n "
                "UNION SELECT p.user_id, p.meeting_id, 'created' FROM meetings_participant p "
                "JOIN new_meetings n ON p.meeting_id = n.id"
            )
        }""",
    ),
    _function(
        "meetings_meeting_updated",
        _CHANGED,
        f"""WITH recorded AS (
    {_AUDIT_INTO}
    SELECT {_POSITION}, n.id, n.series_id, 'meeting', 'updated', NULL,
           to_jsonb(o) - 'updated_at', to_jsonb(n) - 'updated_at',
           {_audience("n.id", "n.created_by_id", "o.created_by_id")}, {_ACTOR},
           statement_timestamp()
    FROM old_meetings o JOIN new_meetings n ON n.id = o.id
    WHERE to_jsonb(o) - 'updated_at' IS DISTINCT FROM to_jsonb(n) - 'updated_at'
    ORDER BY n.id
    RETURNING meeting_id
) SELECT array_agg(meeting_id) INTO changed FROM recorded;
IF changed IS NULL THEN RETURN NULL; END IF;
{
            _sync(
                "SELECT n.created_by_id AS u, n.id AS m, 'updated' AS change FROM new_meetings n "
                "WHERE n.id = ANY(changed) UNION SELECT p.user_id, p.meeting_id, 'updated' "
                "FROM meetings_participant p WHERE p.meeting_id = ANY(changed)"
            )
        }
{
            _sync(
                "SELECT o.created_by_id AS u, o.id AS m, 'deleted' AS change "
                "FROM old_meetings o JOIN new_meetings n ON n.id = o.id "
                "WHERE o.created_by_id <> n.created_by_id AND NOT EXISTS (SELECT 1 FROM "
                "meetings_participant p WHERE p.meeting_id = o.id AND p.user_id = o.created_by_id)"
            )
        }""",
    ),
    _function(
        "meetings_meeting_deleted",
        "",
        f"""{_AUDIT_INTO}
SELECT {_POSITION}, o.id, o.series_id, 'meeting', 'deleted', NULL, to_jsonb(o) - 'updated_at',
       NULL, {_audience("o.id", "o.created_by_id")}, {_ACTOR}, statement_timestamp()
FROM old_meetings o ORDER BY o.id;
{
            _sync(
                "SELECT o.created_by_id AS u, o.id AS m, 'deleted' AS change FROM old_meetings o "
                "UNION SELECT p.user_id, p.meeting_id, 'deleted' FROM meetings_participant p "
                "JOIN old_meetings o ON p.meeting_id = o.id"
            )
        }""",
    ),
    _function(
        "meetings_participant_inserted",
        "",
        f"""{_AUDIT_INTO}
SELECT {_POSITION}, n.meeting_id, m.series_id, 'participant', 'created', n.user_id, NULL,
       to_jsonb(n), {_audience("n.meeting_id", "m.created_by_id")}, {_ACTOR},
       statement_timestamp()
FROM new_participants n LEFT JOIN meetings_meeting m ON m.id = n.meeting_id ORDER BY n.id;
{
            _sync(
                "SELECT DISTINCT ON (y.u, y.m) y.u, y.m, y.change FROM ("
                "SELECT n.user_id AS u, n.meeting_id AS m, 'created' AS change, 0 AS rank "
                "FROM new_participants n "
                "UNION ALL SELECT p.user_id, p.meeting_id, 'updated', 1 "
                "FROM meetings_participant p "
                "WHERE p.meeting_id IN (SELECT meeting_id FROM new_participants) "
                "UNION ALL SELECT m.created_by_id, m.id, 'updated', 1 FROM meetings_meeting m "
                "WHERE m.id IN (SELECT meeting_id FROM new_participants)"
                ") y ORDER BY y.u, y.m, y.rank"
            )
        }""",
    ),
    _function(
        "meetings_participant_updated",
        _CHANGED,
        f"""WITH recorded AS (
    {_AUDIT_INTO}
    SELECT {_POSITION}, n.meeting_id, m.series_id, 'participant', 'updated', n.user_id,
           to_jsonb(o), to_jsonb(n), {_audience("n.meeting_id", "m.created_by_id")}, {_ACTOR},
           statement_timestamp()
    FROM old_participants o JOIN new_participants n ON n.id = o.id
    LEFT JOIN meetings_meeting m ON m.id = n.meeting_id
    WHERE to_jsonb(o) IS DISTINCT FROM to_jsonb(n)
    ORDER BY n.id
    RETURNING meeting_id
) SELECT array_agg(DISTINCT meeting_id) INTO changed FROM recorded;
IF changed IS NULL THEN RETURN NULL; END IF;
{
            _sync(
                "SELECT p.user_id AS u, p.meeting_id AS m, 'updated' AS change "
                "FROM meetings_participant p WHERE p.meeting_id = ANY(changed) "
                "UNION SELECT m.created_by_id, m.id, 'updated' FROM meetings_meeting m "
                "WHERE m.id = ANY(changed)"
            )
        }""",
    ),
    _function(
        "meetings_participant_deleted",
        "",
        f"""{_AUDIT_INTO}
SELECT {_POSITION}, o.meeting_id, m.series_id, 'participant', 'deleted', o.user_id, to_jsonb(o),
       NULL, {_audience("o.meeting_id", "m.created_by_id", "o.user_id")}, {_ACTOR},
       statement_timestamp()
FROM old_participants o LEFT JOIN meetings_meeting m ON m.id = o.meeting_id ORDER BY o.id;
{
            _sync(
                "SELECT o.user_id AS u, o.meeting_id AS m, 'deleted' AS change "
                "FROM old_participants o WHERE NOT EXISTS (SELECT 1 FROM meetings_meeting m "
                "WHERE m.id = o.meeting_id AND m.created_by_id = o.user_id)"
            )
        }
-- The others see the list of participants change; of a meeting being deleted, nothing.
{
            _sync(
                "SELECT p.user_id AS u, p.meeting_id AS m, 'updated' AS change "
                "FROM meetings_participant p WHERE p.meeting_id IN "
                "(SELECT meeting_id FROM old_participants) "
                "UNION SELECT m.created_by_id, m.id, 'updated' FROM meetings_meeting m "
                "WHERE m.id IN (SELECT meeting_id FROM old_participants)"
            )
        }""",
    ),
]

_POSTGRES_TRIGGERS = [
    # (trigger and function name, table, event, transition tables)
    ("meetings_meeting_inserted", "meetings_meeting", "INSERT", "NEW TABLE AS new_meetings"),
    (
        "meetings_meeting_updated",
        "meetings_meeting",
        "UPDATE",
        "OLD TABLE AS old_meetings NEW TABLE AS new_meetings",
    ),
    ("meetings_meeting_deleted", "meetings_meeting", "DELETE", "OLD TABLE AS old_meetings"),
    (
        "meetings_participant_inserted",
        "meetings_participant",
        "INSERT",
        "NEW TABLE AS new_participants",
    ),
    (
        "meetings_participant_updated",
        "meetings_participant",
        "UPDATE",
        "OLD TABLE AS old_participants NEW TABLE AS new_participants",
    ),
    (
        "meetings_participant_deleted",
        "meetings_participant",
        "DELETE",
        "OLD TABLE AS old_participants",
    ),
]


def postgres_install_sql(meeting_columns=None, participant_columns=None) -> list[str]:
    """Whole rows go through to_jsonb: the column lists matter to SQLite only."""
    return [
        *postgres_uninstall_sql(),
        *_POSTGRES_FUNCTIONS,
        *(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            for name, table, event, tables in _POSTGRES_TRIGGERS
        ),
    ]


def postgres_uninstall_sql() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, *_ in _POSTGRES_TRIGGERS),
        *(f"DROP FUNCTION IF EXISTS {name}()" for name, *_ in _POSTGRES_TRIGGERS),
    ]


# SQLite: no functions of our own in SQL and no row variables, so each trigger spells the
# statements out; the position is a counter (one writer at a time commits in order).
_SQLITE_POSITION = "(SELECT COALESCE(MAX(position), 0) + 1 FROM meetings_meetingchange)"
_SQLITE_LAST_POSITION = "(SELECT MAX(position) FROM meetings_meetingchange)"
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _json_row(row: str, columns) -> str:
    pairs = ", ".join(f"'{c}', {row}.{c}" for c in columns if c not in IGNORED)
    return f"json_object({pairs})"


def _sqlite_record(*, meeting, series, subject, action, user, before, after, audience) -> str:
    return f"""
    INSERT INTO meetings_meetingchange
        (position, meeting_id, series_id, subject, action, user_id, before, after, audience,
         actor_id, actor, source, at)
    VALUES ({_SQLITE_POSITION}, {meeting}, {series}, '{subject}', '{action}', {user},
            {before}, {after},
            (SELECT json_group_array(u) FROM ({audience}) WHERE u IS NOT NULL),
            audit_actor_id(), audit_actor(), audit_source(), {_SQLITE_NOW});"""


def _sqlite_touch(*, meeting: str, users: str, change: str) -> str:
    # The WHERE true keeps SQLite from reading ON CONFLICT as part of a join.
    return f"""
    INSERT INTO meetings_syncstate (user_id, meeting_id, position, change, appeared, changed_at)
    SELECT DISTINCT u, {meeting}, {_SQLITE_LAST_POSITION}, '{change}', {_SQLITE_LAST_POSITION},
           {_SQLITE_NOW}
    FROM ({users}) WHERE u IS NOT NULL
    ON CONFLICT (user_id, meeting_id) DO UPDATE SET
        position = excluded.position,
        change = excluded.change,
        changed_at = excluded.changed_at,
        appeared = CASE WHEN excluded.change = 'updated' AND meetings_syncstate.change <> 'deleted'
                        THEN meetings_syncstate.appeared ELSE excluded.appeared END;"""


def _people(meeting: str, *extra: str) -> str:
    selects = [f"SELECT user_id AS u FROM meetings_participant WHERE meeting_id = {meeting}"]
    selects += [f"SELECT {value}" for value in extra]
    return " UNION ".join(selects)


def _sqlite_meeting_triggers(m_cols) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in m_cols if c not in IGNORED)
    insert = _sqlite_record(
        meeting="NEW.id",
        series="NEW.series_id",
        subject="meeting",
        action="created",
        user="NULL",
        before="NULL",
        after=_json_row("NEW", m_cols),
        audience=_people("NEW.id", "NEW.created_by_id"),
    ) + _sqlite_touch(
        meeting="NEW.id", users=_people("NEW.id", "NEW.created_by_id"), change="created"
    )
    update = (
        _sqlite_record(
            meeting="NEW.id",
            series="NEW.series_id",
            subject="meeting",
            action="updated",
            user="NULL",
            before=_json_row("OLD", m_cols),
            after=_json_row("NEW", m_cols),
            audience=_people("NEW.id", "NEW.created_by_id", "OLD.created_by_id"),
        )
        + _sqlite_touch(
            meeting="NEW.id", users=_people("NEW.id", "NEW.created_by_id"), change="updated"
        )
        + _sqlite_touch(
            meeting="NEW.id",
            users="SELECT OLD.created_by_id AS u WHERE OLD.created_by_id <> NEW.created_by_id "
            "AND OLD.created_by_id NOT IN (SELECT user_id FROM meetings_participant "
            "WHERE meeting_id = NEW.id)",
            change="deleted",
        )
    )
    delete = _sqlite_record(
        meeting="OLD.id",
        series="OLD.series_id",
        subject="meeting",
        action="deleted",
        user="NULL",
        before=_json_row("OLD", m_cols),
        after="NULL",
        audience=_people("OLD.id", "OLD.created_by_id"),
    ) + _sqlite_touch(
        meeting="OLD.id", users=_people("OLD.id", "OLD.created_by_id"), change="deleted"
    )
    return [
        f"CREATE TRIGGER meetings_meeting_inserted AFTER INSERT ON meetings_meeting "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER meetings_meeting_updated AFTER UPDATE ON meetings_meeting "
        f"WHEN {changed} BEGIN {update} END",
        f"CREATE TRIGGER meetings_meeting_deleted AFTER DELETE ON meetings_meeting "
        f"BEGIN {delete} END",
    ]


def _sqlite_participant_trigger(event: str, p_cols) -> str:
    row = "OLD" if event == "DELETE" else "NEW"
    action = {"INSERT": "created", "UPDATE": "updated", "DELETE": "deleted"}[event]
    organizer = f"(SELECT created_by_id FROM meetings_meeting WHERE id = {row}.meeting_id)"
    series = f"(SELECT series_id FROM meetings_meeting WHERE id = {row}.meeting_id)"
    others = (
        f"SELECT user_id AS u FROM meetings_participant WHERE meeting_id = {row}.meeting_id "
        f"AND user_id <> {row}.user_id UNION SELECT {organizer}"
    )
    body = _sqlite_record(
        meeting=f"{row}.meeting_id",
        series=series,
        subject="participant",
        action=action,
        user=f"{row}.user_id",
        before="NULL" if event == "INSERT" else _json_row("OLD", p_cols),
        after="NULL" if event == "DELETE" else _json_row("NEW", p_cols),
        audience=f"{others} UNION SELECT {row}.user_id",
    )
    own = f"SELECT {row}.user_id AS u"
    if event == "DELETE":  # an organizer who was also invited still sees their meeting
        own += f" WHERE {organizer} IS NULL OR {row}.user_id <> {organizer}"
    body += _sqlite_touch(meeting=f"{row}.meeting_id", users=own, change=action)
    # The others see the list of participants change; of a meeting being deleted, nothing.
    body += _sqlite_touch(
        meeting=f"{row}.meeting_id",
        users=f"SELECT u FROM ({others}) WHERE {organizer} IS NOT NULL",
        change="updated",
    )
    when = ""
    if event == "UPDATE":
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in p_cols)
        when = f"WHEN {changed} "
    name = f"meetings_participant_{action}"
    return f"CREATE TRIGGER {name} AFTER {event} ON meetings_participant {when}BEGIN {body} END"


SQLITE_TRIGGERS = (
    "meetings_meeting_inserted",
    "meetings_meeting_updated",
    "meetings_meeting_deleted",
    "meetings_participant_created",
    "meetings_participant_updated",
    "meetings_participant_deleted",
)


def sqlite_install_sql(meeting_columns, participant_columns) -> list[str]:
    return [
        *sqlite_uninstall_sql(),
        *_sqlite_meeting_triggers(meeting_columns),
        *(
            _sqlite_participant_trigger(event, participant_columns)
            for event in ("INSERT", "UPDATE", "DELETE")
        ),
    ]


def sqlite_uninstall_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def install(
    schema_editor,
    *,
    meeting_columns=MEETING_COLUMNS,
    participant_columns=PARTICIPANT_COLUMNS,
) -> None:
    """Install the triggers for tables with these columns (a migration passes its own)."""
    columns = (tuple(meeting_columns), tuple(participant_columns))
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgres_install_sql, "sqlite": sqlite_install_sql}[vendor](
        *columns
    )
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgres_uninstall_sql, "sqlite": sqlite_uninstall_sql}[vendor]()
    for statement in statements:
        schema_editor.execute(statement, params=None)
