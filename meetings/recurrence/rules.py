"""Recurrence rules as API clients send them: RFC 5545 lines, as Google Calendar's API takes them.

    ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z",
     "EXDATE;TZID=Europe/Amsterdam:20260810T090000"]

parse_recurrence() reads the lines into a Recurrence, or raises a ValidationError on the
"recurrence" field that names the line and the part it refuses. What it accepts: one RRULE with
FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT or UNTIL, BYDAY (with ordinals, "-1FR",
in monthly and yearly rules), BYMONTHDAY, BYMONTH, BYSETPOS, WKST; any number of EXDATE and
RDATE lines, in UTC ("...Z"), in a zone (TZID=) or as dates (VALUE=DATE). Nothing else: a part
we would ignore would make occurrences the client did not ask for.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

from scheduler.validation import FIRST_YEAR, LAST_YEAR

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RRULE_PARTS = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
MAX_INTERVAL = 1000
MAX_LINES = 100  # lines in one recurrence: EXDATEs of a long series fit many to a line
MAX_DATES = 1000  # dates in all EXDATE and RDATE lines together

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: in leap years
_SET_SIZE = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}  # times a period can hold
_BYDAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_DATE = re.compile(r"^\d{8}$")
_DATETIME = re.compile(r"^\d{8}T\d{6}Z?$")


@dataclass(frozen=True)
class WeekdayRule:
    weekday: int  # 0 = Monday, as datetime.weekday()
    ordinal: int | None = None  # -1 = the last in the month (or year), 2 = the second ...


@dataclass(frozen=True)
class Rule:
    """One RRULE, its values checked. UNTIL is an instant (aware) or a date."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | date | None = None
    by_day: tuple[WeekdayRule, ...] = ()
    by_month_day: tuple[int, ...] = ()
    by_month: tuple[int, ...] = ()
    by_set_pos: tuple[int, ...] = ()
    week_start: int = 0  # WKST, Monday unless told

    @property
    def bounded(self) -> bool:
        return self.count is not None or self.until is not None


@dataclass(frozen=True)
class Recurrence:
    """What parse_recurrence() read: the rule (None when the series is RDATEs only) and the
    dates taken out (EXDATE) and added (RDATE): instants (aware), or whole local dates."""

    rule: Rule | None
    exdates: tuple[datetime | date, ...] = field(default=())
    rdates: tuple[datetime | date, ...] = field(default=())


def parse_recurrence(lines: Sequence[str], *, zone: ZoneInfo) -> Recurrence:
    """`zone` is the series' time zone: a floating time (no Z, no TZID) is read in it."""
    if isinstance(lines, str) or not isinstance(lines, Sequence):
        _refuse('Send a list of RFC 5545 lines, such as ["RRULE:FREQ=WEEKLY;BYDAY=MO"].')
    if not lines:
        _refuse("Send at least one line: an RRULE or an RDATE.")
    if len(lines) > MAX_LINES:
        _refuse(f"Send at most {MAX_LINES} lines.")
    rules: list[Rule] = []
    exdates: list[datetime | date] = []
    rdates: list[datetime | date] = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, str):
            _refuse(f"Line {number} is not text.")
        name, params, value = _split_line(line, number)
        if name == "RRULE":
            if params:
                _refuse(f"Line {number}: RRULE takes no parameters ({';'.join(params)}).")
            rules.append(_parse_rrule(value, number=number, zone=zone))
        elif name in ("EXDATE", "RDATE"):
            found = _parse_dates(name, params, value, number=number, zone=zone)
            (exdates if name == "EXDATE" else rdates).extend(found)
        else:
            _refuse(f"Line {number}: {name} is not supported; send RRULE, EXDATE or RDATE lines.")
    if len(rules) > 1:
        _refuse("Send one RRULE: a series follows one rule (EXDATE and RDATE adjust it).")
    if not rules and not rdates:
        _refuse("Send an RRULE, or RDATE lines: a series needs dates to recur on.")
    if len(exdates) + len(rdates) > MAX_DATES:
        _refuse(f"Send at most {MAX_DATES} dates in EXDATE and RDATE lines together.")
    return Recurrence(rules[0] if rules else None, tuple(exdates), tuple(rdates))


def _refuse(message: str) -> NoReturn:
    raise ValidationError({"recurrence": [message]})


def _split_line(line: str, number: int) -> tuple[str, list[str], str]:
    head, colon, value = line.strip().partition(":")
    if not colon or not value:
        _refuse(f"Line {number} is not NAME:VALUE (RFC 5545), such as RRULE:FREQ=DAILY.")
    name, *params = head.split(";")
    return name.upper(), params, value


def _parse_rrule(text: str, *, number: int, zone: ZoneInfo) -> Rule:
    parts: dict[str, str] = {}
    for item in text.split(";"):
        key, equals, value = item.partition("=")
        key = key.upper()
        if not equals or not value:
            _refuse(f"Line {number}: RRULE part {item!r} is not NAME=VALUE.")
        if key not in RRULE_PARTS:
            _refuse(
                f"Line {number}: RRULE part {key} is not supported; use {', '.join(RRULE_PARTS)}."
            )
        if key in parts:
            _refuse(f"Line {number}: RRULE part {key} is given twice.")
        parts[key] = value.upper()
    return _rule(parts, number=number, zone=zone)


def _rule(parts: dict[str, str], *, number: int, zone: ZoneInfo) -> Rule:
    where = f"Line {number}: RRULE"
    freq = parts.get("FREQ")
    if freq is None:
        _refuse(f"{where} needs FREQ.")
    if freq not in FREQUENCIES:
        _refuse(f"{where} FREQ={freq} is not supported; use {', '.join(FREQUENCIES)}.")
    if "COUNT" in parts and "UNTIL" in parts:
        _refuse(f"{where} has COUNT and UNTIL: give one of them (RFC 5545).")
    by_day = tuple(_weekday_rule(v, where=where, freq=freq) for v in _list(parts, "BYDAY"))
    by_month_day = tuple(
        _int(v, where=f"{where} BYMONTHDAY", low=-31, high=31, nonzero=True)
        for v in _list(parts, "BYMONTHDAY")
    )
    if by_month_day and freq == "WEEKLY":
        _refuse(f"{where} BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545).")
    by_month = tuple(
        _int(v, where=f"{where} BYMONTH", low=1, high=12) for v in _list(parts, "BYMONTH")
    )
    by_set_pos = tuple(
        _int(v, where=f"{where} BYSETPOS", low=-366, high=366, nonzero=True)
        for v in _list(parts, "BYSETPOS")
    )
    if by_month and by_month_day:
        longest = max(_DAYS_IN_MONTH[month - 1] for month in by_month)
        if all(abs(day) > longest for day in by_month_day):
            _refuse(f"{where} BYMONTHDAY: no listed day falls in the listed months.")
    if by_set_pos and not (by_day or by_month_day or by_month):
        _refuse(f"{where} BYSETPOS needs another BY part (BYDAY, BYMONTHDAY or BYMONTH).")
    if by_set_pos and max(abs(p) for p in by_set_pos) > _SET_SIZE[freq]:
        _refuse(f"{where} BYSETPOS: a {freq.lower()} set has at most {_SET_SIZE[freq]} times.")
    week_start = parts.get("WKST", "MO")
    if week_start not in WEEKDAYS:
        _refuse(f"{where} WKST={week_start} is not a weekday; use one of {', '.join(WEEKDAYS)}.")
    return Rule(
        freq=freq,
        interval=_int(parts.get("INTERVAL", "1"), where=f"{where} INTERVAL", low=1,
                      high=MAX_INTERVAL),
        count=_int(parts["COUNT"], where=f"{where} COUNT", low=1) if "COUNT" in parts else None,
        until=_until(parts["UNTIL"], where=where, zone=zone) if "UNTIL" in parts else None,
        by_day=by_day,
        by_month_day=by_month_day,
        by_month=by_month,
        by_set_pos=by_set_pos,
        week_start=WEEKDAYS.index(week_start),
    )  # fmt: skip


def _list(parts: dict[str, str], key: str) -> list[str]:
    return parts[key].split(",") if key in parts else []


def _int(
    value: str, *, where: str, low: int, high: int | None = None, nonzero: bool = False
) -> int:
    if not re.fullmatch(r"[+-]?\d{1,9}", value):
        _refuse(f"{where} must be a whole number, not {value!r}.")
    number = int(value)
    too_high = high is not None and number > high
    if number < low or too_high or (nonzero and number == 0):
        upper = f" to {high}" if high is not None else " or more"
        zero = ", not 0" if nonzero else ""
        _refuse(f"{where} must be {low}{upper}{zero}; it is {number}.")
    return number


def _weekday_rule(value: str, *, where: str, freq: str) -> WeekdayRule:
    match = _BYDAY.match(value)
    if match is None:
        _refuse(f"{where} BYDAY value {value!r} is not a weekday such as MO, 2TU or -1FR.")
    sign, digits, day = match.groups()
    if digits is None:
        if sign:
            _refuse(f"{where} BYDAY value {value!r} has a sign but no number.")
        return WeekdayRule(WEEKDAYS.index(day))
    if freq not in ("MONTHLY", "YEARLY"):
        _refuse(f"{where} BYDAY {value}: a numbered weekday needs FREQ=MONTHLY or YEARLY.")
    limit = 5 if freq == "MONTHLY" else 53
    ordinal = int(digits) * (-1 if sign == "-" else 1)
    if not 1 <= abs(ordinal) <= limit:
        _refuse(f"{where} BYDAY {value}: the number must be 1 to {limit}, or -1 to -{limit}.")
    return WeekdayRule(WEEKDAYS.index(day), ordinal)


def _until(value: str, *, where: str, zone: ZoneInfo) -> datetime | date:
    if _DATE.match(value):
        return _date(value, where=f"{where} UNTIL")
    if not _DATETIME.match(value):
        _refuse(f"{where} UNTIL={value} is not a date (20270630) or a time (20270630T000000Z).")
    return _moment(value, zone=zone, where=f"{where} UNTIL")


def _parse_dates(
    name: str, params: list[str], value: str, *, number: int, zone: ZoneInfo
) -> list[datetime | date]:
    where = f"Line {number}: {name}"
    kind, dates_zone = "DATE-TIME", zone
    for param in params:
        key, equals, setting = param.partition("=")
        key = key.upper()
        if key == "TZID" and equals:
            dates_zone = _zone(setting, where=where)
        elif key == "VALUE" and setting.upper() in ("DATE", "DATE-TIME"):
            kind = setting.upper()
        else:
            _refuse(f"{where} parameter {param!r} is not supported; use TZID= or VALUE=DATE.")
    items = value.split(",")
    if len(items) > MAX_DATES:
        _refuse(f"{where} has {len(items)} dates; send at most {MAX_DATES}.")
    found: list[datetime | date] = []
    for item in items:
        item = item.strip().upper()
        if kind == "DATE":
            if not _DATE.match(item):
                _refuse(f"{where} {item!r} is not a date such as 20260810 (VALUE=DATE).")
            found.append(_date(item, where=where))
        else:
            if not _DATETIME.match(item):
                _refuse(f"{where} {item!r} is not a time such as 20260810T090000.")
            found.append(_moment(item, zone=dates_zone, where=where))
    return found


def _zone(name: str, *, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
        _refuse(f"{where} TZID={name[:64]} is not an IANA time zone such as Europe/Amsterdam.")


def _date(value: str, *, where: str) -> date:
    _check_year(value, where=where)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        _refuse(f"{where} {value} is not a real date.")


def _check_year(value: str, *, where: str) -> None:
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        _refuse(f"{where} {value}: use a year between {FIRST_YEAR} and {LAST_YEAR}.")


def _moment(value: str, *, zone: ZoneInfo, where: str) -> datetime:
    """A DATE-TIME: UTC with a Z, else a wall-clock time in `zone`."""
    _check_year(value, where=where)
    try:
        naive = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")  # noqa: DTZ007 - zoned below
    except ValueError:
        _refuse(f"{where} {value} is not a real time.")
    if value.endswith("Z"):
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=zone)
