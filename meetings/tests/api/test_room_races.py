"""Twenty people booking one room for one slot at the same moment, on PostgreSQL: exactly one
booking, nineteen 409s saying when the room is busy, no 500. Then the same without the
service's check, so that the exclusion constraint alone decides; and a raw INSERT, which the
database refuses."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, RoomFactory
from notifications.models import Event
from testsupport.concurrency import N, at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def book_at_once(api_as, room):
    clients = []
    for _ in range(N):
        client = api_as(UserFactory())
        client.raise_request_exception = False
        clients.append(client)
    body = {
        "title": "Stand-up",
        "start_time": NINE.isoformat(),
        "end_time": (NINE + timedelta(minutes=30)).isoformat(),
        "room_id": room.pk,
    }
    return at_once(lambda i: clients[i].post("/api/meetings/", body))


def assert_one_booking_and_the_rest_told_which(responses, room):
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (N - 1), codes
    winner = Meeting.objects.get(room=room)
    for response in responses:
        if response.status_code == 409:  # when the room is busy; the winner's meeting is not theirs
            busy = response.json()["conflicting_meeting"]
            assert set(busy) == {"start_time", "end_time"}
            assert datetime.fromisoformat(busy["start_time"]) == winner.start_time
    assert Event.objects.count() == 0  # nobody invited: nothing to tell, nothing half-written


def test_twenty_simultaneous_bookings_of_one_slot_give_exactly_one_201(api_as):
    room = RoomFactory()

    responses = book_at_once(api_as, room)

    assert_one_booking_and_the_rest_told_which(responses, room)


def test_without_the_services_check_the_database_alone_refuses_the_double_booking(api_as):
    # given: a writer that forgets the rule (no room lock, no overlap check)
    room = RoomFactory()
    with (
        mock.patch("meetings.services.lifecycle.locked_room", side_effect=lambda room_id: room),
        mock.patch("meetings.services.lifecycle.check_room_free"),
    ):
        # when
        responses = book_at_once(api_as, room)
    # then: the exclusion constraint refused nineteen, each turned into a 409
    assert_one_booking_and_the_rest_told_which(responses, room)


def test_a_raw_insert_of_an_overlapping_booking_is_refused_by_the_database():
    room = RoomFactory()
    held = MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    insert = (
        "INSERT INTO meetings_meeting (title, description, location, start_time, end_time,"
        " created_by_id, room_id, status, cancellation_reason, created_at, updated_at)"
        " VALUES ('raw', '', '', %s, %s, %s, %s, %s, '', now(), now())"
    )

    def raw(start, status="scheduled"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                insert, [start, start + timedelta(hours=1), held.created_by_id, room.pk, status]
            )

    with pytest.raises(IntegrityError, match="room_no_double_booking"):
        raw(NINE + timedelta(minutes=59))
    raw(NINE + timedelta(hours=1))  # back to back
    raw(NINE, status="cancelled")  # a cancelled meeting holds no room
    assert Meeting.objects.filter(room=room).count() == 3


def test_taking_back_meetings_past_the_check_names_the_room_that_clashes(api_as):
    # given: two cancelled meetings in two rooms; the second's room was booked meanwhile by
    # a writer the check did not see (no lock), so only the constraint refuses
    organizer = UserFactory()
    first_room, second_room = RoomFactory(name="Attic"), RoomFactory(name="Cellar")
    one, two = (
        MeetingFactory(
            created_by=organizer,
            room=room,
            status="cancelled",
            start_time=NINE,
            end_time=NINE + timedelta(hours=1),
        )
        for room in (first_room, second_room)
    )
    taken = MeetingFactory(room=second_room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    client = api_as(organizer)
    with mock.patch("meetings.services.bulk.check_rooms_free"):
        # when
        response = client.post(
            "/api/meetings/bulk-status/", {"ids": [one.pk, two.pk], "status": "scheduled"}
        )
    # then: a 409 on the cellar, when the other meeting holds it; nothing changed
    assert response.status_code == 409, response.content
    assert "Cellar" in response.json()["room_id"][0]
    busy = response.json()["conflicting_meeting"]
    assert datetime.fromisoformat(busy["start_time"]) == taken.start_time
    assert set(
        Meeting.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", flat=True)
    ) == {"cancelled"}
