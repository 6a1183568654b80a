"""POST /api/meetings/bulk/ writes through COPY on PostgreSQL (bulk_create on SQLite) and keeps
what it did before: a fixed number of statements, the room rule (a refusal by the exclusion
constraint inside the COPY is the same 409 as the service's own check, with nothing stored),
who made the meetings in the change record, and the meetings it returns."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from meetings.changes.models import MeetingChange
from meetings.models import Meeting, Participant
from meetings.services.bulk import meeting_bulk_create
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from notifications.models import Event
from scheduler.audit import without_context

pytestmark = pytest.mark.django_db

T0 = datetime(2031, 6, 2, 9, tzinfo=UTC)
ON_POSTGRESQL = connection.vendor == "postgresql"


def item(i: int, **extra) -> dict:
    start = T0 + timedelta(hours=i)
    return {
        "title": f"Session {i}",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=30)).isoformat(),
        **extra,
    }


def verbs(queries) -> list[str]:
    return [without_context(q["sql"]).split(" ", 1)[0] for q in queries.captured_queries]


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_statements_of_a_bulk_create_do_not_grow_with_the_items(
    api_as, django_assert_num_queries, size
):
    # given: every item invites two people, every fourth books one of two rooms. On SQLite
    # Django cuts a bulk INSERT into batches of 999 parameters (83 events): it holds to 40.
    count = {"small": 2, "large": 200 if ON_POSTGRESQL else 40}[size]
    me, ann, bob = UserFactory(), UserFactory(), UserFactory()
    rooms = [RoomFactory(capacity=10), RoomFactory(capacity=10)]
    items = [
        item(
            i,
            participant_ids=[ann.pk, bob.pk],
            room_id=rooms[i // 4 % 2].pk if i % 4 == 0 else None,
        )
        for i in range(count)
    ]
    client = api_as(me)
    # when: token, SAVEPOINT, the invitees, lock the rooms, (SQLite: their clashes; on
    # PostgreSQL the constraint finds them, in the COPY; and then the meetings' ids),
    # SAVEPOINT, the meetings (COPY on PostgreSQL, INSERT elsewhere), RELEASE, the invitations
    # (COPY or INSERT), INSERT the events, RELEASE, the meetings, their people
    with django_assert_num_queries(13) as queries:
        response = client.post("/api/meetings/bulk/", items)
    # then
    assert response.status_code == 201, response.content
    written = "COPY" if ON_POSTGRESQL else "INSERT"
    assert [v for v in verbs(queries) if v in ("COPY", "INSERT")] == [written, written, "INSERT"]
    assert Meeting.objects.count() == count
    assert Participant.objects.count() == 2 * count
    assert Event.objects.count() == count


@pytest.fixture
def held():
    """Room Ada, held by olga's "Board" at T0 + 2 h, an hour long."""
    room = RoomFactory(name="Ada", capacity=10)
    return MeetingFactory(
        room=room,
        title="Board",
        created_by=UserFactory(username="olga"),
        start_time=T0 + timedelta(hours=2),
        end_time=T0 + timedelta(hours=3),
    )


def clashing_items(room, guest) -> list[dict]:
    """Two free items, then a third that books the room while Board holds it."""
    return [
        item(0, participant_ids=[guest.pk], room_id=room.pk),
        item(1, participant_ids=[guest.pk]),
        item(2, participant_ids=[guest.pk], room_id=room.pk),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("sees", [False, True], ids=["stranger", "participant of the clash"])
def test_a_clash_the_constraint_refuses_inside_the_copy_is_the_checks_409_and_stores_nothing(
    api_as, held, sees
):
    # given: the same request answered by the service's check (as on SQLite), then as on
    # PostgreSQL, where the exclusion constraint refuses the COPY itself
    me, guest = UserFactory(timezone="UTC"), UserFactory()
    if sees:
        ParticipantFactory(meeting=held, user=me)
    client = api_as(me)
    items = clashing_items(held.room, guest)
    with mock.patch("meetings.services.bulk.database_refuses_double_bookings", return_value=False):
        checked = client.post("/api/meetings/bulk/", items)
    changes = MeetingChange.objects.count()
    # when
    with CaptureQueriesContext(connection) as queries:
        refused = client.post("/api/meetings/bulk/", items)
    # then: the same answer, naming the clash of item 2 (not of item 0), and nothing written
    assert "COPY" in verbs(queries)
    assert (checked.status_code, refused.status_code) == (409, 409)
    assert refused.json() == checked.json()
    assert refused.json()["conflicting_meeting"]["start_time"] == "2031-06-02T11:00:00Z"
    assert ("id" in refused.json()["conflicting_meeting"]) is sees
    assert list(Meeting.objects.values_list("pk", flat=True)) == [held.pk]
    assert Participant.objects.filter(user=guest).count() == 0
    assert Event.objects.count() == 0
    assert MeetingChange.objects.count() == changes


def test_the_change_record_names_the_api_and_the_user_for_bulk_made_meetings(api_as):
    # given
    olga, paul = UserFactory(username="olga"), UserFactory(username="paul")
    # when
    with CaptureQueriesContext(connection) as queries:
        response = api_as(olga).post(
            "/api/meetings/bulk/", [item(i, participant_ids=[paul.pk]) for i in range(3)]
        )
    # then: COPY on PostgreSQL, the first write of the transaction, with who acts in front
    assert response.status_code == 201, response.content
    if ON_POSTGRESQL:
        copies = [q["sql"] for q in queries.captured_queries if " COPY " in q["sql"]]
        assert len(copies) == 2
        assert all("'olga'" in sql and "'api'" in sql for sql in copies)
    ids = [m["id"] for m in response.json()]
    changes = MeetingChange.objects.filter(meeting_id__in=ids)
    assert (
        sorted(changes.values_list("subject", flat=True)) == ["meeting"] * 3 + ["participant"] * 3
    )
    assert set(changes.values_list("actor_id", "actor", "source")) == {(olga.pk, "olga", "api")}


def test_the_service_returns_the_stored_meetings_with_organizer_and_room_at_hand(
    django_assert_num_queries,
):
    # given
    organizer, guest = UserFactory(), UserFactory()
    room = RoomFactory(name="Ada", location="Floor 2", capacity=10)
    start = T0
    items = [
        {
            "title": "With room",
            "start_time": start,
            "end_time": start + timedelta(hours=1),
            "room_id": room.pk,
            "participant_ids": [guest.pk],
            "location": "Bring\tlaptops",
        },
        {"title": "Plain", "start_time": start, "end_time": start + timedelta(hours=1)},
    ]
    # when
    meetings = meeting_bulk_create(organizer=organizer, items=items)
    # then: as stored, field for field
    stored = Meeting.objects.in_bulk([m.pk for m in meetings])
    for meeting in meetings:
        for field in Meeting._meta.concrete_fields:
            assert getattr(meeting, field.attname) == getattr(stored[meeting.pk], field.attname)
    with django_assert_num_queries(0):
        assert [(m.created_by, m.room, m.place) for m in meetings] == [
            (organizer, room, "Ada, Floor 2, Bring\tlaptops"),
            (organizer, None, ""),
        ]
    # the one with an invitee told them, naming the room
    [event] = Event.objects.all()
    assert (event.meeting_id, event.recipient_ids) == (meetings[0].pk, [guest.pk])
    assert event.payload["location"] == "Ada, Floor 2, Bring\tlaptops"
