"""Each person's working hours as instants, day by day in their own time zone."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from accounts.models import User

from .intervals import Interval, clipped

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WorkingHours:
    zone: str
    start: time
    end: time  # after start, on the same day (the User model's constraint)
    weekdays: frozenset[int]  # ISO: 1 = Monday

    @classmethod
    def of(cls, user: User) -> "WorkingHours":
        return cls(user.timezone, user.work_start, user.work_end, user.working_weekdays)


def first_instant_at(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The first instant of `day` when the clocks of `zone` show `clock` or later, in UTC.

    Usually the local time itself (the earlier one when the clocks go back and show it twice).
    A time the clocks skip (02:30 when they jump from 02:00 to 03:00) becomes the instant of
    the jump, when they show 03:00: the day is neither shifted nor broken.
    """
    local = datetime.combine(day, clock, tzinfo=zone)  # fold=0: the offset before a change
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    return _end_of_gap(before=local.replace(fold=1).astimezone(UTC), after=instant, zone=zone)


def _end_of_gap(*, before: datetime, after: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The instant the clocks jump, between an instant before it and one after it (bisection
    on whole seconds: zone changes fall on them, and zoneinfo does not list its changes)."""
    offset_after = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def working_intervals(hours: WorkingHours, *, start: datetime, end: datetime) -> list[Interval]:
    """The person's working time within [start, end), sorted: one interval per working day.

    Each day is computed in the person's zone, so a 09:00-17:00 day lasts 8 hours on both
    sides of a daylight-saving change, and its UTC times move with the change.
    """
    zone = zoneinfo.ZoneInfo(hours.zone)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    days = []
    while day <= last:
        if day.isoweekday() in hours.weekdays:
            opens = first_instant_at(day, hours.start, zone)
            closes = first_instant_at(day, hours.end, zone)
            if opens < closes:  # both skipped by the same jump: no working time that day
                days.append((opens, closes))
        day += timedelta(days=1)
    return clipped(days, start=start, end=end)


def describe(hours: WorkingHours) -> str:
    """ "Mon-Fri 09:00-17:00, Europe/Paris"."""
    return f"{_days(hours.weekdays)} {hours.start:%H:%M}-{hours.end:%H:%M}, {hours.zone}"


def _days(weekdays: frozenset[int]) -> str:
    ordered = sorted(weekdays)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0] - 1]}-{DAY_NAMES[ordered[-1] - 1]}"
    return ", ".join(DAY_NAMES[day - 1] for day in ordered)
