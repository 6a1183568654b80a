"""Reading the change record in commit order.

A change's position is its transaction's id on PostgreSQL. Transactions commit out of the order
their ids were given, so a reader that took every visible change up to the highest position it
saw could step past a transaction still running with a lower id, and miss it for good. Readers
go instead up to the horizon: the oldest transaction still running (PostgreSQL's snapshot xmin).
Every change below it is committed or will never be; a change at or above it is read next time.
On SQLite one writer at a time commits in position order, and the horizon is one past the last.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import Max

from .models import Change, MeetingChange


def change_horizon(*, using: str = "default") -> int:
    """The position below which the change record is final: no transaction can still add a
    change there. Read changes with position >= (the last horizon) and < (this one)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            return cursor.fetchone()[0]
    last = MeetingChange.objects.using(using).aggregate(last=Max("position"))["last"]
    return (last or 0) + 1


@dataclass(frozen=True)
class SyncRow:
    meeting_id: int
    position: int
    change: str  # created, updated or deleted, as the reader since `since` should see it


@dataclass(frozen=True)
class SyncSlice:
    horizon: int
    rows: list[SyncRow]
    more: bool


_HORIZON_SQL = {
    "postgresql": "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
    "sqlite": "(SELECT COALESCE(MAX(position), 0) + 1 FROM meetings_meetingchange)",
}


def sync_changes(
    *,
    user_id: int,
    since: int,
    horizon: int | None,
    after: tuple[int, int] | None,
    size: int,
    using: str = "default",
) -> SyncSlice:
    """What changed for `user_id` at positions since <= p < horizon, after the (position,
    meeting id) `after`, `size` at most, in one query: with `horizon` None it is taken now, in
    the same statement. Reads only the person's own changed rows (syncstate_user)."""
    connection = connections[using]
    horizon_sql = "%s" if horizon is not None else _HORIZON_SQL[connection.vendor]
    last_position, last_meeting = after or (since - 1, 0)
    sql = f"""
        SELECT h.horizon, s.meeting_id, s.position, s.change, s.appeared
        FROM (SELECT {horizon_sql} AS horizon) AS h
        LEFT JOIN meetings_syncstate AS s
          ON s.user_id = %s AND s.position >= %s AND s.position < h.horizon
             AND (s.position > %s OR (s.position = %s AND s.meeting_id > %s))
        ORDER BY s.position, s.meeting_id
        LIMIT %s"""  # noqa: S608 - only the horizon expression, from the constants above
    params = [user_id, since, last_position, last_position, last_meeting, size + 1]
    if horizon is not None:
        params.insert(0, horizon)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = [
        SyncRow(meeting_id=m, position=p, change=_as_seen(change, appeared, since))
        for _, m, p, change, appeared in fetched
        if m is not None
    ]
    return SyncSlice(horizon=fetched[0][0], rows=rows[:size], more=len(rows) > size)


def _as_seen(change: str, appeared: int, since: int) -> str:
    if change != Change.DELETED and appeared >= since:
        return Change.CREATED  # new to a reader whose token is older, however often changed
    return change
