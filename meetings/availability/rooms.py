"""Rooms for find-a-time: those that seat everyone, with their bookings, in one query."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import DateTimeField, Value

from meetings.models import Meeting, Room

from .intervals import Interval, merged

ROOMS_PER_SLOT = 5


@dataclass(frozen=True)
class RoomRef:
    id: int
    name: str
    capacity: int
    location: str


@dataclass(frozen=True)
class RoomBookings:
    room: RoomRef
    busy: list[Interval]  # merged
    _ends: list[datetime]

    def is_free(self, slot: Interval) -> bool:
        # The first booking that ends after the slot starts is the only one that could overlap.
        index = bisect_right(self._ends, slot[0])
        return index == len(self.busy) or self.busy[index][0] >= slot[1]


def rooms_with_bookings(*, min_capacity: int, start: datetime, end: datetime) -> list[RoomBookings]:
    """Rooms seating at least `min_capacity`, smallest first (then by name), each with its
    bookings in [start, end) by meetings that are not cancelled.

    One query: UNION ALL of the rooms (with no times) and their bookings in the window, which
    the overlap index finds (on PostgreSQL also the room_no_double_booking GiST index).
    """
    no_time = Value(None, output_field=DateTimeField())
    rooms = (
        Room.objects.filter(capacity__gte=min_capacity)
        .order_by()
        .values_list("id", "name", "capacity", "location", no_time, no_time)
    )
    bookings = (
        Meeting.objects.overlapping(start, end)
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(room__capacity__gte=min_capacity)
        .order_by()
        .values_list(
            "room_id", "room__name", "room__capacity", "room__location", "start_time", "end_time"
        )
    )
    found: dict[int, tuple[RoomRef, list[Interval]]] = {}
    for room_id, name, capacity, location, booked_from, booked_to in rooms.union(
        bookings, all=True
    ):
        _, busy = found.setdefault(room_id, (RoomRef(room_id, name, capacity, location), []))
        if booked_from is not None:
            busy.append((booked_from.astimezone(UTC), booked_to.astimezone(UTC)))
    ordered = sorted(found.values(), key=lambda item: (item[0].capacity, item[0].name, item[0].id))
    return [_bookings(room, busy) for room, busy in ordered]


def _bookings(room: RoomRef, busy: list[Interval]) -> RoomBookings:
    busy = merged(busy)
    return RoomBookings(room, busy, [booked_to for _, booked_to in busy])


def free_rooms(rooms: list[RoomBookings], slot: Interval) -> list[RoomRef]:
    """The first ROOMS_PER_SLOT rooms (smallest first) free during the whole slot."""
    free: list[RoomRef] = []
    for room in rooms:
        if room.is_free(slot):
            free.append(room.room)
            if len(free) == ROOMS_PER_SLOT:
                break
    return free
