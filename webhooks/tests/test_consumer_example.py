"""docs/examples/consumer.py, run as it is against a live server: it syncs, applies webhooks in
sequence, and syncs again when a delivery is missing; its copy ends equal to a fresh full
sync."""

import importlib.util
from pathlib import Path

import pytest

from accounts.services import token_create
from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from webhooks import dispatch, tasks
from webhooks.models import Delivery, Subscription

from .conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "consumer.py"
EVENTS = ["meeting.created", "meeting.updated", "meeting.cancelled", "meeting.deleted"]


def _example():
    spec = importlib.util.spec_from_file_location("consumer_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pump() -> None:
    """What beat and a worker do: dispatch, then send each subscription's deliveries."""
    settle()
    dispatch.changes_dispatch()
    for subscription_id in Subscription.objects.values_list("pk", flat=True):
        tasks.deliver_subscription(subscription_id)


@pytest.fixture
def consumer(live_server, settings):
    """Olga's consumer, listening on a free local port, subscribed through the API."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    example = _example()
    olga = UserFactory(username="olga", timezone="UTC")
    _, key = token_create(user=olga, client="consumer")
    api = example.httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {key}"})
    mirror = example.Mirror(api=live_server.url, token=key, secret="whsec_" + "A" * 32)
    server = example.serve(mirror, port=0)  # a free port, to subscribe with
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    created = api.post("/api/webhooks/", json={"url": url, "events": EVENTS})
    assert created.status_code == 201, created.text
    mirror.webhook = example.Webhook(created.json()["secret"])  # the secret, shown this once
    yield olga, api, mirror
    server.shutdown()


def _fresh(api) -> dict[int, dict]:
    """What a full sync shows now."""
    meetings, url = {}, "/api/meetings/sync/"
    while url:
        body = api.get(url).json()
        meetings.update({item["id"]: item["meeting"] for item in body["results"]})
        url = body["next"]
    return meetings


def test_the_example_consumer_stays_in_step_through_webhooks_and_a_gap(consumer):
    olga, api, mirror = consumer
    # given: olga's meetings, and the consumer's first sync
    kept, renamed, deleted = MeetingFactory.create_batch(3, created_by=olga)
    settle()
    mirror.sync()
    assert set(mirror.meetings) == {kept.pk, renamed.pk, deleted.pk}
    # when: changes arrive as webhooks
    api.patch(f"/api/meetings/{renamed.pk}/", json={"title": "Renamed"})
    api.delete(f"/api/meetings/{deleted.pk}/")
    invited = ParticipantFactory(user=olga).meeting  # someone invites her
    _pump()
    # then: applied from the webhooks alone, without another sync
    assert mirror.syncs == 1
    assert mirror.last_sequence == Delivery.objects.count()
    assert mirror.meetings == _fresh(api)
    assert mirror.meetings[renamed.pk]["title"] == "Renamed"
    assert invited.pk in mirror.meetings
    assert deleted.pk not in mirror.meetings
    # when: a delivery is lost for good (made, never sent), and a later one arrives
    api.patch(f"/api/meetings/{kept.pk}/", json={"title": "Lost news"})
    settle()
    dispatch.changes_dispatch()
    Delivery.objects.filter(status="pending").update(status="failed")
    api.post(f"/api/meetings/{renamed.pk}/cancel/", json={"reason": "Ill"})
    _pump()
    # then: the consumer saw the gap, synced, and holds what the server holds
    assert mirror.syncs == 2
    assert mirror.meetings == _fresh(api)
    assert mirror.meetings[kept.pk]["title"] == "Lost news"
    assert mirror.meetings[renamed.pk]["status"] == "cancelled"


def test_the_example_consumer_refuses_a_forged_delivery(consumer):
    _, _, mirror = consumer
    forged = b'{"type": "meeting.deleted", "data": {"sequence": 1, "meeting_id": 1}}'
    headers = {
        "webhook-id": "msg_forged",
        "webhook-timestamp": "1796000000",
        "webhook-signature": "v1,AAAA",
    }
    assert mirror.receive(forged, headers) == 401
    assert mirror.last_sequence == 0
