"""Delivery to a real HTTP receiver, verified with the standardwebhooks package: in order,
retried, never lost, and a receiver that keeps failing is disabled with its owner told."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from meetings.tests.factories import MeetingFactory
from notifications.models import Notification
from webhooks import delivery, dispatch, tasks
from webhooks.models import Delivery, Subscription

from .conftest import settle
from .factories import SubscriptionFactory

# Committed writes: on PostgreSQL a change is dispatched once its transaction is over (the
# change horizon), never inside a test's own transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def pump(*, times: int = 1) -> None:
    """What beat and the workers do: dispatch, then send each subscription's line."""
    for _ in range(times):
        settle()
        dispatch.changes_dispatch()
        for subscription_id in Subscription.objects.values_list("pk", flat=True):
            tasks.deliver_subscription(subscription_id)


def make_due() -> None:
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_deliveries_arrive_signed_and_in_sequence(receiver):
    # given
    subscription = SubscriptionFactory(url=receiver.url)
    meetings = MeetingFactory.create_batch(3, created_by=subscription.owner)
    # when
    pump()
    # then: every delivery verifies with the standardwebhooks package, numbered 1, 2, 3
    payloads = receiver.verified(subscription.secret)
    assert [p["data"]["sequence"] for p in payloads] == [1, 2, 3]
    assert [p["data"]["meeting_id"] for p in payloads] == [m.pk for m in meetings]
    assert {p["type"] for p in payloads} == {"meeting.created"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_500_is_retried_and_later_deliveries_wait_behind_it(receiver):
    # given: the receiver fails the first request
    subscription = SubscriptionFactory(url=receiver.url)
    receiver.statuses.extend([500])
    MeetingFactory.create_batch(3, created_by=subscription.owner)
    # when
    pump()
    # then: nothing after the failed one was sent, and its retry is scheduled
    assert len(receiver.received) == 1
    first = Delivery.objects.get(sequence=1)
    assert (first.status, first.attempts, first.response_code) == ("pending", 1, 500)
    assert first.next_attempt_at > timezone.now()
    # when: the retry is due
    make_due()
    pump()
    # then: all arrive, in order; the first twice with the same webhook-id
    assert receiver.sequences(subscription.secret) == [1, 2, 3]
    ids = [r["headers"]["webhook-id"] for r in receiver.received]
    assert ids[0] == ids[1]


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(receiver, settings):
    # given
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    subscription = SubscriptionFactory(url=receiver.url)
    MeetingFactory(created_by=subscription.owner)
    # when
    pump()
    # then
    attempt = Delivery.objects.get()
    assert attempt.status == "pending"
    assert attempt.error == "Timed out"
    assert attempt.duration_ms < 900
    # when: it answers in time again
    receiver.delay = 0
    make_due()
    pump()
    # then
    assert Delivery.objects.get().status == "delivered"


def test_a_receiver_killed_and_restarted_mid_stream_gets_everything_in_order(receiver):
    # given: some delivered
    subscription = SubscriptionFactory(url=receiver.url)
    MeetingFactory.create_batch(2, created_by=subscription.owner)
    pump()
    # when: the receiver dies; more changes happen; it comes back on the same port
    receiver.kill()
    MeetingFactory.create_batch(3, created_by=subscription.owner)
    pump()
    assert Delivery.objects.get(sequence=3).error.startswith("Could not connect")
    receiver.start()
    make_due()
    pump()
    # then: none lost, in order
    assert receiver.sequences(subscription.secret) == [1, 2, 3, 4, 5]


def test_the_last_failed_attempt_disables_the_subscription_and_tells_its_owner(
    receiver, settings, django_capture_on_commit_callbacks
):
    # given: a receiver that always fails, and two retries allowed
    settings.WEBHOOK_RETRY_DELAYS = [1, 1]
    receiver.statuses.extend([503] * 10)
    subscription = SubscriptionFactory(url=receiver.url)
    MeetingFactory(created_by=subscription.owner)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            pump()
            make_due()
    # then
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at is not None
    assert "HTTP 503" in subscription.disabled_reason
    assert Delivery.objects.get().status == "failed"
    assert len(receiver.received) == 3
    notice = Notification.objects.get(recipient=subscription.owner)
    assert subscription.url in notice.message
    assert notice.emailed_at is not None
    assert [m.subject for m in mail.outbox] == ["[Scheduler] Webhook disabled"]
    assert mail.outbox[0].to == [subscription.owner.email]


def test_a_disabled_subscription_gets_nothing_until_turned_on_again(receiver):
    # given
    subscription = SubscriptionFactory(url=receiver.url, is_active=False)
    MeetingFactory(created_by=subscription.owner)
    # when
    pump()
    # then
    assert receiver.received == []
    assert not Delivery.objects.exists()


def pending(subscription, sequence, *, due_in=timedelta(0)) -> Delivery:
    return Delivery.objects.create(
        subscription=subscription,
        sequence=sequence,
        event_type="meeting.created",
        change_position=sequence,
        payload={},
        next_attempt_at=timezone.now() + due_in,
    )


def test_the_sweep_finds_lines_whose_head_is_due(receiver):
    # given: one subscription due, one whose head waits for its retry
    due, waiting = SubscriptionFactory.create_batch(2, url=receiver.url)
    pending(due, 1)
    pending(waiting, 1, due_in=timedelta(minutes=5))
    pending(waiting, 2)
    # when / then
    assert delivery.subscriptions_due() == [due.pk]
