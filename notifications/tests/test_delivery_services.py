"""Delivery through a real Celery worker on a real Redis broker (a private one, which these
tests stop and kill): a broker outage, a duplicate delivery and a worker killed mid-task each
end with exactly one notification per person."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from notifications import delivery, tasks
from notifications.models import Event, Notification
from scheduler.celery import app
from testsupport.servers import ROOT, private_redis, shared_environment, wait_until
from testsupport.workers import running_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@contextmanager
def real_broker(url, settings):
    """Tasks really queued on the broker at `url` for the duration."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    app._pool = app.amqp._producer_pool = None
    settings.CELERY_TASK_ALWAYS_EAGER = False
    tasks._broker._open_until = 0
    try:
        yield
    finally:
        app.conf.update(saved)
        app._pool = app.amqp._producer_pool = None
        tasks._broker._open_until = 0


@pytest.fixture
def broker(settings, monkeypatch):
    """A private Redis as the Celery broker."""
    monkeypatch.setattr(delivery, "SWEEP_AFTER", timedelta(0))
    with private_redis() as redis, real_broker(redis.url, settings):
        yield redis


@pytest.fixture
def worker(broker):
    with running_worker(app):
        yield


@pytest.fixture
def people(transactional_db):
    organizer = UserFactory(username="olga")
    guests = UserFactory.create_batch(3)
    client = APIClient()
    client.force_authenticate(organizer)
    return organizer, guests, client


def create_meeting(client, guests) -> tuple[int, float]:
    started = time.monotonic()
    response = client.post(
        "/api/meetings/",
        {
            "title": "Delivered once",
            "start_time": "2026-09-01T09:00:00Z",
            "end_time": "2026-09-01T10:00:00Z",
            "participant_ids": [g.pk for g in guests],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"], time.monotonic() - started


def invitations(guests) -> list[int]:
    """How many invitations each guest has, in ascending order."""
    counts = {g.pk: 0 for g in guests}
    for user_id in Notification.objects.filter(kind="invitation").values_list(
        "recipient_id", flat=True
    ):
        counts[user_id] += 1
    return sorted(counts.values())


@pytest.mark.parametrize("outage", ["down", "stalled"])
def test_a_broker_outage_delays_notifications_but_loses_none(people, broker, outage):
    organizer, guests, client = people
    tasks.deliver_event.delay("00000000-0000-0000-0000-000000000000")  # a warm connection
    # given: the broker is gone, or hangs
    broker.kill() if outage == "down" else broker.pause()
    # when: meetings are created meanwhile
    first_id, first_took = create_meeting(client, guests)
    second_id, second_took = create_meeting(client, guests)
    # then: the requests did not wait on the broker (the first gave up within a second, the
    # second did not even try), and nobody has heard yet
    assert first_took < 2.0
    assert second_took < 0.5
    assert Event.objects.filter(delivered_at__isnull=True).count() == 2
    # when: the broker is back, a worker runs (restarted, as after any outage of its broker)
    # and the periodic sweep runs
    broker.start() if outage == "down" else broker.resume()
    tasks._broker._open_until = 0
    with running_worker(app):
        wait_until(lambda: tasks.sweep_outbox.delay() is not None, what="broker", timeout=20)
        wait_until(lambda: invitations(guests) == [2, 2, 2], what="delivery", timeout=60)
        # then: exactly once, however often the sweep runs again
        tasks.sweep_outbox.delay()
        time.sleep(1)
    assert invitations(guests) == [2, 2, 2]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(g.email for g in guests for _ in "12")
    assert first_id != second_id


def test_a_duplicate_delivery_creates_nothing_twice(people, broker, worker):
    organizer, guests, client = people
    create_meeting(client, guests)
    # Delivered: its notifications are committed before the event is marked delivered, so wait
    # for the mark, or the first delivery's own mark could land after the reset below.
    wait_until(
        lambda: Event.objects.filter(delivered_at__isnull=False).exists(),
        what="delivery",
        timeout=30,
    )
    assert invitations(guests) == [1, 1, 1]
    event = Event.objects.get()
    # when: the same task is delivered again, also as if the first never finished
    Event.objects.filter(pk=event.pk).update(delivered_at=None)
    for _ in range(3):
        tasks.deliver_event.delay(str(event.pk))
    wait_until(
        lambda: (
            Event.objects.filter(pk=event.pk, delivered_at__isnull=False).exists()
            and Event.objects.get(pk=event.pk).attempts >= 2
        ),
        what="redelivery",
        timeout=30,
    )
    time.sleep(1)  # let the other copies run
    # then
    assert invitations(guests) == [1, 1, 1]
    assert len(mail.outbox) == 3


def _mails_in(directory) -> list[str]:
    ids = []
    for path in directory.iterdir():
        ids += [line for line in path.read_text().splitlines() if line.startswith("Message-ID:")]
    return ids


@pytest.mark.parametrize("where", ["before-commit", "after-commit"])
def test_a_worker_killed_mid_task_delivers_exactly_once(people, broker, tmp_path, where):
    organizer, guests, client = people
    mails = tmp_path / "mail"
    mails.mkdir()
    env = {
        **os.environ,
        **shared_environment(
            TEST_CELERY_EAGER="0", CELERY_BROKER_URL=broker.url, TEST_EMAIL_FILE_PATH=str(mails)
        ),
    }
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "notifications.tests.stalling_worker", str(tmp_path), where],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # given: a delivery that stalls in the worker's child process
        create_meeting(client, guests)
        marker = tmp_path / "stalled"
        wait_until(marker.exists, what="the stalled task", timeout=60)
        # when: that process is killed outright
        os.kill(int(marker.read_text()), signal.SIGKILL)
        # then: the task is given back and run again by a new child, once
        wait_until(
            lambda: Event.objects.filter(delivered_at__isnull=False).exists(),
            what="redelivery",
            timeout=60,
        )
        assert invitations(guests) == [1, 1, 1]
        assert len(_mails_in(mails)) == 3
        assert len(set(_mails_in(mails))) == 3
        assert Event.objects.get().attempts == 2
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.rabbitmq
def test_rabbitmq_works_as_the_broker_too(people, settings, monkeypatch):
    organizer, guests, client = people
    with (
        real_broker(settings.RABBITMQ_TEST_URL, settings),
        running_worker(app),
    ):
        create_meeting(client, guests)
        wait_until(lambda: invitations(guests) == [1, 1, 1], what="delivery", timeout=30)
