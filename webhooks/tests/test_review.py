"""Review findings: a stranger's webhook, URLs a careless client sends, and receivers that
answer oddly."""

import socket
import threading
import time

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from webhooks import client, delivery
from webhooks.models import Delivery, Subscription
from webhooks.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

PUBLIC = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
IDN = "例え.jp"
IDN_ASCII = "xn--r8jz45g.jp"


@pytest.fixture
def public_dns(monkeypatch):
    """Every name resolves to a public address (no network in tests)."""
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: PUBLIC)


def test_a_strangers_webhook_is_a_404_whatever_the_body(api_as, public_dns):
    # given: someone else's webhook
    theirs = SubscriptionFactory()
    api = api_as(UserFactory(username="mallory"))

    # when: a PATCH of it with a body that does not validate
    answer = api.patch(f"/api/webhooks/{theirs.pk}/", {"events": []}, format="json")

    # then: it does not exist for this caller, as with a valid body
    assert answer.status_code == 404, answer.content


def test_port_0_is_refused(api_as, public_dns):
    # given
    api = api_as(UserFactory(username="olga"))

    # when: a URL naming port 0 (which the deliverer would quietly turn into 443)
    answer = api.post(
        "/api/webhooks/",
        {"url": "https://hooks.example.com:0/in", "events": ["meeting.created"]},
        format="json",
    )

    # then
    assert answer.status_code == 400, answer.content
    assert "url" in answer.json()
    assert not Subscription.objects.exists()


def test_a_host_name_in_unicode_is_delivered_to_by_its_ascii_name(receiver, settings, monkeypatch):
    # given: a subscription to an internationalized name (the API accepts it), resolving to
    # the test's receiver
    settings.WEBHOOK_ALLOWED_HOSTS = [IDN]
    local = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.port))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: local)
    subscription = SubscriptionFactory(url=f"http://{IDN}:{receiver.port}/hook")
    Delivery.objects.create(
        subscription=subscription,
        sequence=1,
        event_type="meeting.created",
        change_position=0,
        payload={"type": "meeting.created", "data": {"sequence": 1}},
        next_attempt_at=timezone.now(),
    )

    # when: the deliverer sends it
    delivery.subscription_deliver(subscription_id=subscription.pk)

    # then: the attempt is made and recorded (it does not crash the deliverer, to be tried
    # again every sweep, forever, never failing and never telling the owner), and the Host
    # header carries the name in its ASCII form
    sent = Delivery.objects.get()
    assert (sent.status, sent.attempts) == ("delivered", 1), sent.error
    assert receiver.received[0]["headers"]["Host"] == f"{IDN_ASCII}:{receiver.port}"


def _dripping_server(seconds: float) -> tuple[int, threading.Thread]:
    """A receiver that answers a header a byte at a time, one byte every 0.2 s."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve():
        connection, _ = server.accept()
        with connection, server:
            connection.settimeout(seconds + 5)
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            deadline = time.monotonic() + seconds
            try:
                while time.monotonic() < deadline:
                    connection.sendall(b"a")
                    time.sleep(0.2)
                connection.sendall(b"\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass  # the client gave up: what it should do

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_timeout(settings):
    # given: a 1 s timeout, and a receiver that takes 4 s to answer, a byte at a time
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    port, thread = _dripping_server(4.0)

    # when
    started = time.monotonic()
    outcome = client.post(url=f"http://127.0.0.1:{port}/hook", body=b"{}", headers={})
    took = time.monotonic() - started
    thread.join(10)

    # then: a failed attempt, within about the timeout
    assert not outcome.ok
    assert took < 2.5, f"the attempt took {took:.1f} s"
