from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.services.bulk import MAX_BULK_MEETINGS
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler.audit import without_context

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)


def item(i, **overrides):
    start = T0 + timedelta(hours=i)
    return {
        "title": f"Session {i}",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=30)).isoformat(),
        **overrides,
    }


def test_bulk_creates_every_meeting_with_its_invitations_in_three_writes(
    api_as, django_assert_num_queries
):
    # given
    me, ann, bob = UserFactory(), UserFactory(), UserFactory()
    items = [item(i, participant_ids=[ann.pk, bob.pk, me.pk]) for i in range(40)]
    client = api_as(me)
    on_postgresql = connection.vendor == "postgresql"
    # when: token, SAVEPOINT, the invitees, (PostgreSQL: the meetings' ids reserved), 3 writes
    # (meetings and invitations: COPY on PostgreSQL, INSERT elsewhere; outbox events: INSERT),
    # RELEASE, the meetings, their participants
    with django_assert_num_queries(10 if on_postgresql else 9) as queries:
        response = client.post("/api/meetings/bulk/", items)
    # then
    assert response.status_code == 201
    body = response.json()
    assert [m["title"] for m in body] == [f"Session {i}" for i in range(40)]
    assert all(len(m["participants"]) == 2 for m in body)
    verbs = [without_context(q["sql"]).split(" ", 1)[0] for q in queries.captured_queries]
    expected = ["COPY", "COPY", "INSERT"] if on_postgresql else ["INSERT"] * 3
    assert [verb for verb in verbs if verb in ("INSERT", "COPY")] == expected
    assert Participant.objects.filter(user=me).count() == 0


def test_one_bad_item_rejects_the_whole_list_and_says_which_and_why(api_as):
    me = UserFactory()
    items = [
        item(0),
        item(1, end_time=item(1)["start_time"]),
        item(2),
        item(3, participant_ids=[987654]),
        item(4, title=""),
    ]

    response = api_as(me).post("/api/meetings/bulk/", items)

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"1", "4"}  # field checks first; they stop before the user lookup
    assert "end_time" in errors["1"]
    assert "title" in errors["4"]
    assert not Meeting.objects.exists()


def test_unknown_people_are_reported_by_item_once_the_fields_are_valid(api_as):
    me = UserFactory()
    items = [item(0), item(1, participant_ids=[987654]), item(2, participant_ids=[me.pk])]

    response = api_as(me).post("/api/meetings/bulk/", items)

    assert response.status_code == 400
    assert response.json() == {"1": {"participant_ids": ["No such users: 987654."]}}
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ([], "non_field_errors"),
        ({"title": "not a list"}, "non_field_errors"),
        ([item(i) for i in range(MAX_BULK_MEETINGS + 1)], "non_field_errors"),
        (["just a string"], "0"),
    ],
)
def test_a_bulk_body_that_is_not_a_list_of_meetings_is_a_400(api_as, body, key):
    response = api_as(UserFactory()).post("/api/meetings/bulk/", body)

    assert response.status_code == 400
    assert key in response.json()
    assert not Meeting.objects.exists()


def test_the_largest_bulk_request_is_accepted(api_as):
    response = api_as(UserFactory()).post(
        "/api/meetings/bulk/", [item(i) for i in range(MAX_BULK_MEETINGS)]
    )

    assert response.status_code == 201
    assert Meeting.objects.count() == MAX_BULK_MEETINGS


def test_bulk_status_is_one_update_and_counts_what_changed(api_as, django_assert_num_queries):
    # given
    me = UserFactory()
    scheduled = MeetingFactory.create_batch(3, created_by=me)
    for meeting in scheduled:
        ParticipantFactory(meeting=meeting)
    already = MeetingFactory(created_by=me, status=Meeting.Status.CANCELLED)
    others = MeetingFactory()
    ids = [m.pk for m in [*scheduled, already, others]] + [987654]
    client = api_as(me)
    # when: token, SAVEPOINT, which change, UPDATE, who to tell, INSERT events, RELEASE
    with django_assert_num_queries(7) as queries:
        response = client.post("/api/meetings/bulk-status/", {"ids": ids, "status": "cancelled"})
    # then
    assert response.json() == {"updated": 3}
    assert (
        sum(without_context(q["sql"]).startswith("UPDATE") for q in queries.captured_queries) == 1
    )
    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert {statuses[m.pk] for m in scheduled} == {"cancelled"}
    assert statuses[others.pk] == "scheduled"


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [], "status": "cancelled"},
        {"ids": [1], "status": "postponed"},
        {"ids": "1,2", "status": "cancelled"},
        {"status": "cancelled"},
        {"ids": list(range(1, MAX_BULK_MEETINGS + 2)), "status": "cancelled"},
    ],
)
def test_bulk_status_rejects_bad_input(api_as, body):
    response = api_as(UserFactory()).post("/api/meetings/bulk-status/", body)

    assert response.status_code == 400
    assert set(response.json()) <= {"ids", "status"}


def test_a_body_over_the_size_limit_is_a_json_413_and_stores_nothing(api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    item = {
        "title": "x" * 200,
        "description": "y" * 10_000,
        "start_time": "2026-05-04T09:00:00Z",
        "end_time": "2026-05-04T10:00:00Z",
    }

    response = api_as(UserFactory()).post("/api/meetings/bulk/", [item] * 10)

    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than the limit of 65,536 bytes."
    assert not Meeting.objects.exists()
