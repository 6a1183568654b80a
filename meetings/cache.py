"""The meeting API's cached reads and their invalidation. Nobody else writes these keys.

Cached per user, as the bytes of the JSON answer: list pages (per filter combination, page
and page size), statistics, and a meeting's detail. Everything a user sees of a meeting changes
when the meeting, its invitations or their answers change, so a change to meeting M makes stale
every cache entry of M's organizer and of every participant, those just removed included.

Invalidation collects the affected meetings and people while the transaction runs and bumps
their generations once it commits (see scheduler.caching), with one query to find who is in
the changed meetings and one cache round trip for all of them.
"""

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from scheduler import caching
from scheduler.caching import Body, Computed

from .models import Meeting, Participant

LIST = "meeting_list"
STATS = "meeting_stats"
DETAIL = "meeting_detail"
FEED = "meeting_feed"
BUSY = "busy_month"
FAMILIES = (LIST, STATS, DETAIL, FEED, BUSY)
TIMEOUTS = {LIST: 300, STATS: 300, DETAIL: 300, FEED: 300, BUSY: 300}


def _key(family: str, user_id: int, variant: str) -> str:
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32]
    return f"meetings:{family}:u{user_id}:{digest}"


def _cached(
    family: str, *, user_id: int, variant: str, compute: Callable[[], Computed[Body]]
) -> Body:
    return caching.cached_for_user(
        family=family,
        user_id=user_id,
        key=_key(family, user_id, variant),
        timeout=TIMEOUTS[family],
        compute=compute,
        may_store=_no_uncommitted_changes,
    )


def read_ahead(family: str, *, user_id: int, variant: str) -> caching.ReadAhead:
    """The reading of the entry that _cached(family, user_id=..., variant=...) will read."""
    return caching.read_ahead(family=family, user_id=user_id, key=_key(family, user_id, variant))


def meeting_list_page(*, user_id: int, variant: str, render: Callable[[], bytes]) -> bytes:
    """`variant` names everything the page depends on besides the data: filters, cursor, page
    size, time zone and the host that its links point to."""
    return _cached(LIST, user_id=user_id, variant=variant, compute=lambda: Computed(render(), None))


def meeting_detail(
    *, user_id: int, variant: str, render: Callable[[], tuple[bytes, str]]
) -> tuple[bytes, str]:
    """The meeting's JSON and its ETag, kept together so that a hit (and a 304) reads no
    more than the entry."""
    return _cached(
        DETAIL, user_id=user_id, variant=variant, compute=lambda: Computed(render(), None)
    )


def meeting_stats(
    *, user_id: int, variant: str, render: Callable[[], tuple[bytes, datetime | None]]
) -> bytes:
    """Statistics count upcoming meetings, which change as time passes without any write: the
    entry lives until the next of the user's meetings starts, at the most."""

    def compute() -> Computed[bytes]:
        body, next_start = render()
        if next_start is None:
            return Computed(body, None)
        return Computed(body, max(0, int((next_start - timezone.now()).total_seconds())))

    return _cached(STATS, user_id=user_id, variant=variant, compute=compute)


def meeting_feed(*, user_id: int, variant: str, render: Callable[[], bytes]) -> bytes:
    """The user's calendar feed, as iCalendar bytes.

    It shows two things that bump no generation, people's full names (the API shows usernames)
    and which meetings fall in its moving window: the timeout bounds how long those are stale.
    """
    return _cached(FEED, user_id=user_id, variant=variant, compute=lambda: Computed(render(), None))


BusyRow = tuple[datetime, datetime, str]  # start, end, "busy" or "tentative"


def busy_months(
    *,
    user_ids: Iterable[int],
    months: Iterable[date],
    compute: Callable[[set[tuple[int, date]]], dict[tuple[int, date], list[BusyRow]]],
) -> dict[tuple[int, date], list[BusyRow]]:
    """Each person's busy time of each month (the first day of a UTC month), for free/busy and
    find-a-time: entries by person and month, so that any window reuses them. compute() gets
    the (person, month) pairs that missed and reads them all in one query.

    Busy time changes only with the person's own meetings and answers, which bump their
    generation (flush_meetings). The timeout is the others' all the same: it bounds how long a
    bump lost to a Redis failure could leave find-a-time proposing a taken slot.
    """
    keys = {
        (user_id, month): f"meetings:busy:u{user_id}:{month:%Y-%m}"
        for user_id in user_ids
        for month in months
    }
    return caching.cached_for_users(
        family=BUSY,
        keys=keys,
        timeout=TIMEOUTS[BUSY],
        compute=compute,
        may_store=_no_uncommitted_changes,
    )


def hit_rates() -> dict[str, dict]:
    return caching.hit_rates(FAMILIES)


# -- invalidation ----------------------------------------------------------------------------


class _Pending(threading.local):
    def __init__(self) -> None:
        self.meeting_ids: set[int] = set()
        self.user_ids: set[int] = set()


_pending = _Pending()


def flush_meetings(*, meeting_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> None:
    """Make stale, once the transaction commits, every cache entry of everybody in these
    meetings, and of these users (people no longer in a meeting, whom a query cannot find).

    Several changes in one transaction are flushed together; a rolled-back transaction
    flushes nothing, and its cache stays right because its data never changed.
    """
    _pending.meeting_ids.update(meeting_ids)
    _pending.user_ids.update(user_ids)
    # One callback per call: a rolled-back savepoint drops its own callbacks, not the others.
    transaction.on_commit(_flush_pending)


def _no_uncommitted_changes() -> bool:
    """False while this thread's transaction has changed meetings it has not committed yet:
    what it reads may be rolled back, so it must not be cached."""
    if not connection.in_atomic_block:
        # Outside a transaction nothing is pending; leftovers are from a rollback.
        _pending.meeting_ids, _pending.user_ids = set(), set()
        return True
    return not (_pending.meeting_ids or _pending.user_ids)


def discard_pending() -> None:
    """Forget changes noted in a transaction that was rolled back (tests start with this)."""
    _pending.meeting_ids, _pending.user_ids = set(), set()


@contextmanager
def pending_restored() -> Iterator[None]:
    """Forget the changes noted inside the block (a dry run rolls them back), keeping those
    noted before it for their own commit."""
    before = set(_pending.meeting_ids), set(_pending.user_ids)
    try:
        yield
    finally:
        _pending.meeting_ids, _pending.user_ids = before


def _flush_pending() -> None:
    meeting_ids, user_ids = _pending.meeting_ids, _pending.user_ids
    if not meeting_ids and not user_ids:
        return
    _pending.meeting_ids, _pending.user_ids = set(), set()
    caching.bump_users(user_ids | people_in(meeting_ids))


def people_in(meeting_ids: set[int]) -> set[int]:
    """Organizers and participants of the meetings, in one query."""
    if not meeting_ids:
        return set()
    organizers = Meeting.objects.filter(pk__in=meeting_ids).order_by().values_list("created_by_id")
    invited = (
        Participant.objects.filter(meeting_id__in=meeting_ids).order_by().values_list("user_id")
    )
    return {user_id for (user_id,) in organizers.union(invited, all=True)}


def flush_everything() -> None:
    """After changes that no signal reports and nobody can enumerate (demo data loads)."""
    transaction.on_commit(caching.bump_everything)
