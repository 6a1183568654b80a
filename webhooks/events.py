"""What a change to a meeting or a participant tells a webhook: its event type and payload.

- A meeting created, deleted: meeting.created, meeting.deleted.
- A meeting changed: meeting.cancelled when its status goes from scheduled to cancelled,
  meeting.updated otherwise (taking a cancellation back included).
- A participant invited or withdrawn: meeting.updated, with the participant before and after.
  The person invited hears meeting.updated too: from this change on they can see the meeting,
  and the payload's `participant` says it is them (`before` is null).
- A participant's answer, answer time or comment changed: meeting.rsvp.

Rows are the change record's, with times made ISO 8601 in UTC whatever the database wrote.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from meetings.changes.models import Change, MeetingChange, Subject

from .models import EventType

TIME_FIELDS = frozenset(
    {"start_time", "end_time", "created_at", "original_start_time", "responded_at"}
)
RSVP_FIELDS = frozenset({"status", "responded_at", "comment"})


def plan(
    changes: list[MeetingChange],
    *,
    one_transaction: Callable[[MeetingChange, MeetingChange], bool],
) -> list[tuple[MeetingChange, str, list[int]]]:
    """(change, event type, who may hear of it) for each change that makes an event.

    Deleting a meeting deletes its invitations first, in the same transaction: those
    participants' deletions make no events of their own, and the meeting.deleted that
    follows is theirs too (the record's audience of the deletion, taken once they were gone,
    leaves them out)."""
    planned: list[tuple[MeetingChange, str, list[int]]] = []
    for change in changes:
        kind = event_type(change)
        people = set(change.audience)
        if kind == EventType.MEETING_DELETED:
            while planned and _part_of_deletion(planned[-1][0], change, one_transaction):
                people |= set(planned.pop()[2])
        planned.append((change, kind, sorted(people)))
    return planned


def _part_of_deletion(
    earlier: MeetingChange,
    deletion: MeetingChange,
    one_transaction: Callable[[MeetingChange, MeetingChange], bool],
) -> bool:
    return (
        earlier.subject == Subject.PARTICIPANT
        and earlier.action == Change.DELETED
        and earlier.meeting_id == deletion.meeting_id
        and one_transaction(earlier, deletion)
    )


def event_type(change: MeetingChange) -> str:
    if change.subject == Subject.MEETING:
        if change.action == Change.CREATED:
            return EventType.MEETING_CREATED
        if change.action == Change.DELETED:
            return EventType.MEETING_DELETED
        before, after = change.before or {}, change.after or {}
        if before.get("status") == "scheduled" and after.get("status") == "cancelled":
            return EventType.MEETING_CANCELLED
        return EventType.MEETING_UPDATED
    if change.action == Change.UPDATED and _changed(change) & RSVP_FIELDS:
        return EventType.MEETING_RSVP
    return EventType.MEETING_UPDATED


def _changed(change: MeetingChange) -> set[str]:
    before, after = change.before or {}, change.after or {}
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def payload(change: MeetingChange, *, kind: str, sequence: int) -> dict[str, Any]:
    before, after = normalized(change.before), normalized(change.after)
    differences = {}
    if before is not None and after is not None:
        differences = {
            key: {"before": before.get(key), "after": after.get(key)}
            for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)
        }
    data: dict[str, Any] = {
        "meeting_id": change.meeting_id,
        "series_id": change.series_id,
        "sequence": sequence,
        "change": differences,
        "actor": {"id": change.actor_id, "username": change.actor} if change.actor else None,
        "source": change.source,
    }
    if change.subject == Subject.MEETING:
        data["meeting"] = after if after is not None else before
    else:
        data["meeting"] = None
        data["participant"] = {"before": before, "after": after}
    return {"type": kind, "timestamp": iso(change.at), "data": data}


def normalized(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {key: _time(value) if key in TIME_FIELDS else value for key, value in row.items()}


def _time(value: Any) -> Any:
    """'2026-01-05 09:00:00.123' (SQLite, UTC) or '2026-01-05T09:00:00+00:00' (PostgreSQL)
    as '2026-01-05T09:00:00.123000Z'."""
    if not isinstance(value, str) or not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
