"""Sending a subscription's deliveries, in sequence order, at least once.

One deliverer per subscription at a time holds its lease (a short claim on the row, renewed
per delivery, rather than a lock held open over the HTTP call). It sends the oldest pending
delivery; on a 2xx it goes on to the next, on anything else it records the attempt, schedules
the next one (WEBHOOK_RETRY_DELAYS, with jitter) and stops: later deliveries wait behind it,
so a receiver sees them in order. After the last attempt the delivery fails and the
subscription is disabled, and its owner told (owner_notices.py).
"""

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from . import client, owner_notices, signing
from .models import Delivery, Subscription

LEASE = timedelta(seconds=60)  # longer than one attempt can take (timeouts are seconds)
# One run sends this many deliveries, or for this long, then hands over (the task queues
# itself again): well inside Celery's time limits, however slowly a receiver answers.
PER_RUN = 200
RUN_SECONDS = 60.0
SWEEP_BATCH = 500


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class Run:
    delivered: int = 0
    more: bool = False  # stopped at PER_RUN with more due: queue another run
    notices: list[int] = field(default_factory=list)  # owners' notifications to e-mail


def subscription_deliver(*, subscription_id: int, now: datetime | None = None) -> Run:
    """Send the subscription's due deliveries in order, as far as they succeed."""
    run = Run()
    token = uuid.uuid4().hex
    if not _claim(subscription_id, token):
        return run  # another deliverer has it, and sends these too
    try:
        run.more = _send_while_due(subscription_id, token, run, now=now)
    finally:
        _release(subscription_id, token)
    # A delivery made while this run held the lease had its own run turned away: look again.
    run.more = run.more or _head(subscription_id, now=now) is not None
    return run


def _send_while_due(subscription_id: int, token: str, run: Run, *, now: datetime | None) -> bool:
    """True if it stopped with more due (its share of time or deliveries spent)."""
    deadline = time.monotonic() + RUN_SECONDS
    for _ in range(PER_RUN):
        if time.monotonic() > deadline:
            return True
        delivery = _head(subscription_id, now=now)
        if delivery is None or not _renew(subscription_id, token):
            return False  # nothing due, or the lease ran out and someone took over
        ok, notice = _attempt(delivery)
        if notice is not None:
            run.notices.append(notice)
        if not ok:
            return False
        run.delivered += 1
    return True


def _claim(subscription_id: int, token: str) -> bool:
    now = timezone.now()
    return bool(
        Subscription.objects.filter(pk=subscription_id, is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, lease_token=token)
    )


def _renew(subscription_id: int, token: str) -> bool:
    return bool(
        Subscription.objects.filter(pk=subscription_id, lease_token=token, is_active=True).update(
            lease_until=timezone.now() + LEASE
        )
    )


def _release(subscription_id: int, token: str) -> None:
    Subscription.objects.filter(pk=subscription_id, lease_token=token).update(
        lease_until=None, lease_token=""
    )


def _head(subscription_id: int, *, now: datetime | None) -> Delivery | None:
    """The oldest pending delivery, if it is due: a later one never overtakes it."""
    head = (
        Delivery.objects.filter(subscription_id=subscription_id, status=Delivery.Status.PENDING)
        .select_related("subscription")
        .order_by("sequence")
        .first()
    )
    if head is None or (head.next_attempt_at and head.next_attempt_at > (now or timezone.now())):
        return None
    return head


def _attempt(delivery: Delivery) -> tuple[bool, int | None]:
    body = body_of(delivery)
    timestamp = int(time.time())  # each attempt signed anew: receivers refuse old timestamps
    headers = signing.headers(
        secret=delivery.subscription.secret,
        webhook_id=delivery.webhook_id,
        timestamp=timestamp,
        body=body,
    )
    outcome = client.post(url=delivery.subscription.url, body=body, headers=headers)
    notice = _record(delivery, outcome, now=timezone.now())
    return outcome.ok, notice


@transaction.atomic
def _record(delivery: Delivery, outcome: client.Outcome, *, now: datetime) -> int | None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = outcome.status
    delivery.duration_ms = outcome.duration_ms
    delivery.error = outcome.error[:500]
    if outcome.ok:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts > len(settings.WEBHOOK_RETRY_DELAYS):
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_code",
            "duration_ms",
            "error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if delivery.status != Delivery.Status.FAILED:
        return None
    return owner_notices.subscription_disable(
        subscription_id=delivery.subscription_id,
        reason=f"Delivery {delivery.webhook_id} failed {delivery.attempts} times; "
        f"the last: {delivery.error or 'no answer'}.",
        now=now,
    )


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: the schedule's n-th delay, give or take 10%."""
    base = settings.WEBHOOK_RETRY_DELAYS[attempts - 1]
    return timedelta(seconds=base * random.uniform(0.9, 1.1))  # noqa: S311 - jitter


def subscriptions_due(*, now: datetime | None = None) -> list[int]:
    """Active subscriptions, held by nobody, whose oldest pending delivery is due: retries,
    and whatever a broker outage or a lost worker left behind."""
    now = now or timezone.now()
    head_due = (
        Delivery.objects.filter(subscription=OuterRef("pk"), status=Delivery.Status.PENDING)
        .order_by("sequence")
        .values("next_attempt_at")[:1]
    )
    return list(
        Subscription.objects.filter(is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .annotate(head_due=Subquery(head_due))
        .filter(head_due__lte=now)
        .order_by("head_due")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


# -- the log ---------------------------------------------------------------------------------

LOG_DELETE_BATCH = 5000


def deliveries_delete_old(*, now: datetime) -> int:
    """Housekeeping: sent and failed deliveries older than WEBHOOK_LOG_DAYS go, in batches (a
    short lock each); a pending one is still in line and stays. Returns how many went.
    Sequence numbers live on the subscription: deleting never reuses one."""
    old = Delivery.objects.filter(
        created_at__lt=now - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    ).exclude(status=Delivery.Status.PENDING)
    deleted = 0
    while ids := list(old.order_by("id").values_list("id", flat=True)[:LOG_DELETE_BATCH]):
        deleted += Delivery.objects.filter(pk__in=ids).delete()[0]
    return deleted
