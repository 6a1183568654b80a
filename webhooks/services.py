"""Writes: subscriptions (made, changed, deleted, their secret rotated) and redeliveries."""

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_lock
from meetings.changes.selectors import change_horizon

from . import dispatch, guard, signing, tasks
from .models import Delivery, EventType, Subscription


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        guard.check(url)
    except guard.UrlRefused as refused:
        raise ValidationError({"url": [str(refused)]}) from None
    return url


def _check_events(events: Sequence[str]) -> list[str]:
    known = set(EventType.values)
    if not events:
        raise ValidationError({"events": ["Name at least one event."]})
    unknown = sorted({str(event) for event in events} - known)
    if unknown:
        raise ValidationError(
            {"events": [f"Unknown: {', '.join(unknown)}. Known: {', '.join(EventType.values)}."]}
        )
    return [event for event in EventType.values if event in set(events)]


@transaction.atomic
def subscription_create(*, owner: User, url: str, events: Sequence[str]) -> Subscription:
    """A subscription to changes of the meetings `owner` can see, from now on. Its secret is
    on the returned instance, to be shown this once."""
    url, events = _check_url(url), _check_events(events)
    # The owner's row locked: two creates at once count one after the other, not both 19.
    user_lock(user_id=owner.pk)
    if Subscription.objects.filter(owner=owner).count() >= settings.WEBHOOKS_PER_USER:
        raise ValidationError(
            {"url": [f"You have {settings.WEBHOOKS_PER_USER} webhooks, the most allowed."]}
        )
    dispatch.cursor_ensure()  # before the start position: no change may fall between them
    return Subscription.objects.create(
        owner=owner,
        url=url,
        events=events,
        secret=signing.secret_new(),
        start_position=change_horizon(),
    )


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    url: str | None = None,
    events: Sequence[str] | None = None,
    is_active: bool | None = None,
    off_reason: str = "Turned off by its owner.",
) -> Subscription:
    """Change the URL or events; is_active=True turns a disabled subscription on again (what
    was pending is sent, in order), False pauses it (no deliveries are made meanwhile)."""
    fields = []
    if url is not None:
        subscription.url = _check_url(url)
        fields.append("url")
    if events is not None:
        subscription.events = _check_events(events)
        fields.append("events")
    if is_active is not None and is_active != subscription.is_active:
        subscription.is_active = is_active
        subscription.disabled_at = None if is_active else timezone.now()
        subscription.disabled_reason = "" if is_active else off_reason
        fields += ["is_active", "disabled_at", "disabled_reason"]
        if is_active:
            tasks.enqueue_after_commit([subscription.pk])
    if fields:
        subscription.save(update_fields=fields)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription) -> None:
    subscription.delete()


@transaction.atomic
def subscription_rotate_secret(*, subscription: Subscription) -> Subscription:
    """A new secret, used from the next attempt on; the old one stops working at once."""
    subscription.secret = signing.secret_new()
    subscription.save(update_fields=["secret"])
    return subscription


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivered or failed delivery again: the same webhook-id and payload, a new
    attempt (and a full set of retries), ahead of whatever is pending after it."""
    if delivery.status == Delivery.Status.PENDING:
        raise ValidationError({"detail": ["This delivery is still pending: it will be sent."]})
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.delivered_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at"])
    tasks.enqueue_after_commit([delivery.subscription_id])
    return delivery
