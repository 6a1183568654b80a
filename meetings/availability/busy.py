"""Reads for free/busy: the people asked about, and their busy time in one query."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from accounts.models import User
from meetings import cache as meeting_cache
from meetings.models import Participant
from meetings.selectors import busy_queryset

from .intervals import Interval, clipped, difference, merged

BUSY, TENTATIVE = "busy", "tentative"
AVAILABILITY_USER_FIELDS = ("id", "username", "timezone", "work_start", "work_end", "working_days")
# Answers that keep a meeting in someone's calendar, and how firmly.
_INVITED_STATUS = {
    Participant.Status.ACCEPTED: BUSY,
    Participant.Status.TENTATIVE: TENTATIVE,
    Participant.Status.NEEDS_ACTION: TENTATIVE,
}


@dataclass(frozen=True)
class BusyInterval:
    start: datetime
    end: datetime
    status: str  # BUSY or TENTATIVE


@dataclass(frozen=True)
class PersonBusy:
    user: User
    intervals: list[BusyInterval]


def availability_users(*, user_ids: Sequence[int]) -> list[User]:
    """The active users among `user_ids`, in that order, with the columns availability reads.

    One query; the caller compares the result with what it asked for.
    """
    found = (
        User.objects.filter(pk__in=list(user_ids), is_active=True)
        .only(*AVAILABILITY_USER_FIELDS)
        .in_bulk()
    )
    return [found[user_id] for user_id in user_ids if user_id in found]


def busy_rows(
    *, user_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, datetime, str]]:
    """(user id, start, end, BUSY or TENTATIVE) of every meeting that holds one of the people
    during [start, end), sorted.

    Read through the cache by person and UTC month (meetings.cache.busy_months): a warm read
    costs no query, a cold one the one query of busy_queryset() for the months that missed.
    """
    by_month = meeting_cache.busy_months(
        user_ids=user_ids, months=utc_months(start, end), compute=_read_months
    )
    rows = {
        (user_id, row_start, row_end, status)
        for (user_id, _), month_rows in by_month.items()
        for row_start, row_end, status in month_rows
        if row_start < end and row_end > start
    }
    return sorted(rows, key=lambda row: (row[0], row[1], row[2], row[3]))


def _read_months(wanted: set[tuple[int, date]]) -> dict[tuple[int, date], list]:
    """The busy rows of each (person, month) wanted, in one query over all of them."""
    months = sorted({month for _, month in wanted})
    start = datetime.combine(months[0], time(), tzinfo=UTC)
    end = datetime.combine(_next_month(months[-1]), time(), tzinfo=UTC)
    found: dict[tuple[int, date], list] = {pair: [] for pair in wanted}
    people = sorted({user_id for user_id, _ in wanted})
    for user_id, row_start, row_end, role in busy_queryset(user_ids=people, start=start, end=end):
        row = (row_start, row_end, _INVITED_STATUS.get(role, BUSY))
        for month in utc_months(max(row_start, start), min(row_end, end)):
            if (user_id, month) in found:
                found[(user_id, month)].append(row)
    return found


def utc_months(start: datetime, end: datetime) -> list[date]:
    """The first days of the UTC months that [start, end) overlaps."""
    if end <= start:
        return []
    month = start.astimezone(UTC).date().replace(day=1)
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date().replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def free_busy(*, users: Sequence[User], start: datetime, end: datetime) -> list[PersonBusy]:
    """Each person's busy time in [start, end), in the order given: intervals of one status
    merged when they overlap or touch, clipped to the window, sorted. Where a person is busy
    and tentative at once, busy wins: the tentative interval keeps only the rest."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    rows = busy_rows(user_ids=[user.pk for user in users], start=start, end=end)
    by_person: dict[int, dict[str, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    for user_id, meeting_start, meeting_end, status in rows:
        by_person[user_id][status].append((meeting_start, meeting_end))
    return [
        PersonBusy(user=user, intervals=_timeline(by_person[user.pk], start=start, end=end))
        for user in users
    ]


def _timeline(
    spans: dict[str, list[Interval]], *, start: datetime, end: datetime
) -> list[BusyInterval]:
    busy = merged(clipped(spans[BUSY], start=start, end=end))
    tentative = difference(merged(clipped(spans[TENTATIVE], start=start, end=end)), busy)
    timeline = [BusyInterval(a, b, BUSY) for a, b in busy]
    timeline += [BusyInterval(a, b, TENTATIVE) for a, b in tentative]
    return sorted(timeline, key=lambda interval: interval.start)
