"""A recurrence written back as RFC 5545 lines, and cut in two at an occurrence.

Edits of "this and the following" occurrences end a series before the occurrence and start a new
one at it (as Google Calendar and RFC 5545's RANGE=THISANDFUTURE do); both halves are stored as
the lines a client could have sent, so that the calendar feed and later edits read them as any
other series.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .expand import expand, wall_clock
from .rules import WEEKDAYS, Recurrence, Rule

ONE_SECOND = timedelta(seconds=1)


def recurrence_lines(recurrence: Recurrence) -> list[str]:
    """The lines parse_recurrence() reads back into `recurrence`; instants in UTC."""
    lines = [] if recurrence.rule is None else [f"RRULE:{rrule_value(recurrence.rule)}"]
    for name, dates in (("EXDATE", recurrence.exdates), ("RDATE", recurrence.rdates)):
        moments = sorted(_ical(d) for d in dates if isinstance(d, datetime))
        days = sorted(_ical(d) for d in dates if not isinstance(d, datetime))
        if moments:
            lines.append(f"{name}:{','.join(moments)}")
        if days:
            lines.append(f"{name};VALUE=DATE:{','.join(days)}")
    return lines


def rrule_value(rule: Rule) -> str:
    """The RRULE's value, "FREQ=WEEKLY;BYDAY=MO", in the order RFC 5545 writes it."""
    parts = [f"FREQ={rule.freq}"]
    if rule.interval != 1:
        parts.append(f"INTERVAL={rule.interval}")
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    if rule.until is not None:
        parts.append(f"UNTIL={_ical(rule.until)}")
    if rule.by_day:
        days = (f"{day.ordinal or ''}{WEEKDAYS[day.weekday]}" for day in rule.by_day)
        parts.append(f"BYDAY={','.join(days)}")
    for name, values in (
        ("BYMONTHDAY", rule.by_month_day),
        ("BYMONTH", rule.by_month),
        ("BYSETPOS", rule.by_set_pos),
    ):
        if values:
            parts.append(f"{name}={','.join(str(v) for v in values)}")
    if rule.week_start != 0:
        parts.append(f"WKST={WEEKDAYS[rule.week_start]}")
    return ";".join(parts)


def _ical(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return moment.strftime("%Y%m%d")


def without(recurrence: Recurrence, starts: Iterable[datetime]) -> Recurrence:
    """The recurrence with these occurrences taken out (EXDATEs)."""
    return Recurrence(recurrence.rule, (*recurrence.exdates, *starts), recurrence.rdates)


def ending_before(
    recurrence: Recurrence, moment: datetime, *, first_start: datetime, zone: ZoneInfo
) -> Recurrence:
    """The part of the recurrence (whose DTSTART is `first_start`) before `moment`: its rule
    ends just before it (a COUNT counts only the times before it; an UNTIL comes no later),
    and the EXDATEs and RDATEs from it on are left out."""
    rule = recurrence.rule
    if rule is not None and rule.count is not None:
        times = expand(
            Recurrence(rule), first_start=first_start, zone=zone, limit=rule.count, horizon=moment
        )
        earlier = sum(1 for start in times.starts if start < moment)
        rule = replace(rule, count=earlier) if earlier else None
    elif rule is not None and not _ends_before(rule.until, moment, zone):
        rule = replace(rule, until=(moment - ONE_SECOND).astimezone(UTC))
    rdates = tuple(d for d in recurrence.rdates if _before(d, moment, zone))
    if recurrence.rule is None and first_start < moment and first_start not in rdates:
        # Without a rule DTSTART is an occurrence by itself: written as an RDATE, so that the
        # part is still a series' lines when its DTSTART is not stored with them.
        rdates = (first_start.astimezone(UTC), *rdates)
    return Recurrence(
        rule, tuple(d for d in recurrence.exdates if _before(d, moment, zone)), rdates
    )


def starting_at(
    recurrence: Recurrence,
    *,
    first_start: datetime,
    moment: datetime,
    zone: ZoneInfo,
    limit: int,
    horizon: datetime,
    shift: timedelta = timedelta(0),
    new_zone: ZoneInfo | None = None,
) -> tuple[Recurrence, datetime]:
    """The part of the recurrence (whose DTSTART is `first_start`) from the occurrence at
    `moment` on, with its new DTSTART, every time moved by `shift` of wall-clock time and
    read in `new_zone` (the same zone by default): 09:00 in Amsterdam becomes 09:00 in New
    York, a week's EXDATE included.

    COUNT becomes UNTIL (the rule's last time), so that the part makes the occurrences the
    whole did, no more; a rule with no time left from `moment` (the rest are RDATEs) is none.
    A shift to another day moves BYDAY's weekdays with it; ValueError if the rule names days
    it cannot move (BYMONTHDAY, numbered weekdays, BYSETPOS).
    """
    new_zone = new_zone or zone
    rule = recurrence.rule
    new_start = moment
    if rule is not None:
        times = expand(
            Recurrence(rule), first_start=first_start, zone=zone, limit=limit, horizon=horizon
        )
        later = [start for start in times.starts if start >= moment]
        if not later:
            rule = None
        else:
            new_start = later[0]
            if rule.count is not None:
                rule = replace(rule, count=None, until=times.starts[-1])
    days = (wall_clock(new_start, zone) + shift).date() - wall_clock(new_start, zone).date()
    if rule is not None and days:
        rule = _days_moved(rule, days.days)
    if rule is not None and isinstance(rule.until, datetime):
        rule = replace(rule, until=moved(rule.until, shift, zone, new_zone))

    def from_moment(dates):
        return tuple(moved(d, shift, zone, new_zone) for d in dates if not _before(d, moment, zone))

    part = Recurrence(rule, from_moment(recurrence.exdates), from_moment(recurrence.rdates))
    return part, moved(new_start, shift, zone, new_zone)


def _days_moved(rule: Rule, days: int) -> Rule:
    """The rule with its weekdays moved by `days` (Monday + 1 is Tuesday)."""
    if rule.by_month_day or rule.by_set_pos or any(day.ordinal for day in rule.by_day):
        raise ValueError("The rule names days of the month or numbered weekdays.")
    if rule.freq == "WEEKLY" and rule.interval > 1:
        # Every other week: a day moved past the week's start (WKST) would land in a week
        # the rule skips.
        places = [(day.weekday - rule.week_start) % 7 + days for day in rule.by_day]
        if any(not 0 <= place < 7 for place in places):
            raise ValueError("The move takes weekdays into weeks the rule skips.")
    by_day = tuple(replace(day, weekday=(day.weekday + days) % 7) for day in rule.by_day)
    return replace(rule, by_day=by_day)


def _ends_before(until: datetime | date | None, moment: datetime, zone: ZoneInfo) -> bool:
    if until is None:
        return False
    if isinstance(until, datetime):
        return until < moment
    return until < moment.astimezone(zone).date()


def _before(moment: datetime | date, pivot: datetime, zone: ZoneInfo) -> bool:
    if isinstance(moment, datetime):
        return moment < pivot
    return moment < pivot.astimezone(zone).date()


def moved(moment, shift: timedelta, zone: ZoneInfo, new_zone: ZoneInfo | None = None):
    """`moment` moved by `shift` of wall-clock time in `zone` and read in `new_zone` (a date
    by whole days)."""
    new_zone = new_zone or zone
    if not isinstance(moment, datetime):
        whole_days = shift % timedelta(days=1) == timedelta(0)
        return moment + shift if whole_days else moment
    if not shift and new_zone.key == zone.key:
        return moment
    local = wall_clock(moment, zone) + shift
    return local.replace(tzinfo=new_zone, fold=0).astimezone(UTC)
