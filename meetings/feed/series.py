"""A series as calendar applications read it: one master event whose rule makes the plain
occurrences, in the series' zone, and the occurrences that differ from what it makes.

The master is written from the series' stored lines, not from its rows: an occurrence that was
deleted is an EXDATE there already, and the rows of the feed's window do not bound the rule.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone

from meetings.models import Meeting, Series
from meetings.recurrence.expand import expand, occurrence_end
from meetings.recurrence.rules import Recurrence, Rule, parse_recurrence
from meetings.recurrence.split import rrule_value
from scheduler.validation import LAST_YEAR

# A VTIMEZONE lists the zone's changes between two dates; clients that know the TZID (all the
# common ones do) use their own rules instead, the rest need the years the series covers.
TIMEZONE_YEARS = 50
LAST_MOMENT = datetime(LAST_YEAR, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Master:
    """The master event's times, aware in the series' zone (written with its TZID)."""

    start: datetime
    end: datetime
    rrule: str | None
    exdates: list[datetime]
    rdates: list[datetime]


def series_master(series: Series, *, without: Iterable[datetime] = ()) -> Master:
    """`without`: original starts of occurrences to leave out too (as EXDATEs)."""
    zone = ZoneInfo(series.time_zone)
    recurrence = parse_recurrence(series.recurrence, zone=zone)
    start = _first_time(recurrence, series, zone).astimezone(zone)
    end = occurrence_end(start, duration=series.duration, zone=zone).astimezone(zone)
    rule = recurrence.rule
    return Master(
        start=start,
        end=end,
        rrule=None if rule is None else rrule_value(_until_as_instant(rule, zone)),
        exdates=sorted({_local(moment, start, zone) for moment in (*recurrence.exdates, *without)}),
        rdates=[_local(moment, start, zone) for moment in recurrence.rdates],
    )


def _first_time(recurrence: Recurrence, series: Series, zone: ZoneInfo) -> datetime:
    """The rule's first time. RFC 5545 counts DTSTART as an occurrence even where the rule
    does not match it (a Wednesday for BYDAY=MO); our rule does not (expand()), so the master
    starts at the first time the rule makes, before EXDATEs."""
    if recurrence.rule is None:
        return series.first_start
    times = expand(
        Recurrence(recurrence.rule),
        first_start=series.first_start,
        zone=zone,
        limit=1,
        horizon=LAST_MOMENT,
    )
    return times.starts[0] if times.starts else series.first_start


def _until_as_instant(rule: Rule, zone: ZoneInfo) -> Rule:
    """UNTIL must be of DTSTART's type (RFC 5545): a date becomes its last moment in the
    zone, the way expand() reads it."""
    if rule.until is None or isinstance(rule.until, datetime):
        return rule
    last = datetime.combine(rule.until, time(23, 59, 59), tzinfo=zone)
    return replace(rule, until=last.astimezone(UTC))


def _local(moment: datetime | date, start: datetime, zone: ZoneInfo) -> datetime:
    """An EXDATE or RDATE as a time in the zone, like DTSTART. A date stands for the rule's
    time on that day (expand() reads it so): the rule has no BYHOUR, every time is DTSTART's."""
    if isinstance(moment, datetime):
        return moment.astimezone(zone)
    return datetime.combine(moment, start.timetz().replace(tzinfo=None), tzinfo=zone)


def is_exception(occurrence: Meeting, series: Series) -> bool:
    """Whether the occurrence differs from what the master makes, and so needs its own event."""
    if occurrence.exception_fields or occurrence.status == Meeting.Status.CANCELLED:
        return True
    original = occurrence.original_start_time
    if original is None or occurrence.start_time != original:
        return True
    zone = ZoneInfo(series.time_zone)
    return occurrence.end_time != occurrence_end(original, duration=series.duration, zone=zone)


def recurrence_id(occurrence: Meeting, series: Series) -> datetime:
    """The occurrence's RECURRENCE-ID: the start the rule gave it, in the series' zone."""
    original = occurrence.original_start_time or occurrence.start_time
    return original.astimezone(ZoneInfo(series.time_zone))


@lru_cache(maxsize=256)
def series_timezone(name: str, first_year: int) -> Timezone:
    """The VTIMEZONE of `name` from the year a series starts. Making one walks every change of
    the zone, so each is made once per process; calendars only read it."""
    return Timezone.from_tzinfo(
        ZoneInfo(name),
        tzid=name,
        first_date=date(first_year, 1, 1),
        last_date=date(first_year + TIMEZONE_YEARS, 1, 1),
    )
