"""Dry runs: a write done for real inside a transaction that is then rolled back.

The service runs exactly as it would (its checks, its locks, the events it records), so what
a dry run reports is what the real request would do, and nothing of it is kept: rows, events,
queued deliveries and cache invalidations all go with the rollback; the invitations it would
send are checked against the hourly limit but not counted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import transaction

from notifications.models import Event
from notifications.outbox import events_captured

from .booking import RoomConflict
from .cache import pending_restored
from .invitations import invitations_uncounted

Written = TypeVar("Written")
Seen = TypeVar("Seen")


@dataclass(frozen=True)
class Rehearsal(Generic[Seen]):
    seen: Seen | None  # what inspect() saw of the written data; None if the write was refused
    events: list[Event]  # the notifications that would go out
    room_conflict: RoomConflict | None  # why the write would be refused (409)


def rehearse(write: Callable[[], Written], inspect: Callable[[Written], Seen]) -> Rehearsal:
    """Run write() and then inspect() its result, and roll both back. A ValidationError or
    PermissionDenied propagates, as it would from the real write."""
    try:
        with (
            pending_restored(),
            invitations_uncounted(),
            events_captured() as events,
            transaction.atomic(),
        ):
            seen = inspect(write())
            transaction.set_rollback(True)
    except RoomConflict as conflict:
        return Rehearsal(seen=None, events=[], room_conflict=conflict)
    return Rehearsal(seen=seen, events=events, room_conflict=None)
