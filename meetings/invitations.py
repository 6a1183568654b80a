"""How many invitations may be sent: per request, and per organizer per hour; and how many
people an organizer's changes may tell, per hour.

Each invitation is a notification and an e-mail: unbounded, invitations were a spam channel
(one bulk request could send 250,000). The hourly count lives in the shared cache
(Redis in production), so every app server sees the same count; it is a counter per organizer
and clock hour, one INCRBY per write that invites anybody, like the throttles
(scheduler/api/throttling.py). This module owns its key, as the throttles own theirs.

Only new invitations count: inviting someone already invited sends nothing and costs nothing.
A dry run checks the limit as the write would, and counts nothing.
"""

import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from scheduler.validation import ItemsValidationError

HOUR = 3600
_uncounted: ContextVar[bool] = ContextVar("invitations_uncounted", default=False)


class HourlyInvitationLimit(Exception):
    """The organizer has sent INVITES_PER_HOUR invitations this hour. The API answers 429."""

    setting = "INVITES_PER_HOUR"
    what = "invitations"

    def __init__(self, *, limit: int, resets_at: datetime, retry_after: int):
        super().__init__(
            f"At most {limit:,} {self.what} per organizer per hour; "
            f"this hour's count starts again at {resets_at.isoformat()}."
        )
        self.limit = limit
        self.resets_at = resets_at
        self.retry_after = retry_after


class HourlyNoticeLimit(HourlyInvitationLimit):
    """The organizer's changes have told NOTICES_PER_HOUR people this hour. The API answers
    429 too."""

    setting = "NOTICES_PER_HOUR"
    what = "notices of changes"


def hourly_key(organizer_id: int, window: int) -> str:
    return f"invites:u{organizer_id}:h{window}"


def notices_key(organizer_id: int, window: int) -> str:
    return f"notices:u{organizer_id}:h{window}"


def check_per_request(count: int, *, field: str = "participant_ids") -> None:
    """`count` new invitations in one request: a 400 on `field` past INVITES_PER_REQUEST."""
    limit = settings.INVITES_PER_REQUEST
    if count > limit:
        raise ValidationError(
            {field: f"At most {limit:,} invitations per request; this one sends {count:,}."}
        )


def check_per_request_items(counts: Iterable[int]) -> None:
    """The invitations of each item of a bulk request, counted together: a 400 on the
    participant_ids of the item that goes past INVITES_PER_REQUEST."""
    limit, total = settings.INVITES_PER_REQUEST, 0
    for index, count in enumerate(counts):
        total += count
        if total > limit:
            reason = (
                f"At most {limit:,} invitations per request, all its meetings together; "
                f"this one brings them to {total:,}."
            )
            raise ItemsValidationError({str(index): {"participant_ids": [reason]}})


def invitations_count(*, organizer_id: int, count: int) -> None:
    """Count `count` new invitations against the organizer's hour, or raise
    HourlyInvitationLimit (and count nothing) if they would pass INVITES_PER_HOUR.

    Call it last in the write's transaction, once everything else is checked: a refusal then
    rolls back the whole write, and a write refused for another reason has counted nothing.
    """
    _count_hourly(HourlyInvitationLimit, hourly_key, organizer_id=organizer_id, count=count)


def notices_count(*, organizer_id: int, count: int) -> None:
    """Count `count` people told of a change, a cancellation, a deletion or a withdrawn
    invitation against the organizer's hour, or raise HourlyNoticeLimit past NOTICES_PER_HOUR.

    Each is a notification and an e-mail too: uncounted, moving a meeting of 500 back and forth,
    or cancelling and taking back 500 such meetings in one bulk-status request, sent as many as
    invitations once could. Call it last in the write's transaction, as invitations_count.
    """
    _count_hourly(HourlyNoticeLimit, notices_key, organizer_id=organizer_id, count=count)


def _count_hourly(
    refusal: type[HourlyInvitationLimit],
    key_of: Callable[[int, int], str],
    *,
    organizer_id: int,
    count: int,
) -> None:
    if count <= 0:
        return
    limit = getattr(settings, refusal.setting)
    now = time.time()
    window = int(now // HOUR)
    key = key_of(organizer_id, window)
    uncounted = _uncounted.get()
    total = (cache.get(key) or 0) + count if uncounted else _add(key, count)
    if total is None:  # the cache is down: do not stop everybody inviting anyone
        return
    if total > limit:
        if not uncounted:
            with suppress(ValueError):  # expired meanwhile: nothing to give back
                cache.decr(key, count)  # nothing is sent: give the count back
        end = (window + 1) * HOUR
        raise refusal(
            limit=limit,
            resets_at=datetime.fromtimestamp(end, tz=UTC),
            retry_after=max(1, math.ceil(end - now)),
        )


def _add(key: str, count: int) -> int | None:
    try:
        return cache.incr(key, count)
    except ValueError:  # the hour's first invitations
        if cache.add(key, count, HOUR + 60):
            return count
        return cache.incr(key, count)


@contextmanager
def invitations_uncounted() -> Iterator[None]:
    """Invitations made inside are checked against the limits but not counted (dry runs)."""
    token = _uncounted.set(True)
    try:
        yield
    finally:
        _uncounted.reset(token)
