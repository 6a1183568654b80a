"""Delivering the outbox's events, by the deliver_event task or the periodic sweep: each event's
notifications are created and e-mailed, and delivering an event twice has the effect of
delivering it once."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import emails
from .messages import NOTIFICATION_KIND, event_message
from .models import Event, Notification, meeting_model

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
SWEEP_AFTER = timedelta(seconds=30)  # the task queued at the commit gets this long first
SWEEP_BATCH = 500


def event_deliver(*, event_id: str) -> bool:
    """Create the event's notifications and send their e-mail; False if there was nothing to
    do (already delivered, failed for good, or unknown)."""
    event = _start_attempt(event_id)
    if event is None:
        return False
    _create_notifications(event)
    emails.send_pending_emails(Notification.objects.filter(event=event))
    Event.objects.filter(pk=event.pk).update(delivered_at=timezone.now(), last_error="")
    return True


def _start_attempt(event_id: str) -> Event | None:
    with transaction.atomic():
        event = (
            Event.objects.select_for_update()
            .filter(pk=event_id, delivered_at__isnull=True, failed_at__isnull=True)
            .first()
        )
        if event is None:
            return None
        event.attempts += 1
        event.last_attempt_at = timezone.now()
        if event.attempts > MAX_ATTEMPTS:
            event.failed_at = event.last_attempt_at
            logger.error("Event %s failed %s times; giving up", event.pk, MAX_ATTEMPTS)
        event.save(update_fields=["attempts", "last_attempt_at", "failed_at"])
    return None if event.failed_at else event


def event_attempt_failed(*, event_id: str, error: BaseException) -> None:
    Event.objects.filter(pk=event_id).update(last_error=f"{type(error).__name__}: {error}"[:2000])


@transaction.atomic
def _create_notifications(event: Event) -> None:
    meeting_id = event.meeting_id
    if meeting_id and not meeting_model()._default_manager.filter(pk=meeting_id).exists():
        meeting_id = None  # deleted since: keep the message, drop the link
    recipients = User.objects.filter(pk__in=event.recipient_ids, is_active=True).only(
        "id", "timezone"
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                meeting_id=meeting_id,
                kind=NOTIFICATION_KIND[event.kind],
                message=event_message(event, user.timezone),
                event=event,
            )
            for user in recipients
        ],
        ignore_conflicts=True,  # delivered before: notification_once_per_event keeps one
    )


def events_due_for_sweep(*, now: datetime | None = None) -> list[str]:
    """Events still undelivered a while after they happened, oldest first: their task never
    ran (broker down at the commit) or did not finish (worker lost, retries spent)."""
    now = now or timezone.now()
    ids = (
        Event.objects.filter(
            delivered_at__isnull=True, failed_at__isnull=True, created_at__lte=now - SWEEP_AFTER
        )
        .exclude(last_attempt_at__gt=now - SWEEP_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return [str(pk) for pk in ids]
