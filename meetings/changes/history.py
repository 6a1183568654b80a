"""The change record as people read it: a meeting's history, newest first, each change with who
made it, from where, and what it changed (field: before -> after).

The triggers store each row as the database wrote it out as JSON: on PostgreSQL a time is an
ISO string with its offset, on SQLite a naive "YYYY-MM-DD HH:MM:SS.ffffff" in UTC. Both are read
back here as aware datetimes in UTC, and ids as ints, so that the two backends give one history.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from accounts.models import User

from ..models import Meeting
from .models import Change, MeetingChange, Subject

TIMES = frozenset({"start_time", "end_time", "created_at", "original_start_time", "responded_at"})
# Not shown as changes: the row's own id, updated_at (moved by every save), and for an
# invitation the meeting and person it belongs to, which the entry names already.
HIDDEN = {
    Subject.MEETING: frozenset({"id", "updated_at"}),
    Subject.PARTICIPANT: frozenset({"id", "updated_at", "meeting_id", "user_id"}),
}
COLUMNS = ("id", "at", "actor_id", "actor", "source", "subject", "action", "user_id")


@dataclass(frozen=True)
class Person:
    id: int | None
    name: str | None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    actor: Person  # a person (id and username then) or a task (its name, no id)
    source: str  # api, admin, task or system
    subject: str
    action: str
    participant: Person | None  # the invitation's person, when subject is participant
    changes: dict[str, dict[str, object]]


def history_access(*, user: User, meeting_id: int) -> Literal["organizer", "invited"] | None:
    """How `user` stands to the meeting: its organizer, invited to it, or neither (None: a
    meeting they cannot see, or deleted). One query."""
    organizer_id = (
        Meeting.objects.visible_to(user)
        .filter(pk=meeting_id)
        .values_list("created_by_id", flat=True)
        .first()
    )
    if organizer_id is None:
        return None
    return "organizer" if organizer_id == user.pk else "invited"


def meeting_history(*, meeting_id: int) -> QuerySet[MeetingChange]:
    """Every change to the meeting and to its invitations; the caller orders and pages it
    (the index meetingchange_meeting serves (meeting_id, id) both ways)."""
    return (
        MeetingChange.objects.filter(meeting_id=meeting_id)
        .only(*COLUMNS, "before", "after")
        .order_by("-id")
    )


def history_entries(changes: Sequence[MeetingChange]) -> list[HistoryEntry]:
    """The changes as entries; the invitations' people are read in one query for them all."""
    user_ids = {change.user_id for change in changes if change.user_id is not None}
    names = _usernames(user_ids)
    return [_entry(change, names) for change in changes]


def _usernames(user_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(user_ids)
    if not wanted:
        return {}
    return dict(User.objects.filter(pk__in=wanted).values_list("pk", "username"))


def _entry(change: MeetingChange, names: dict[int, str]) -> HistoryEntry:
    participant = None
    if change.user_id is not None:
        participant = Person(id=change.user_id, name=names.get(change.user_id))
    return HistoryEntry(
        id=change.pk,
        at=change.at,
        actor=Person(id=change.actor_id, name=change.actor),
        source=change.source,
        subject=change.subject,
        action=change.action,
        participant=participant,
        changes=change_fields(change),
    )


def change_fields(change: MeetingChange) -> dict[str, dict[str, object]]:
    """{field: {"before": x, "after": y}} for the fields the change made different: every
    field of a row created (before None), of a row deleted (after None)."""
    hidden = HIDDEN.get(Subject(change.subject), frozenset())
    before = _normalized(change.before or {})
    after = _normalized(change.after or {})
    fields = {}
    for name in dict.fromkeys((*before, *after)):
        old, new = before.get(name), after.get(name)
        if change.action == Change.UPDATED and old == new:
            continue
        # The entry names an invitation's meeting and person as they are after the change:
        # one that moved them says so.
        if name in hidden and (change.action != Change.UPDATED or name == "updated_at"):
            continue
        fields[name] = {"before": old, "after": new}
    return fields


def _normalized(row: dict) -> dict[str, object]:
    return {name: normalize(name, value) for name, value in row.items()}


def normalize(name: str, value: object) -> object:
    """A column's value as read from the JSON the triggers wrote, alike on both backends."""
    if value is None:
        return None
    if name in TIMES and isinstance(value, str):
        moment = parse_datetime(value.replace(" ", "T", 1))
        if moment is None:
            return value
        if moment.tzinfo is None:  # SQLite keeps UTC without an offset
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    if (name == "id" or name.endswith("_id")) and isinstance(value, int | str | float):
        return int(value)
    return value
