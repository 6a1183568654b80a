"""Delivery through a real Celery worker and broker, on PostgreSQL: the receiver killed and
started again mid-stream, answering 500 and then 200; every event arrives, verified, in
sequence, none lost."""

import time
import uuid
from contextlib import contextmanager

import pytest

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory
from notifications.tests.test_delivery_services import real_broker
from scheduler.celery import app
from testsupport.servers import private_redis, wait_until
from testsupport.workers import running_worker
from webhooks import tasks
from webhooks.models import Delivery

from .conftest import settle
from .factories import SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_DELAYS = [0.5] * 7
    tasks._broker._open_until = 0


@contextmanager
def private_queue():
    """Tasks on a queue of this test's own: the machine's RabbitMQ is shared, and its default
    queue may hold other runs' tasks (or feed other runs' workers)."""
    name = f"webhooks-test-{uuid.uuid4().hex[:12]}"
    saved = app.conf.task_default_queue

    def reset() -> None:
        for cached in ("queues", "default_queue", "router"):
            app.amqp.__dict__.pop(cached, None)
        app.amqp._rtable = None

    app.conf.task_default_queue = name
    reset()
    try:
        yield
    finally:
        app.conf.task_default_queue = saved
        reset()
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(name)


def beat_until(done, *, timeout: float = 90) -> None:
    """What beat does, every second: dispatch, and sweep for deliveries due."""

    def tick() -> bool:
        tasks.dispatch_changes.delay()
        tasks.sweep_deliveries.delay()
        time.sleep(1)
        return done()

    wait_until(tick, timeout=timeout, what="every delivery")


def run_stream(receiver, settings) -> None:
    owner = UserFactory(username="olga")
    subscription = SubscriptionFactory(owner=owner, url=receiver.url)
    with running_worker(app):
        # given: some delivered
        MeetingFactory.create_batch(3, created_by=owner)
        settle()
        beat_until(lambda: len(receiver.sequences(subscription.secret)) == 3)
        # when: the receiver dies mid-stream, more changes happen, it comes back failing once
        receiver.kill()
        MeetingFactory.create_batch(3, created_by=owner)
        settle()
        tasks.dispatch_changes.delay()
        wait_until(
            lambda: Delivery.objects.filter(attempts__gte=1, status="pending").exists(),
            what="a failed attempt",
            timeout=30,
        )
        receiver.statuses.extend([500])
        receiver.start()
        MeetingFactory.create_batch(2, created_by=owner)
        settle()
        beat_until(lambda: len(set(receiver.sequences(subscription.secret))) == 8)
    # then: all, verified, in sequence (a repeat only where an attempt failed)
    sequences = receiver.sequences(subscription.secret)
    assert sorted(set(sequences)) == list(range(1, 9))
    assert sequences == sorted(sequences)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.redis
def test_a_real_worker_on_redis_delivers_everything_in_order(receiver, settings, fast_retries):
    with private_redis() as redis, real_broker(redis.url, settings):
        run_stream(receiver, settings)


@pytest.mark.rabbitmq
def test_a_real_worker_on_rabbitmq_delivers_everything_in_order(receiver, settings, fast_retries):
    with real_broker(settings.RABBITMQ_TEST_URL, settings), private_queue():
        run_stream(receiver, settings)
