"""A series' occurrences: the rule evaluated in wall-clock time of the series' zone.

A weekly 09:00 Europe/Amsterdam stand-up is at 09:00 in Amsterdam before and after the clocks
change: the rule runs over local times (dateutil's rrule, on naive datetimes), and each local
time becomes an instant in the zone only at the end. A local time the clocks skip (02:30 on the
night summer time starts) is read with the offset before the gap, so it lands an hour later on
the clock (03:30), as RFC 5545 (3.3.5) says; a local time that happens twice is the first one.

Unbounded rules and long ones are cut: at most `limit` occurrences, none after `horizon`.
Expansion.complete tells whether the rule ended before the cut (a periodic task extends series
that did not, as time passes).
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from .rules import Recurrence, Rule

# dateutil's constants: YEARLY 0, MONTHLY 1, WEEKLY 2, DAILY 3
_FREQUENCY: dict[str, Literal[0, 1, 2, 3]] = {
    "DAILY": du.DAILY,
    "WEEKLY": du.WEEKLY,
    "MONTHLY": du.MONTHLY,
    "YEARLY": du.YEARLY,
}
_WEEKDAY = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)


@dataclass(frozen=True)
class Expansion:
    starts: list[datetime]  # aware, UTC, in order, no repeats
    complete: bool  # every occurrence of the rule is in `starts`


def expand(
    recurrence: Recurrence, *, first_start: datetime, zone: ZoneInfo, limit: int, horizon: datetime
) -> Expansion:
    """The occurrences' start times (aware, UTC) of the rule from DTSTART `first_start`, without
    the EXDATEs, with the RDATEs. A DTSTART that does not fit the rule (a Wednesday for
    BYDAY=MO) is not an occurrence: the first is the rule's first time from it, as dateutil and
    Outlook have it."""
    local_start = wall_clock(first_start, zone)
    local_horizon = wall_clock(horizon, zone)
    excluded_moments = {
        _utc(moment, zone) for moment in recurrence.exdates if isinstance(moment, datetime)
    }
    excluded_days = {day for day in recurrence.exdates if not isinstance(day, datetime)}
    starts: set[datetime] = set()
    rule = recurrence.rule
    complete = _ends_by(rule, local_horizon, zone)  # else the horizon cut it, unless COUNT did
    made = 0
    for local in _rule_times(rule, local_start, zone, local_horizon):
        if len(starts) >= limit:
            complete = False
            break
        made += 1  # noqa: SIM113 - read after the loop: did COUNT run out?
        start = _utc(local, zone)
        if start not in excluded_moments and local.date() not in excluded_days:
            starts.add(start)
    else:
        if rule is not None and rule.count is not None and made == rule.count:
            complete = True
    for added in recurrence.rdates:
        # An instant stays that instant (one in the hour the clocks repeat included).
        start = (
            added.astimezone(UTC)
            if isinstance(added, datetime)
            else _utc(datetime.combine(added, local_start.time()), zone)
        )
        if start <= horizon and start not in excluded_moments:
            starts.add(start)
    ordered = sorted(starts)
    if len(ordered) > limit:
        ordered, complete = ordered[:limit], False
    return Expansion(ordered, complete)


def _rule_times(
    rule: Rule | None, local_start: datetime, zone: ZoneInfo, local_horizon: datetime
) -> Iterator[datetime]:
    """The rule's local (naive) times from `local_start`; without a rule, that time alone.

    dateutil searches until its UNTIL, up to the year 9999 for a rule that matches nothing more
    (the 30th of February): the horizon bounds the search, and COUNT is taken here."""
    if rule is None:
        yield local_start
        return
    until = _local_until(rule.until, zone)
    times = du.rrule(
        _FREQUENCY[rule.freq],
        dtstart=local_start,
        interval=rule.interval,
        until=local_horizon if until is None else min(until, local_horizon),
        wkst=rule.week_start,
        byweekday=[
            _WEEKDAY[day.weekday](day.ordinal) if day.ordinal else _WEEKDAY[day.weekday]
            for day in rule.by_day
        ]
        or None,
        bymonthday=list(rule.by_month_day) or None,
        bymonth=list(rule.by_month) or None,
        bysetpos=list(rule.by_set_pos) or None,
    )
    yield from itertools.islice(times, rule.count)


def _ends_by(rule: Rule | None, local_horizon: datetime, zone: ZoneInfo) -> bool:
    """Whether the rule's own end (its UNTIL) comes before the horizon."""
    if rule is None:
        return True
    until = _local_until(rule.until, zone)
    return until is not None and until <= local_horizon


def _local_until(until: datetime | date | None, zone: ZoneInfo) -> datetime | None:
    """UNTIL as a local time comparable with the rule's (it is inclusive): an instant in the
    series' zone, a date as its last moment."""
    if until is None:
        return None
    if isinstance(until, datetime):
        return wall_clock(until, zone)
    return datetime.combine(until, time.max)


def wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """The local (naive) time `moment` shows on the clocks of `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def _utc(moment: datetime, zone: ZoneInfo) -> datetime:
    """A local (naive) time in `zone`, or an aware one, as a UTC instant. fold=0: a skipped time
    takes the offset from before the gap, a repeated one is its first."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone, fold=0)
    return moment.astimezone(UTC)


def occurrence_end(start: datetime, *, duration: timedelta, zone: ZoneInfo) -> datetime:
    """An occurrence's end: its start plus the series' duration in wall-clock time, so that a
    09:00-10:00 meeting ends at 10:00 local on the day the clocks change too."""
    local_end = wall_clock(start, zone) + duration
    end = _utc(local_end, zone)
    # A start the clocks skipped is read an hour later (03:30 for 02:30); its end on the clock
    # may then come before it (03:00): it lasts its duration instead.
    return end if end > start else start + duration
