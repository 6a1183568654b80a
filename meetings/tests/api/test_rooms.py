"""Booking rooms through the API: one booking of a room at a time, and no more people than it
seats. The same rule on SQLite (the service's check) and PostgreSQL (also the constraint)."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def booking(room, start=NINE, minutes=60, **extra):
    return {
        "title": "Design review",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=minutes)).isoformat(),
        "room_id": room.pk,
        **extra,
    }


def test_a_meeting_books_a_room_and_shows_it(api_as):
    room = RoomFactory(name="Ada", location="Floor 3")
    me = UserFactory()

    response = api_as(me).post("/api/meetings/", booking(room))

    assert response.status_code == 201, response.content
    assert response.json()["room"] == {"id": room.pk, "name": "Ada", "location": "Floor 3"}
    assert Meeting.objects.get().room == room


def test_an_overlapping_booking_is_refused_with_409_saying_when_and_stores_nothing(api_as):
    # given: a meeting the caller is not in holds the room
    room = RoomFactory(name="Ada")
    MeetingFactory(room=room, title="Board", start_time=NINE, end_time=NINE + timedelta(hours=1))
    me = UserFactory(timezone="UTC")
    # when
    response = api_as(me).post("/api/meetings/", booking(room, NINE + timedelta(minutes=30)))
    # then: when it is busy, not which meeting holds it (tests/api/test_room_conflict_privacy.py)
    assert response.status_code == 409
    assert response.json() == {
        "room_id": ["Ada is already booked from 2026-03-02T09:00:00Z to 2026-03-02T10:00:00Z."],
        "conflicting_meeting": {
            "start_time": "2026-03-02T09:00:00Z",
            "end_time": "2026-03-02T10:00:00Z",
        },
    }
    assert Meeting.objects.count() == 1
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (NINE - timedelta(hours=1), 60, 201),  # ends as the other starts
        (NINE + timedelta(hours=1), 30, 201),  # starts as the other ends
        (NINE - timedelta(minutes=1), 2, 409),  # one minute inside
        (NINE + timedelta(minutes=10), 10, 409),  # within
        (NINE - timedelta(hours=1), 180, 409),  # around
    ],
)
def test_back_to_back_bookings_are_fine_and_any_overlap_is_not(api_as, start, minutes, expected):
    room = RoomFactory()
    MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))

    response = api_as(UserFactory()).post("/api/meetings/", booking(room, start, minutes))

    assert response.status_code == expected, response.content


def test_a_cancelled_meeting_holds_no_room_and_another_room_is_free(api_as):
    room, other = RoomFactory(), RoomFactory()
    MeetingFactory(
        room=room, start_time=NINE, end_time=NINE + timedelta(hours=1), status="cancelled"
    )
    MeetingFactory(room=other, start_time=NINE, end_time=NINE + timedelta(hours=1))

    response = api_as(UserFactory()).post("/api/meetings/", booking(room))

    assert response.status_code == 201, response.content


def test_moving_a_meeting_onto_a_booked_slot_is_refused_and_changes_nothing(api_as):
    room = RoomFactory()
    MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    mine = MeetingFactory(
        room=room, start_time=NINE + timedelta(hours=2), end_time=NINE + timedelta(hours=3)
    )
    client = api_as(mine.created_by)

    refused = client.patch(f"/api/meetings/{mine.pk}/", {"start_time": NINE.isoformat()})
    own_slot = client.patch(  # overlapping its own old time is no clash
        f"/api/meetings/{mine.pk}/", {"end_time": (NINE + timedelta(hours=4)).isoformat()}
    )

    assert refused.status_code == 409
    assert own_slot.status_code == 200, own_slot.content
    mine.refresh_from_db()
    assert mine.start_time == NINE + timedelta(hours=2)


def test_booking_a_room_for_an_existing_meeting_and_giving_it_back(api_as):
    room = RoomFactory()
    MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    mine = MeetingFactory(start_time=NINE, end_time=NINE + timedelta(minutes=30))
    client = api_as(mine.created_by)

    taken = client.patch(f"/api/meetings/{mine.pk}/", {"room_id": room.pk})
    other = RoomFactory()
    booked = client.patch(f"/api/meetings/{mine.pk}/", {"room_id": other.pk})
    released = client.patch(f"/api/meetings/{mine.pk}/", {"room_id": None})

    assert taken.status_code == 409
    assert booked.status_code == 200
    assert booked.json()["room"]["id"] == other.pk
    assert released.status_code == 200
    assert released.json()["room"] is None


def test_taking_back_a_cancelled_meeting_whose_room_was_booked_meanwhile_is_refused(api_as):
    room = RoomFactory()
    mine = MeetingFactory(
        room=room, start_time=NINE, end_time=NINE + timedelta(hours=1), status="cancelled"
    )
    MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    client = api_as(mine.created_by)

    one = client.patch(f"/api/meetings/{mine.pk}/", {"status": "scheduled"})
    bulk = client.post("/api/meetings/bulk-status/", {"ids": [mine.pk], "status": "scheduled"})

    assert (one.status_code, bulk.status_code) == (409, 409)
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_a_room_seats_the_organizer_and_every_invitee(api_as):
    room = RoomFactory(name="Booth", capacity=2)
    me, guests = UserFactory(), UserFactory.create_batch(2)
    client = api_as(me)

    crowded = client.post("/api/meetings/", booking(room, participant_ids=[g.pk for g in guests]))
    fits = client.post("/api/meetings/", booking(room, participant_ids=[guests[0].pk]))
    one_more = client.post(
        f"/api/meetings/{fits.json()['id']}/participants/", {"user_id": guests[1].pk}
    )

    assert crowded.status_code == 400
    assert crowded.json() == {"room_id": ["Booth seats 2; this meeting has 3 people."]}
    assert fits.status_code == 201
    assert one_more.status_code == 400
    assert "Booth seats 2" in one_more.json()["user_id"][0]


def test_inviting_more_people_than_the_room_seats_is_a_400_on_the_invitees(api_as):
    room = RoomFactory(name="Booth", capacity=2)
    mine = MeetingFactory(room=room)
    guests = UserFactory.create_batch(2)

    response = api_as(mine.created_by).patch(
        f"/api/meetings/{mine.pk}/", {"participant_ids": [g.pk for g in guests]}
    )

    assert response.status_code == 400
    assert response.json() == {"participant_ids": ["Booth seats 2; this meeting has 3 people."]}
    assert not mine.participants.exists()


def test_taking_back_two_cancelled_meetings_that_would_share_a_room_is_a_400_on_ids(api_as):
    room = RoomFactory(name="Ada")
    me = UserFactory()
    one, two = (
        MeetingFactory(
            created_by=me, room=room, start_time=NINE, end_time=NINE + timedelta(hours=1),
            status="cancelled",
        )
        for _ in range(2)
    )  # fmt: skip

    response = api_as(me).post(
        "/api/meetings/bulk-status/", {"ids": [one.pk, two.pk], "status": "scheduled"}
    )

    assert response.status_code == 400
    assert response.json() == {"ids": [f"Meetings {one.pk} and {two.pk} would hold Ada at once."]}
    assert set(Meeting.objects.values_list("status", flat=True)) == {"cancelled"}


def test_an_unknown_room_is_a_400_on_the_field(api_as):
    response = api_as(UserFactory()).post(
        "/api/meetings/", {**booking(RoomFactory()), "room_id": 999_999}
    )

    assert response.status_code == 400
    assert response.json() == {"room_id": ["No such room: 999999."]}


def test_bulk_bookings_are_checked_against_the_room_and_each_other(api_as):
    room = RoomFactory()
    MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    client = api_as(UserFactory())
    later = NINE + timedelta(hours=3)

    against_stored = client.post("/api/meetings/bulk/", [booking(room), booking(room, later)])
    against_each_other = client.post(
        "/api/meetings/bulk/", [booking(room, later), booking(room, later)]
    )
    unknown = client.post(
        "/api/meetings/bulk/", [booking(room, later), {**booking(room), "room_id": 999_999}]
    )
    fine = client.post(
        "/api/meetings/bulk/", [booking(room, later), booking(room, later + timedelta(hours=1))]
    )

    assert against_stored.status_code == 409
    assert against_each_other.status_code == 400
    assert against_each_other.json() == {
        "1": {"room_id": [f"Books {room.name} at the same time as item 0."]}
    }
    assert unknown.status_code == 400
    assert unknown.json() == {"1": {"room_id": ["No such room: 999999."]}}
    assert fine.status_code == 201, fine.content
    assert Meeting.objects.filter(room=room).count() == 3


def test_the_notification_says_which_room(api_as):
    room = RoomFactory(name="Ada", location="Floor 2")
    guest = UserFactory()

    api_as(UserFactory()).post(
        "/api/meetings/", booking(room, participant_ids=[guest.pk], location="Bring laptops")
    )

    assert Event.objects.get().payload["location"] == "Ada, Floor 2, Bring laptops"


def test_rooms_are_listed_by_name_and_filtered(api_as):
    RoomFactory(name="Booth", capacity=2)
    RoomFactory(name="Atrium", capacity=80)
    RoomFactory(name="Cellar", capacity=12)
    client = api_as(UserFactory())

    every = client.get("/api/rooms/").json()["results"]
    big = client.get("/api/rooms/?min_capacity=10").json()["results"]
    named = client.get("/api/rooms/?search=ell").json()["results"]
    bad = client.get("/api/rooms/?min_capacity=0")

    assert [r["name"] for r in every] == ["Atrium", "Booth", "Cellar"]
    assert [r["name"] for r in big] == ["Atrium", "Cellar"]
    assert [r["name"] for r in named] == ["Cellar"]
    assert bad.status_code == 400
    assert "min_capacity" in bad.json()


def test_renaming_a_room_shows_in_cached_meeting_reads(api_as, django_capture_on_commit_callbacks):
    room = RoomFactory(name="Ada")
    invitation = ParticipantFactory(meeting=MeetingFactory(room=room))
    client = api_as(invitation.user)
    url = f"/api/meetings/{invitation.meeting_id}/"
    assert client.get(url).json()["room"]["name"] == "Ada"

    with django_capture_on_commit_callbacks(execute=True):
        room.name = "Lovelace"
        room.save()

    assert client.get(url).json()["room"]["name"] == "Lovelace"


def test_a_room_with_bookings_cannot_be_deleted():
    from django.db.models import ProtectedError

    room = RoomFactory()
    MeetingFactory(room=room)

    with pytest.raises(ProtectedError):
        room.delete()
