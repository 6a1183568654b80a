"""Changes into deliveries: the dispatcher reads the change record in commit order, from its
cursor up to the change horizon, and gives each subscription whose owner could see a change
(and who asked for its event type) one Delivery, numbered in sequence.

The cursor's advance and the deliveries it made commit together, under a lock on the cursor's
row: one dispatcher at a time, and a crash between the two loses or repeats nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from meetings.changes.models import MeetingChange
from meetings.changes.selectors import change_horizon

from . import events
from .models import Delivery, DispatchCursor, Subscription

BATCH = 1000


@dataclass
class Dispatched:
    changes: int = 0
    deliveries: int = 0
    subscription_ids: set[int] = field(default_factory=set)


def changes_dispatch(*, batches: int = 20) -> Dispatched:
    """Dispatch what the change record holds below the horizon, a batch per transaction."""
    total = Dispatched()
    for _ in range(batches):
        done = _dispatch_batch()
        total.changes += done.changes
        total.deliveries += done.deliveries
        total.subscription_ids |= done.subscription_ids
        if done.changes < BATCH:
            break
    return total


def cursor_ensure() -> None:
    """Made at the current horizon the first time (by the first subscription, or the first
    dispatch), so that a new install does not replay the history nobody subscribed to."""
    DispatchCursor.objects.get_or_create(pk=1, defaults={"position": change_horizon()})


def _cursor() -> DispatchCursor:
    cursor_ensure()
    return DispatchCursor.objects.select_for_update().get(pk=1)


@transaction.atomic
def _dispatch_batch() -> Dispatched:
    # The horizon first: a row lock gives this transaction an id, and on PostgreSQL the
    # horizon would then stop at it.
    horizon = change_horizon()
    cursor = _cursor()
    changes = list(
        MeetingChange.objects.filter(
            Q(position__gt=cursor.position) | Q(position=cursor.position, id__gt=cursor.last_id),
            position__lt=horizon,
        ).order_by("position", "id")[:BATCH]
    )
    done = Dispatched(changes=len(changes))
    if changes:
        deliveries = _deliveries_for(changes)
        Delivery.objects.bulk_create(deliveries, batch_size=500)
        done.deliveries = len(deliveries)
        done.subscription_ids = {d.subscription_id for d in deliveries}
    if len(changes) == BATCH:
        cursor.position, cursor.last_id = changes[-1].position, changes[-1].id
    elif horizon > cursor.position:
        cursor.position, cursor.last_id = horizon, 0  # everything below the horizon is read
    cursor.save(update_fields=["position", "last_id", "updated_at"])
    return done


def _deliveries_for(changes: list[MeetingChange]) -> list[Delivery]:
    planned = events.plan(changes, one_transaction=_one_transaction)
    audience = {user_id for _, _, people in planned for user_id in people}
    subscriptions = list(
        Subscription.objects.filter(owner_id__in=audience, is_active=True)
        .order_by("id")
        .only("id", "owner_id", "events", "start_position", "next_sequence")
    )
    if not subscriptions:
        return []
    by_owner: dict[int, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        by_owner[subscription.owner_id].append(subscription)
    made: list[Delivery] = []
    for change, kind, people in planned:
        for user_id in people:
            for subscription in by_owner.get(user_id, ()):
                if kind in subscription.events and change.position >= subscription.start_position:
                    made.append(_delivery(subscription, change, kind))
    # Only the dispatcher moves next_sequence, and only under the cursor's lock.
    touched = {delivery.subscription_id for delivery in made}
    Subscription.objects.bulk_update(
        [s for s in subscriptions if s.pk in touched], ["next_sequence"]
    )
    return made


def _one_transaction(earlier: MeetingChange, later: MeetingChange) -> bool:
    """Whether two neighbouring changes (in record order) were made by one transaction: on
    PostgreSQL they share its id; on SQLite one writer at a time keeps a transaction's
    changes together, and neighbours are enough."""
    return earlier.position == later.position or connection.vendor == "sqlite"


def _delivery(subscription: Subscription, change: MeetingChange, kind: str) -> Delivery:
    sequence = subscription.next_sequence
    subscription.next_sequence += 1
    return Delivery(
        subscription=subscription,
        sequence=sequence,
        event_type=kind,
        change_position=change.position,
        payload=events.payload(change, kind=kind, sequence=sequence),
        next_attempt_at=change.at,
    )
