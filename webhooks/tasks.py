"""Celery tasks: load by id, call a service. Retries and acknowledgements live here."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db import transaction as db_transaction
from django.utils import timezone

from scheduler.cache_backend import CircuitBreaker

from . import delivery, dispatch, owner_notices

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, OSError)
_broker = CircuitBreaker(pause=5.0)


@shared_task(acks_late=True)
def dispatch_changes() -> int:
    """Beat, every few seconds: changes into deliveries, then their subscriptions' sending."""
    done = dispatch.changes_dispatch()
    enqueue_deliveries(sorted(done.subscription_ids))
    return done.deliveries


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def deliver_subscription(self, subscription_id: int) -> int:
    run = delivery.subscription_deliver(subscription_id=subscription_id)
    for notification_id in run.notices:
        email_owner.delay(notification_id)
    if run.more:
        enqueue_deliveries([subscription_id])
    return run.delivered


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def email_owner(notification_id: int) -> bool:
    return owner_notices.owner_email(notification_id=notification_id)


@shared_task(acks_late=True)
def delete_old_deliveries() -> int:
    """Beat, nightly: the delivery log past WEBHOOK_LOG_DAYS."""
    return delivery.deliveries_delete_old(now=timezone.now())


@shared_task(acks_late=True)
def sweep_deliveries() -> int:
    """Beat: subscriptions with a delivery due (retries, and what an outage left behind)."""
    ids = delivery.subscriptions_due()
    enqueue_deliveries(ids)
    return len(ids)


def enqueue_deliveries(subscription_ids: list[int]) -> None:
    """Queue sending, never holding up the caller: with the broker away, give up within a
    second and leave it to the sweep."""
    for subscription_id in subscription_ids:
        if _broker.is_open:
            return
        try:
            deliver_subscription.apply_async(args=[subscription_id], retry=False)
        except Exception as error:  # noqa: BLE001 - the deliveries wait in the table
            if settings.CELERY_TASK_ALWAYS_EAGER:
                logger.exception(
                    "Webhook delivery to %s failed; the sweep retries", subscription_id
                )
            else:
                _broker.trip(error)


def enqueue_after_commit(subscription_ids: list[int]) -> None:
    db_transaction.on_commit(lambda: enqueue_deliveries(subscription_ids))
