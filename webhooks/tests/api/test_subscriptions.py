import socket

import pytest
from standardwebhooks.webhooks import Webhook

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory
from webhooks import delivery, dispatch
from webhooks.models import Delivery, Subscription
from webhooks.tests.conftest import settle
from webhooks.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

PUBLIC = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]


@pytest.fixture
def public_dns(monkeypatch):
    """Every name resolves to a public address (no network in tests)."""
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: PUBLIC)


@pytest.fixture
def owner():
    return UserFactory(username="olga")


@pytest.fixture
def api(api_as, owner):
    return api_as(owner)


def test_create_shows_the_secret_once(api, public_dns):
    # when
    made = api.post(
        "/api/webhooks/", {"url": "https://hooks.example.com/in", "events": ["meeting.created"]}
    )
    # then
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["meeting.created"]
    assert body["is_active"] is True
    read = api.get(f"/api/webhooks/{body['id']}/").json()
    listed = api.get("/api/webhooks/").json()["results"]
    assert "secret" not in read
    assert all("secret" not in row for row in listed)


def test_rotate_secret_gives_a_new_one(api, owner, public_dns):
    # given
    subscription = SubscriptionFactory(owner=owner)
    # when
    answer = api.post(f"/api/webhooks/{subscription.pk}/rotate-secret/")
    # then
    assert answer.status_code == 200
    subscription.refresh_from_db()
    assert answer.json()["secret"] == subscription.secret
    Webhook(subscription.secret)  # a secret standardwebhooks accepts


def test_patch_and_delete(api, owner, public_dns):
    # given
    subscription = SubscriptionFactory(owner=owner, is_active=False, disabled_reason="x")
    # when
    changed = api.patch(
        f"/api/webhooks/{subscription.pk}/",
        {"events": ["meeting.rsvp", "meeting.created"], "is_active": True},
    )
    # then: events in a fixed order, on again
    assert changed.status_code == 200, changed.content
    assert changed.json()["events"] == ["meeting.created", "meeting.rsvp"]
    assert changed.json()["is_active"] is True
    assert changed.json()["disabled_reason"] == ""
    # when / then
    assert api.delete(f"/api/webhooks/{subscription.pk}/").status_code == 204
    assert not Subscription.objects.exists()


def test_a_strangers_subscription_does_not_exist(api, public_dns):
    # given
    theirs = SubscriptionFactory()
    # when / then
    assert api.get(f"/api/webhooks/{theirs.pk}/").status_code == 404
    assert api.patch(f"/api/webhooks/{theirs.pk}/", {"events": ["meeting.rsvp"]}).status_code == 404
    assert api.post(f"/api/webhooks/{theirs.pk}/rotate-secret/").status_code == 404
    assert api.delete(f"/api/webhooks/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/webhooks/{theirs.pk}/deliveries/").status_code == 404
    assert api.get("/api/webhooks/").json()["results"] == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/in", "loopback"),
        ("https://10.1.2.3/in", "private"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https://[::1]/in", "loopback"),
        ("https://[::ffff:127.0.0.1]/in", "loopback"),
        ("https://[fe80::1]/in", "link-local"),
        ("https://224.0.0.1/in", "multicast"),
        ("https://0.0.0.0/in", "unspecified"),
        ("https://100.100.100.200/in", "cloud metadata"),
        ("https://localhost/in", "localhost"),
        ("ftp://hooks.example.com/in", "https"),
        ("https://user:pw@hooks.example.com/in", "user name"),
    ],
)
def test_urls_that_could_reach_inside_are_refused(api, url, reason):
    # when
    answer = api.post("/api/webhooks/", {"url": url, "events": ["meeting.created"]})
    # then: a 400 naming the field and the reason
    assert answer.status_code == 400, answer.content
    assert reason in answer.json()["url"][0]
    assert not Subscription.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused(api, monkeypatch):
    # given
    private = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.10", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: private)
    # when
    answer = api.post(
        "/api/webhooks/", {"url": "https://evil.example.com/", "events": ["meeting.created"]}
    )
    # then
    assert answer.status_code == 400
    assert answer.json()["url"] == ["The host resolves to a private address (192.168.1.10)."]


def test_plain_http_is_refused_in_production(api, settings, public_dns):
    # given: production's setting
    settings.WEBHOOK_ALLOW_HTTP = False
    # when
    answer = api.post(
        "/api/webhooks/", {"url": "http://hooks.example.com/in", "events": ["meeting.created"]}
    )
    # then
    assert answer.status_code == 400
    assert answer.json()["url"] == ["Use an https:// URL."]


def test_unknown_events_are_refused(api, public_dns):
    answer = api.post(
        "/api/webhooks/", {"url": "https://hooks.example.com/", "events": ["meeting.exploded"]}
    )
    assert answer.status_code == 400
    assert "events" in answer.json()


@pytest.mark.django_db(transaction=True)  # dispatched once committed (the change horizon)
def test_the_delivery_log_and_redeliver(api, owner, receiver, django_capture_on_commit_callbacks):
    # given: one delivered
    subscription = SubscriptionFactory(owner=owner, url=receiver.url)
    MeetingFactory(created_by=owner)
    settle()
    dispatch.changes_dispatch()
    delivery.subscription_deliver(subscription_id=subscription.pk)
    [row] = api.get(f"/api/webhooks/{subscription.pk}/deliveries/").json()["results"]
    assert (row["status"], row["response_code"], row["sequence"]) == ("delivered", 200, 1)
    assert row["duration_ms"] is not None
    # when
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/webhooks/{subscription.pk}/deliveries/{row['id']}/redeliver/")
    # then: sent again (eagerly here), with the same webhook-id
    assert answer.status_code == 202
    assert Delivery.objects.get().status == "delivered"
    ids = [request["headers"]["webhook-id"] for request in receiver.received]
    assert ids == [row["webhook_id"], row["webhook_id"]]


@pytest.mark.parametrize("size", [2, 12])
def test_list_queries_do_not_grow(api, owner, django_assert_num_queries, size):
    # given
    SubscriptionFactory.create_batch(size, owner=owner)
    # when / then: the token, the page
    with django_assert_num_queries(2):
        api.get("/api/webhooks/")


@pytest.mark.parametrize("size", [2, 12])
def test_delivery_log_queries_do_not_grow(api, owner, django_assert_num_queries, size):
    # given
    subscription = SubscriptionFactory(owner=owner)
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            sequence=n,
            event_type="meeting.created",
            change_position=n,
            payload={"n": n},
        )
        for n in range(1, size + 1)
    )
    # when / then: the token, the subscription is mine, the page
    with django_assert_num_queries(3):
        answer = api.get(f"/api/webhooks/{subscription.pk}/deliveries/")
    assert len(answer.json()["results"]) == size
