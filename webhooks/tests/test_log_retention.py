"""The delivery log keeps WEBHOOK_LOG_DAYS of sent and failed deliveries; what waits stays."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks import delivery, tasks
from webhooks.models import Delivery

from .factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def _delivery(subscription, sequence: int, status: str, days_old: int) -> Delivery:
    made = Delivery.objects.create(
        subscription=subscription,
        sequence=sequence,
        event_type="meeting.created",
        change_position=sequence,
        payload={"sequence": sequence},
        status=status,
    )
    # created_at is set on insert: age it afterwards
    Delivery.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    return made


def test_old_sent_and_failed_deliveries_go_and_the_rest_stay(settings, monkeypatch):
    settings.WEBHOOK_LOG_DAYS = 30
    monkeypatch.setattr(delivery, "LOG_DELETE_BATCH", 2)  # several batches
    subscription = SubscriptionFactory()
    gone = [
        _delivery(subscription, n, status, days_old=31)
        for n, status in enumerate(["delivered", "failed", "delivered", "delivered", "failed"], 1)
    ]
    kept = [
        _delivery(subscription, 6, "pending", days_old=90),  # still in line
        _delivery(subscription, 7, "delivered", days_old=29),
        _delivery(subscription, 8, "failed", days_old=1),
    ]

    deleted = tasks.delete_old_deliveries()

    assert deleted == len(gone)
    assert set(Delivery.objects.values_list("pk", flat=True)) == {d.pk for d in kept}


def test_the_number_of_days_is_the_settings(settings):
    subscription = SubscriptionFactory()
    _delivery(subscription, 1, "delivered", days_old=8)
    settings.WEBHOOK_LOG_DAYS = 10
    assert delivery.deliveries_delete_old(now=timezone.now()) == 0

    settings.WEBHOOK_LOG_DAYS = 7

    assert delivery.deliveries_delete_old(now=timezone.now()) == 1


def test_beat_runs_it_nightly(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"].endswith(".delete_old_deliveries")
    ]

    assert len(entries) == 1
    assert entries[0]["task"] == tasks.delete_old_deliveries.name
