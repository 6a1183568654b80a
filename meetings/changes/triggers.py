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

_RECORD_POSTGRES = """
CREATE OR REPLACE FUNCTION meetings_change_position() RETURNS bigint
LANGUAGE sql VOLATILE AS $$ SELECT pg_current_xact_id()::text::bigint $$;

CREATE OR REPLACE FUNCTION meetings_change_record(
    p_meeting bigint, p_series bigint, p_subject text, p_action text, p_user bigint,
    p_before jsonb, p_after jsonb, p_audience bigint[]
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO meetings_meetingchange
        (position, meeting_id, series_id, subject, action, user_id, before, after, audience,
         actor_id, actor, source, at)
    VALUES (
        meetings_change_position(), p_meeting, p_series, p_subject, p_action, p_user,
        p_before - 'updated_at', p_after - 'updated_at',
        COALESCE((SELECT jsonb_agg(DISTINCT u) FROM unnest(p_audience) AS u
                  WHERE u IS NOT NULL), '[]'::jsonb),
        NULLIF(current_setting('scheduler.actor_id', true), '')::bigint,
        COALESCE(current_setting('scheduler.actor', true), ''),
        COALESCE(NULLIF(current_setting('scheduler.source', true), ''), 'system'),
        statement_timestamp()
    )
$$;

CREATE OR REPLACE FUNCTION meetings_sync_touch(p_meeting bigint, p_users bigint[], p_change text)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO meetings_syncstate (user_id, meeting_id, position, change, appeared, changed_at)
    SELECT DISTINCT u, p_meeting, meetings_change_position(), p_change,
           meetings_change_position(), statement_timestamp()
    FROM unnest(p_users) AS u WHERE u IS NOT NULL
    ON CONFLICT (user_id, meeting_id) DO UPDATE SET
        position = EXCLUDED.position,
        change = EXCLUDED.change,
        changed_at = EXCLUDED.changed_at,
        appeared = CASE WHEN EXCLUDED.change = 'updated' AND meetings_syncstate.change <> 'deleted'
                        THEN meetings_syncstate.appeared ELSE EXCLUDED.appeared END
$$;

CREATE OR REPLACE FUNCTION meetings_people(p_meeting bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT user_id FROM meetings_participant WHERE meeting_id = p_meeting)
$$;

CREATE OR REPLACE FUNCTION meetings_meeting_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    people bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        people := meetings_people(NEW.id) || NEW.created_by_id;
        PERFORM meetings_change_record(NEW.id, NEW.series_id, 'meeting', 'created', NULL,
                                       NULL, to_jsonb(NEW), people);
        PERFORM meetings_sync_touch(NEW.id, people, 'created');
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        people := meetings_people(NEW.id);
        PERFORM meetings_change_record(NEW.id, NEW.series_id, 'meeting', 'updated', NULL,
                                       to_jsonb(OLD), to_jsonb(NEW),
                                       people || NEW.created_by_id || OLD.created_by_id);
        PERFORM meetings_sync_touch(NEW.id, people || NEW.created_by_id, 'updated');
        IF OLD.created_by_id <> NEW.created_by_id AND NOT OLD.created_by_id = ANY(people) THEN
            PERFORM meetings_sync_touch(NEW.id, ARRAY[OLD.created_by_id], 'deleted');
        END IF;
        RETURN NULL;
    END IF;
    people := meetings_people(OLD.id) || OLD.created_by_id;
    PERFORM meetings_change_record(OLD.id, OLD.series_id, 'meeting', 'deleted', NULL,
                                   to_jsonb(OLD), NULL, people);
    PERFORM meetings_sync_touch(OLD.id, people, 'deleted');
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION meetings_participant_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p meetings_participant;
    organizer bigint;
    series bigint;
    others bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN p := OLD; ELSE p := NEW; END IF;
    SELECT created_by_id, series_id INTO organizer, series
    FROM meetings_meeting WHERE id = p.meeting_id;
    others := ARRAY(SELECT user_id FROM meetings_participant
                    WHERE meeting_id = p.meeting_id AND user_id <> p.user_id)
              || organizer;
    IF TG_OP = 'INSERT' THEN
        PERFORM meetings_change_record(p.meeting_id, series, 'participant', 'created',
                                       p.user_id, NULL, to_jsonb(NEW), others || p.user_id);
        PERFORM meetings_sync_touch(p.meeting_id, ARRAY[p.user_id], 'created');
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM meetings_change_record(p.meeting_id, series, 'participant', 'updated',
                                       p.user_id, to_jsonb(OLD), to_jsonb(NEW),
                                       others || p.user_id);
        PERFORM meetings_sync_touch(p.meeting_id, ARRAY[p.user_id], 'updated');
    ELSE
        PERFORM meetings_change_record(p.meeting_id, series, 'participant', 'deleted',
                                       p.user_id, to_jsonb(OLD), NULL, others || p.user_id);
        IF organizer IS NULL OR p.user_id <> organizer THEN
            PERFORM meetings_sync_touch(p.meeting_id, ARRAY[p.user_id], 'deleted');
        END IF;
    END IF;
    -- The others see the list of participants change; of a meeting being deleted, nothing.
    IF organizer IS NOT NULL THEN
        PERFORM meetings_sync_touch(p.meeting_id, others, 'updated');
    END IF;
    RETURN NULL;
END $$;
"""


def _distinct_postgres(columns) -> str:
    changed = [c for c in columns if c not in IGNORED]
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in changed)


def postgres_install_sql(meeting_columns, participant_columns) -> list[str]:
    return [
        _RECORD_POSTGRES,
        "DROP TRIGGER IF EXISTS meetings_meeting_changed ON meetings_meeting",
        "DROP TRIGGER IF EXISTS meetings_meeting_updated ON meetings_meeting",
        "DROP TRIGGER IF EXISTS meetings_participant_changed ON meetings_participant",
        "DROP TRIGGER IF EXISTS meetings_participant_updated ON meetings_participant",
        "CREATE TRIGGER meetings_meeting_changed AFTER INSERT OR DELETE ON meetings_meeting "
        "FOR EACH ROW EXECUTE FUNCTION meetings_meeting_changed()",
        "CREATE TRIGGER meetings_meeting_updated AFTER UPDATE ON meetings_meeting FOR EACH ROW "
        f"WHEN ({_distinct_postgres(meeting_columns)}) "
        "EXECUTE FUNCTION meetings_meeting_changed()",
        "CREATE TRIGGER meetings_participant_changed AFTER INSERT OR DELETE "
        "ON meetings_participant FOR EACH ROW EXECUTE FUNCTION meetings_participant_changed()",
        "CREATE TRIGGER meetings_participant_updated AFTER UPDATE ON meetings_participant "
        f"FOR EACH ROW WHEN ({_distinct_postgres(participant_columns)}) "
        "EXECUTE FUNCTION meetings_participant_changed()",
    ]


def postgres_uninstall_sql() -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS meetings_meeting_changed ON meetings_meeting",
        "DROP TRIGGER IF EXISTS meetings_meeting_updated ON meetings_meeting",
        "DROP TRIGGER IF EXISTS meetings_participant_changed ON meetings_participant",
        "DROP TRIGGER IF EXISTS meetings_participant_updated ON meetings_participant",
        "DROP FUNCTION IF EXISTS meetings_meeting_changed()",
        "DROP FUNCTION IF EXISTS meetings_participant_changed()",
        "DROP FUNCTION IF EXISTS meetings_people(bigint)",
        "DROP FUNCTION IF EXISTS meetings_sync_touch(bigint, bigint[], text)",
        "DROP FUNCTION IF EXISTS meetings_change_record("
        "bigint, bigint, text, text, bigint, jsonb, jsonb, bigint[])",
        "DROP FUNCTION IF EXISTS meetings_change_position()",
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
