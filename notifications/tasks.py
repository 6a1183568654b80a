"""Celery tasks: load by id, call a service. Retries and acknowledgements live here."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from scheduler.cache_backend import CircuitBreaker

from . import delivery, services

logger = logging.getLogger(__name__)

# Worth another try: the database or the mail server away for a moment (SMTP errors are
# OSErrors too). A bug is not: it fails at once and the sweep tries again later, bounded.
TRANSIENT = (OperationalError, InterfaceError, OSError)

_broker = CircuitBreaker(pause=5.0)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
)
def deliver_event(self, event_id: str) -> bool:
    try:
        return delivery.event_deliver(event_id=event_id)
    except Exception as error:
        delivery.event_attempt_failed(event_id=event_id, error=error)
        raise


def enqueue_deliveries(event_ids: list[str]) -> None:
    """Queue deliveries, never holding up the caller: with the broker down or stalled, give up
    within a second (then skip the broker for a few seconds) and leave the events to the
    sweep, which delivers them once the broker is back."""
    for event_id in event_ids:
        if _broker.is_open:
            return
        try:
            deliver_event.apply_async(args=[event_id], retry=False)
        except Exception as error:  # noqa: BLE001 - the outbox keeps the event; never fail here
            if settings.CELERY_TASK_ALWAYS_EAGER:
                logger.exception("Delivering event %s failed; the sweep will retry", event_id)
            else:
                _broker.trip(error)


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    event_ids = delivery.events_due_for_sweep(now=timezone.now())
    for event_id in event_ids:
        deliver_event.apply_async(args=[event_id])
    if event_ids:
        logger.info("Outbox sweep queued %s undelivered events", len(event_ids))
    return len(event_ids)


@shared_task(acks_late=True)
def delete_old_notifications() -> int:
    return services.notifications_delete_old(now=timezone.now())
