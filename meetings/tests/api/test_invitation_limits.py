"""Invitations are limited per request (INVITES_PER_REQUEST: 400) and per organizer per hour
(INVITES_PER_HOUR: 429 with Retry-After), on every path that invites somebody: one request
could send 250,000 notifications and e-mails. The hourly count is in the shared cache."""

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator

from accounts.services import token_create
from accounts.tests.factories import UserFactory
from meetings import invitations
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from notifications.models import Event
from testsupport.servers import server_process, shared_environment

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def meeting(people=(), **extra):
    return {
        "title": "Sync",
        "start_time": NINE.isoformat(),
        "end_time": (NINE + timedelta(hours=1)).isoformat(),
        "participant_ids": [p.pk for p in people],
        **extra,
    }


def stored():
    return (Meeting.objects.count(), Participant.objects.count(), Event.objects.count())


@pytest.fixture
def at(monkeypatch):
    """at(moment): the hourly count's clock reads `moment`."""

    def set_clock(moment: datetime):
        clock = SimpleNamespace(time=lambda: moment.timestamp())
        monkeypatch.setattr(invitations, "time", clock)

    return set_clock


@pytest.mark.parametrize("limit", [3, 7])
def test_one_request_invites_up_to_the_limit_and_not_one_more(api_as, settings, limit):
    # given: a meeting of mine with ann invited
    settings.INVITES_PER_REQUEST = limit
    people = UserFactory.create_batch(limit + 1)
    me, ann = UserFactory(), UserFactory()
    mine = MeetingFactory(created_by=me)
    ParticipantFactory(meeting=mine, user=ann)
    client = api_as(me)
    path = f"/api/meetings/{mine.pk}/"
    # when: creating, and changing the invitee list (ann, already invited, costs nothing)
    created_over = client.post("/api/meetings/", meeting(people))
    changed_over = client.patch(path, {"participant_ids": [ann.pk, *(p.pk for p in people)]})
    created = client.post("/api/meetings/", meeting(people[:limit]))
    changed = client.patch(path, {"participant_ids": [ann.pk, *(p.pk for p in people[:limit])]})
    # then
    assert created_over.status_code == 400
    assert created_over.json() == {
        "participant_ids": [f"Ensure this field has no more than {limit} elements."]
    }
    assert changed_over.status_code == 400
    assert changed_over.json() == {
        "participant_ids": [f"At most {limit} invitations per request; this one sends {limit + 1}."]
    }
    assert (created.status_code, changed.status_code) == (201, 200)
    assert Participant.objects.count() == 1 + limit + limit


def test_a_bulk_requests_items_count_together_and_the_item_past_the_limit_is_named(
    api_as, settings
):
    # given: 2 + 2 + 2 invitations, 5 allowed
    settings.INVITES_PER_REQUEST = 5
    a, b = UserFactory(), UserFactory()
    before = stored()
    # when
    response = api_as(UserFactory()).post("/api/meetings/bulk/", [meeting([a, b])] * 3)
    # then
    assert response.status_code == 400
    assert response.json() == {
        "2": {
            "participant_ids": [
                "At most 5 invitations per request, all its meetings together; this one brings "
                "them to 6."
            ]
        }
    }
    assert stored() == before


def test_a_huge_bulk_request_is_refused_before_its_ids_are_validated(api_as, monkeypatch):
    # given: 500 items of 500 ids, 250,000 invitations
    validated = []
    monkeypatch.setattr(
        "rest_framework.serializers.IntegerField.to_internal_value",
        lambda field, data: validated.append(data),
    )
    items = [meeting(participant_ids=list(range(1, 501)))] * 500
    # when
    response = api_as(UserFactory()).post("/api/meetings/bulk/", items)
    # then: the third item passes 1,000
    assert response.status_code == 400
    assert list(response.json()) == ["2"]
    assert validated == []


@pytest.mark.parametrize("limit", [4, 9])
def test_the_hourly_limit_holds_across_requests_with_a_429_that_stores_and_sends_nothing(
    api_as, settings, at, django_capture_on_commit_callbacks, limit
):
    # given: an organizer who invited all but two of the hour's invitations
    settings.INVITES_PER_HOUR = limit
    at(datetime(2026, 3, 2, 10, 59, 30, tzinfo=UTC))
    people = UserFactory.create_batch(limit - 2 + 3)
    client = api_as(UserFactory())
    first = client.post("/api/meetings/", meeting(people[: limit - 2]))
    assert first.status_code == 201
    before = stored()
    # when: three more
    with django_capture_on_commit_callbacks() as queued:
        refused = client.post("/api/meetings/", meeting(people[limit - 2 :]))
    # then
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    body = refused.json()
    assert body["limit"] == "INVITES_PER_HOUR"
    assert body["limit_value"] == limit
    assert body["resets_at"] == "2026-03-02T12:00:00+01:00"  # the caller is in Paris
    assert "nothing was saved" in body["detail"]
    assert stored() == before
    assert queued == []  # no delivery, no cache flush
    # ...and the two left can still be sent, the refused request having counted nothing
    assert client.post("/api/meetings/", meeting(people[-2:])).status_code == 201
    assert client.post("/api/meetings/", meeting(people[:1])).status_code == 429


def test_the_hour_starts_again_at_the_top_of_the_next_one(api_as, settings, at):
    settings.INVITES_PER_HOUR = 2
    people = UserFactory.create_batch(2)
    client = api_as(UserFactory())
    at(datetime(2026, 3, 2, 10, 59, tzinfo=UTC))
    assert client.post("/api/meetings/", meeting(people)).status_code == 201
    assert client.post("/api/meetings/", meeting(people)).status_code == 429

    at(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))

    assert client.post("/api/meetings/", meeting(people)).status_code == 201


def test_every_path_that_invites_counts_and_reinviting_costs_nothing(api_as, settings):
    # given: 4 an hour, and a meeting of mine with ann invited
    settings.INVITES_PER_HOUR = 4
    me = UserFactory()
    ann, bob, cid, dan, eve = UserFactory.create_batch(5)
    mine = MeetingFactory(created_by=me)
    ParticipantFactory(meeting=mine, user=ann)
    client = api_as(me)
    path = f"/api/meetings/{mine.pk}/"
    # when / then: PATCH with ann again and bob (1), ann again (0), bulk (2), cid again (0)
    assert client.patch(path, {"participant_ids": [ann.pk, bob.pk]}).status_code == 200
    assert client.post(f"{path}participants/", {"user_id": ann.pk}).status_code == 200
    assert client.post("/api/meetings/bulk/", [meeting([cid]), meeting([dan])]).status_code == 201
    assert client.patch(path, {"participant_ids": [ann.pk, bob.pk]}).status_code == 200
    assert client.post(f"{path}participants/", {"user_id": eve.pk}).status_code == 201  # 4th
    refused = [
        client.post(f"{path}participants/", {"user_id": cid.pk}),
        client.patch(path, {"participant_ids": [ann.pk, bob.pk, eve.pk, dan.pk]}),
        client.post("/api/meetings/", meeting([ann])),
        client.post("/api/meetings/bulk/", [meeting([ann])]),
    ]
    assert [r.status_code for r in refused] == [429] * 4
    assert all(r["Retry-After"] for r in refused)
    assert client.post(f"{path}participants/", {"user_id": bob.pk}).status_code == 200
    assert set(mine.participants.values_list("user_id", flat=True)) == {ann.pk, bob.pk, eve.pk}


def test_a_dry_run_counts_nothing_but_tells_a_refusal(api_as, settings):
    # given
    settings.INVITES_PER_HOUR = 3
    people = UserFactory.create_batch(3)
    client = api_as(UserFactory())
    # when
    rehearsals = [
        client.post("/api/meetings/?dry_run=true", meeting(people)).status_code for _ in range(5)
    ]
    written = client.post("/api/meetings/", meeting(people))
    rehearsed_again = client.post("/api/meetings/?dry_run=true", meeting(people[:1]))
    # then
    assert rehearsals == [200] * 5
    assert written.status_code == 201
    assert rehearsed_again.status_code == 429


def test_the_schema_states_the_limits():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    invitees = components["MeetingWriteRequest"]["properties"]["participant_ids"]
    assert invitees["maxItems"] == 500
    assert "INVITES_PER_REQUEST (1,000 per request" in invitees["description"]
    assert "INVITES_PER_HOUR (3,000 per organizer per hour" in invitees["description"]
    for path, method in [
        ("/api/meetings/", "post"),
        ("/api/meetings/{id}/", "patch"),
        ("/api/meetings/{id}/participants/", "post"),
        ("/api/meetings/bulk/", "post"),
    ]:
        answer = schema["paths"][path][method]["responses"]["429"]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/InvitationLimit")
    assert components["InvitationLimit"]["required"] == ["detail"]  # a throttle's 429 too


@pytest.mark.postgres
@pytest.mark.redis
def test_the_hourly_count_is_shared_by_app_servers_through_redis(
    transactional_db, api_as, settings
):
    # given: two app servers on one database and one Redis, 4 invitations an hour
    if time.time() % 3600 > 3540:  # the count is per clock hour: do not straddle its end
        time.sleep(3601 - time.time() % 3600)
    organizer = UserFactory()
    people = UserFactory.create_batch(4)
    _, token = token_create(user=organizer)
    env = shared_environment(INVITES_PER_HOUR="4")
    with server_process(env) as there:
        # when: three invitations through the other server, two through this one
        request = urllib.request.Request(
            there + "/api/meetings/",
            data=json.dumps(meeting(people[:3])).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201
        settings.INVITES_PER_HOUR = 4
        here = api_as(organizer)
        refused = here.post("/api/meetings/", meeting(people[3:] + people[:1]))
        allowed = here.post("/api/meetings/", meeting(people[3:]))
    # then: the other server's three counted here, in Redis
    assert refused.status_code == 429
    assert allowed.status_code == 201
    window = int(time.time() // 3600)
    assert cache.get(invitations.hourly_key(organizer.pk, window)) == 4
