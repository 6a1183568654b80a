"""Half-open time intervals [start, end) as (start, end) pairs of datetimes in UTC.

UTC, because Python adds, subtracts and compares two datetimes of one zone as wall-clock times:
an hour off across a daylight-saving change. Every function takes and returns lists sorted by
start; `merged()` makes one from any list.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

Interval = tuple[datetime, datetime]

QUARTER = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined and empty ones dropped."""
    result: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def clipped(intervals: Iterable[Interval], *, start: datetime, end: datetime) -> list[Interval]:
    return [(max(a, start), min(b, end)) for a, b in intervals if a < end and b > start]


def intersection(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """The time in both lists (each merged), by walking them side by side."""
    result, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return result


def difference(kept: list[Interval], removed: list[Interval]) -> list[Interval]:
    """The time of `kept` outside `removed` (each merged)."""
    result, j = [], 0
    for start, end in kept:
        while j < len(removed) and removed[j][1] <= start:
            j += 1
        k, cursor = j, start
        while k < len(removed) and removed[k][0] < end:
            if removed[k][0] > cursor:
                result.append((cursor, removed[k][0]))
            cursor = max(cursor, removed[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def quarter_ceiling(moment: datetime) -> datetime:
    """The first quarter hour at or after `moment`.

    Quarters of UTC are quarters of every zone in use today: all offsets are whole quarter
    hours (Nepal +05:45, Chatham +12:45 included).
    """
    moment = moment.astimezone(UTC)
    late = (moment - _EPOCH) % QUARTER
    return moment + (QUARTER - late) if late else moment


def longest(intervals: Iterable[Interval]) -> Interval | None:
    return max(intervals, key=lambda i: i[1] - i[0], default=None)
