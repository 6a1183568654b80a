"""Celery tasks: each calls a service; retries live here."""

from celery import shared_task
from django.utils import timezone

from notifications.tasks import TRANSIENT

from . import reminders
from .changes.services import sync_tombstones_delete
from .services import series_extend


@shared_task(acks_late=True, autoretry_for=TRANSIENT, max_retries=2)
def send_due_reminders() -> int:
    return reminders.reminders_send_due(now=timezone.now())


@shared_task(acks_late=True, autoretry_for=TRANSIENT, max_retries=2)
def extend_series() -> int:
    return series_extend.series_extend_due(now=timezone.now())


@shared_task(acks_late=True, autoretry_for=TRANSIENT, max_retries=2)
def delete_sync_tombstones() -> int:
    return sync_tombstones_delete(now=timezone.now())
