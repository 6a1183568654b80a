"""The room rules: one booking of a room at a time, and no more people than it seats.

On PostgreSQL the exclusion constraint room_no_double_booking (meetings.postgres) is the last word:
the database refuses an overlapping booking whoever writes it. The services check first, with
the room's row locked, so that bookings of one room run one after the other and the loser of a
race is told which meeting it clashes with (a bulk request locks the rooms but leaves the check
to the constraint, whose refusal names the clash as well); SQLite, which has no such
constraint, relies on that check alone (its IMMEDIATE transactions serialize writers).
"""

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connections, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.expressions import RawSQL

from .models import Meeting, MeetingQuerySet, Participant, Room
from .postgres import ROOM_CONSTRAINT, TsTzRange
from .selectors import user_ref

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
DEADLOCK_PATIENCE = 2.0  # seconds to wait for the writer a deadlock let through to commit
MAX_CLASHES_LISTED = 100  # a series' refusal lists this many of the bookings in its way


class RoomConflict(Exception):
    """The room is booked by `meeting` at an overlapping time. The API answers 409.

    `viewer_sees`: whether the person who asked for the room may see that meeting (they
    organize it or are invited to it); to anybody else it does not exist, and the answer
    only says when the room is busy.

    `clashes`: for a recurring meeting, every meeting in the way (the first
    MAX_CLASHES_LISTED), in time order; `meeting` is the first of them.
    """

    def __init__(self, *, room: Room, meeting: Meeting | None, clashes: Sequence[Meeting] = ()):
        super().__init__(f"{room.name} is already booked at that time.")
        self.room = room
        self.meeting = meeting
        self.viewer_sees = bool(getattr(meeting, "viewer_sees", False))
        self.clashes = list(clashes)


@dataclass(frozen=True)
class Booking:
    room_id: int
    start_time: datetime
    end_time: datetime
    meeting_id: int | None = None  # the meeting itself, when it moves


def locked_room(room_id: int, *, field: str = "room_id") -> Room:
    """The room, its row locked until the transaction ends: bookings of it wait their turn."""
    room = Room.objects.select_for_update().filter(pk=room_id).order_by("pk").first()
    if room is None:
        raise ValidationError({field: f"No such room: {room_id}."})
    return room


def locked_rooms(room_ids: Iterable[int]) -> dict[int, Room]:
    """The rooms that exist among `room_ids`, by id, their rows locked in id order (so that two
    writers locking several rooms cannot wait on each other)."""
    rooms = Room.objects.select_for_update().filter(pk__in=sorted(set(room_ids))).order_by("pk")
    return {room.pk: room for room in rooms}


# The meetings that hold a room during any of many bookings, one probe of the exclusion
# constraint's GiST index per booking (0.03 ms each), the bookings passed as arrays: one
# statement however many there are, where an OR of one clause per booking costs the planner
# and Python time that grows with them (0.6 s for a two-year daily series).
CLASHING_IDS_SQL = """
    SELECT clash.id
      FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::bigint[])
           AS b(room_id, start_time, end_time, meeting_id)
     CROSS JOIN LATERAL (
        SELECT m.id FROM meetings_meeting m
         WHERE m.room_id = b.room_id AND m.room_id IS NOT NULL AND NOT (m.status = 'cancelled')
           AND TSTZRANGE(m.start_time, m.end_time) && TSTZRANGE(b.start_time, b.end_time)
           AND m.id IS DISTINCT FROM b.meeting_id
         LIMIT 100  -- keeps the lateral subquery a probe per booking, never a merge join
     ) AS clash
"""


def _holding(bookings: Sequence[Booking], *, on_postgresql: bool) -> Q:
    """Meetings that hold a booking's room at an overlapping time (not the booking's own)."""
    if on_postgresql and len(bookings) > 1:
        columns = (
            [b.room_id for b in bookings],
            [b.start_time for b in bookings],
            [b.end_time for b in bookings],
            [b.meeting_id for b in bookings],
        )
        return Q(pk__in=RawSQL(CLASHING_IDS_SQL, columns))  # noqa: S611 - values as parameters
    holding = Q()
    for booking in bookings:
        if on_postgresql:
            overlap = Q(span__overlap=DateTimeTZRange(booking.start_time, booking.end_time, "[)"))
        else:
            overlap = Q(start_time__lt=booking.end_time, end_time__gt=booking.start_time)
        holding |= Q(room_id=booking.room_id) & overlap & ~Q(pk=booking.meeting_id)
    return holding


def _clashes(bookings: Sequence[Booking], viewer_id: int | None = None) -> MeetingQuerySet:
    meetings = Meeting.objects.all()
    on_postgresql = connections[meetings.db].vendor == "postgresql"
    if on_postgresql:
        # The exclusion constraint's own GiST index on (room_id, tstzrange(start, end)) answers
        # `room_id = r AND span && booking` at once: 0.1 ms where the btree on (room, start)
        # walks every earlier booking of the room (2 ms in the middle of three years).
        meetings = meetings.alias(span=TsTzRange("start_time", "end_time"))
    holding = _holding(bookings, on_postgresql=on_postgresql)
    if viewer_id is not None:
        # In the same query: Meeting.objects.visible_to(viewer), for this one meeting.
        invited = Participant.objects.filter(meeting=OuterRef("pk"), user_id=viewer_id)
        sees = Q(created_by_id=viewer_id) | Exists(invited)
        meetings = meetings.annotate(viewer_sees=ExpressionWrapper(sees, BooleanField()))
    return (
        meetings.filter(holding)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("created_by")
        .only("id", "title", "start_time", "end_time", "room_id", *user_ref("created_by"))
        .order_by("start_time", "id")
    )


def clashing_meetings(bookings: Sequence[Booking]) -> list[Meeting]:
    """Every meeting that holds a room during one of the bookings, in time order: one query."""
    return list(_clashes(bookings)) if bookings else []


def room_clash(booking: Booking, *, viewer_id: int | None = None) -> Meeting | None:
    """The first meeting that holds the room during the booking, if any (cancelled ones do
    not hold it), with whether `viewer_id` may see it (`viewer_sees`). One query, on the
    meeting_room_start index (PostgreSQL may also use the exclusion constraint's GiST index).
    """
    return _clashes([booking], viewer_id).first()


def check_room_free(room: Room, booking: Booking, *, viewer_id: int | None = None) -> None:
    """Raises RoomConflict; `viewer_id` is who asks (None: staff, who see every meeting)."""
    clash = room_clash(booking, viewer_id=viewer_id)
    if clash is not None:
        raise RoomConflict(room=room, meeting=clash)


def database_refuses_double_bookings() -> bool:
    """Whether the database holds the room rule itself: PostgreSQL's room_no_double_booking
    does, and refused_double_booking() names the clash it refuses; SQLite has no such rule."""
    return connections[Meeting.objects.db].vendor == "postgresql"


def check_rooms_free(
    rooms: dict[int, Room],
    bookings: Sequence[Booking],
    *,
    viewer_id: int | None = None,
    list_all: bool = False,
) -> None:
    """Many bookings at once (a bulk request, a series' occurrences) against the stored ones,
    in one query. `list_all`: the conflict lists every clash (the first MAX_CLASHES_LISTED)."""
    if not bookings:
        return
    found = _clashes(bookings, viewer_id)
    clashes = list(found[:MAX_CLASHES_LISTED]) if list_all else list(found[:1])
    if clashes:
        first = clashes[0]
        # Found by `room_id = <a booking's room>`: its room_id is one of theirs, never None.
        room = rooms[cast(int, first.room_id)]
        raise RoomConflict(room=room, meeting=first, clashes=clashes if list_all else ())


def overlapping_pair(bookings: Sequence[Booking]) -> tuple[int, int] | None:
    """The positions in `bookings` of two that hold one room at once, if any."""
    order = sorted(
        range(len(bookings)), key=lambda i: (bookings[i].room_id, bookings[i].start_time)
    )
    for earlier, later in zip(order, order[1:], strict=False):
        a, b = bookings[earlier], bookings[later]
        if a.room_id == b.room_id and b.start_time < a.end_time:
            return earlier, later
    return None


def check_capacity(room: Room, people: int, *, field: str = "room_id") -> None:
    """`people` counts the organizer and every invitee."""
    if people > room.capacity:
        raise ValidationError(
            {field: f"{room.name} seats {room.capacity}; this meeting has {people} people."}
        )


@contextmanager
def refused_double_booking(
    booking: Booking | Sequence[Booking] | None,
    *,
    viewer_id: int | None = None,
    list_all: bool = True,
) -> Iterator[None]:
    """Turn the exclusion constraint's refusal into a RoomConflict naming the clash (every
    clash, for the occurrences of a series; the first of any booking's, with `list_all=False`,
    as check_rooms_free names it for a bulk request).

    The write runs in a savepoint, so that the transaction can still look the clash up. Only
    a race that slipped past the check (a writer that did not lock the room) gets here, and
    on PostgreSQL a bulk request, which leaves the check to the constraint.
    """
    bookings = [booking] if isinstance(booking, Booking) else list(booking or ())
    if not bookings:
        yield
        return
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, OperationalError) as error:
        if not _refused_by_the_constraint(error):
            raise
        # After a deadlock the other writer commits only now that this one gave way.
        patience = DEADLOCK_PATIENCE if isinstance(error, OperationalError) else 0.0
        clashes = _committed_clashes(bookings, viewer_id=viewer_id, patience=patience)
        room_id = cast(int, clashes[0].room_id) if clashes else bookings[0].room_id
        raise RoomConflict(
            room=Room.objects.get(pk=room_id),
            meeting=clashes[0] if clashes else None,
            clashes=clashes if list_all and len(bookings) > 1 else (),
        ) from error


def _committed_clashes(
    bookings: Sequence[Booking], *, viewer_id: int | None, patience: float
) -> list[Meeting]:
    """The clashes of `bookings`, looked for again for up to `patience` seconds while none is
    committed yet; [] if none ever shows (cancelled meanwhile)."""
    deadline = time.monotonic() + patience
    while not (clashes := list(_clashes(bookings, viewer_id)[:MAX_CLASHES_LISTED])):
        if time.monotonic() >= deadline:
            return []
        time.sleep(0.02)
    return clashes


def _refused_by_the_constraint(error: IntegrityError | OperationalError) -> bool:
    """The constraint refused the row; or two writers that skipped the room's lock each found
    the other's uncommitted clashing row, waited for it, and PostgreSQL broke that deadlock by
    failing one of them (40P01, "while checking exclusion constraint"): a refusal too, told
    as a 409 rather than a 503."""
    if isinstance(error, IntegrityError):
        return ROOM_CONSTRAINT in str(error)
    deadlock = getattr(error.__cause__, "pgcode", None) == DEADLOCK_DETECTED
    return deadlock and "exclusion constraint" in str(error)
