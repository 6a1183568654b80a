"""Find a time: the first slots when everyone works and nobody is busy, or why there are none."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property, reduce
from itertools import combinations, islice

from accounts.models import User

from .busy import busy_rows
from .intervals import (
    QUARTER,
    Interval,
    difference,
    intersection,
    longest,
    merged,
    quarter_ceiling,
)
from .rooms import RoomRef, free_rooms, rooms_with_bookings
from .working_hours import WorkingHours, describe, working_intervals


@dataclass(frozen=True)
class Suggestion:
    slots: list[Interval]
    reasons: list[str]  # why there are no slots; empty when there are
    rooms: list[list[RoomRef]] | None = None  # with_rooms: the free rooms of each slot


def suggest_slots(
    *,
    people: Sequence[User],
    start: datetime,
    end: datetime,
    duration: timedelta,
    limit: int,
    now: datetime,
    display_zone: tzinfo,
    with_rooms: bool = False,
) -> Suggestion:
    """The first `limit` slots of `duration` in [start, end), earliest first, starting on a
    quarter hour, never before `now`, inside everyone's working hours (each in their own zone)
    and outside everyone's meetings, tentative ones included. `people` need the fields of
    busy.AVAILABILITY_USER_FIELDS. At most one query (none when the working hours never meet).

    with_rooms: only slots when some room seating everyone is free, with up to
    rooms.ROOMS_PER_SLOT of them each (smallest first); one more query.
    """
    start, end = quarter_ceiling(max(start, now)), end.astimezone(UTC)  # UTC: see intervals
    context = _Context(people, start, end, duration, display_zone)
    if start >= end:
        return Suggestion([], [f"The window is over: it ended {context.at(end)}."])
    shared = reduce(intersection, context.working.values())
    blocked: list[Interval] = []
    if shared:
        rows = busy_rows(user_ids=list(context.hours), start=start, end=end)
        blocked = merged((row_start, row_end) for _, row_start, row_end, _ in rows)
    free = difference(shared, blocked)
    slots = cut_slots(free, duration=duration, limit=limit)
    if not slots:
        return Suggestion([], explain(context, shared=shared, free=free))
    if with_rooms:
        return _with_rooms(context, free=free, limit=limit)
    return Suggestion(slots, [])


def candidate_slots(free: list[Interval], *, duration: timedelta) -> Iterator[Interval]:
    """Every quarter-hour start in the free intervals where `duration` fits, in order."""
    for free_start, free_end in free:
        slot = quarter_ceiling(free_start)
        while slot + duration <= free_end:
            yield (slot, slot + duration)
            slot += QUARTER


def cut_slots(free: list[Interval], *, duration: timedelta, limit: int) -> list[Interval]:
    return list(islice(candidate_slots(free, duration=duration), limit))


def _with_rooms(context: "_Context", *, free: list[Interval], limit: int) -> Suggestion:
    rooms = rooms_with_bookings(
        min_capacity=len(context.people), start=context.start, end=context.end
    )
    slots: list[Interval] = []
    slot_rooms: list[list[RoomRef]] = []
    for slot in candidate_slots(free, duration=context.duration):
        if len(slots) == limit:
            break
        if here := free_rooms(rooms, slot):
            slots.append(slot)
            slot_rooms.append(here)
    if slots:
        return Suggestion(slots, [], slot_rooms)
    seats = f"{len(context.people)} {'person' if len(context.people) == 1 else 'people'}"
    if not rooms:
        return Suggestion([], [f"No room seats {seats}."], [])
    reason = f"Every room seating {seats} is booked whenever everyone is free {context.window()}."
    return Suggestion([], [reason], [])


# -- why nothing fits ------------------------------------------------------------------------


@dataclass
class _Context:
    """What the reasons speak of: the people and their hours, the window, the caller's zone."""

    people: Sequence[User]
    start: datetime
    end: datetime
    duration: timedelta
    zone: tzinfo

    @cached_property
    def hours(self) -> dict[int, WorkingHours]:
        return {person.pk: WorkingHours.of(person) for person in self.people}

    @cached_property
    def working(self) -> dict[int, list[Interval]]:
        window = {"start": self.start, "end": self.end}
        return {pk: working_intervals(hours, **window) for pk, hours in self.hours.items()}

    def at(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.zone):%a %d %b %Y %H:%M} ({_zone_name(self.zone)} time)"

    def window(self) -> str:
        return f"between {_local(self.start, self.zone)} and {self.at(self.end)}"

    def span(self, interval: Interval) -> str:
        length = interval[1] - interval[0]  # in UTC (see intervals), not in wall-clock time
        start, end = (moment.astimezone(self.zone) for moment in interval)
        closing = f"{end:%H:%M}" if end.date() == start.date() else _local(end, self.zone)
        return f"{_length(length)}, {_local(start, self.zone)}-{closing}"

    def person(self, user: User) -> str:
        return f"{user.username} ({describe(self.hours[user.pk])})"


def explain(context: _Context, *, shared: list[Interval], free: list[Interval]) -> list[str]:
    """Human sentences saying why no slot fits, the most basic cause first."""
    idle = [user for user in context.people if not context.working[user.pk]]
    if idle:
        return [f"{context.person(user)} does not work {context.window()}." for user in idle]
    if not shared:
        names = _names([context.person(user) for user in _apart(context)])
        return [f"The working hours of {names} never overlap {context.window()}."]
    wanted = _length(context.duration)
    stretch = longest(_usable(shared))
    if stretch is None:  # working hours off the quarter hours, overlapping by minutes
        return [f"No quarter hour starts in working time everyone shares {context.window()}."]
    if stretch[1] - stretch[0] < context.duration:
        return [
            f"The longest stretch of working time everyone shares is {context.span(stretch)} "
            f"({_zone_name(context.zone)} time), shorter than the {wanted} asked for."
        ]
    gap = longest(_usable(free))
    if gap is None:
        return [f"Meetings fill all the working time everyone shares {context.window()}."]
    return [
        "Meetings fill the working time everyone shares: the longest free stretch is "
        f"{context.span(gap)} ({_zone_name(context.zone)} time), shorter than the {wanted} "
        "asked for."
    ]


def _apart(context: _Context) -> list[User]:
    """Two people whose working hours never meet in the window, or everyone if each two do
    (and only all together do not). People with the same hours are compared once."""
    first_with: dict[WorkingHours, User] = {}
    for user in context.people:
        first_with.setdefault(context.hours[user.pk], user)
    for one, other in combinations(first_with.values(), 2):
        if not intersection(context.working[one.pk], context.working[other.pk]):
            return [one, other]
    return list(context.people)


def _usable(intervals: list[Interval]) -> list[Interval]:
    """The part of each interval from its first quarter hour, where slots can start."""
    return [(quarter_ceiling(a), b) for a, b in intervals if quarter_ceiling(a) < b]


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _local(moment: datetime, zone: tzinfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %Y %H:%M}"


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def _length(length: timedelta) -> str:
    hours, seconds = divmod(int(length.total_seconds()), 3600)
    minutes = seconds // 60
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes or not hours else ""]
    return " ".join(part for part in parts if part)
