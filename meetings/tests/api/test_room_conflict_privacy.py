"""A room-conflict answer (409, a dry run's room_conflict) names the meeting that holds the room
only to someone who may see that meeting, its organizer or a participant; to anybody else that
meeting is a 404, and the answer says only when the room is busy."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)
BUSY = {"start_time": "2026-03-02T09:00:00Z", "end_time": "2026-03-02T10:00:00Z"}


@pytest.fixture
def held():
    """Room Ada, held from nine to ten by the "Board" meeting of olga, with paul invited."""
    room = RoomFactory(name="Ada")
    meeting = MeetingFactory(
        room=room,
        title="Board",
        created_by=UserFactory(username="olga", timezone="UTC"),
        start_time=NINE,
        end_time=NINE + timedelta(hours=1),
    )
    ParticipantFactory(meeting=meeting, user=UserFactory(username="paul", timezone="UTC"))
    return meeting


def details(meeting):
    return {
        "id": meeting.pk,
        "title": "Board",
        **BUSY,
        "organizer": {"id": meeting.created_by_id, "username": "olga"},
    }


def in_ada(room, start=NINE + timedelta(minutes=30), **extra):
    return {
        "title": "Mine",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(hours=1)).isoformat(),
        "room_id": room.pk,
        **extra,
    }


def person(held, who):
    if who == "stranger":
        return UserFactory(username="stan", timezone="UTC")
    if who == "organizer":
        return held.created_by
    return held.participants.get().user


@pytest.mark.parametrize("who", ["stranger", "organizer", "participant"])
def test_a_409_names_the_meeting_only_to_those_who_may_see_it(
    api_as, held, who, django_assert_num_queries
):
    # given
    client = api_as(person(held, who))
    # when: token, SAVEPOINT, the room locked, the clash (with whether it is the caller's),
    # ROLLBACK TO and RELEASE the savepoint: the same for everyone
    with django_assert_num_queries(6):
        response = client.post("/api/meetings/", in_ada(held.room))
    # then
    assert response.status_code == 409
    body = response.json()
    if who == "stranger":
        assert body == {
            "room_id": ["Ada is already booked from 2026-03-02T09:00:00Z to 2026-03-02T10:00:00Z."],
            "conflicting_meeting": BUSY,
        }
        assert "Board" not in response.content.decode()
    else:
        assert body["conflicting_meeting"] == details(held)
        assert body["room_id"] == [
            "Ada is already booked from 2026-03-02T09:00:00Z to 2026-03-02T10:00:00Z "
            f"by “Board” (meeting {held.pk})."
        ]
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(("who", "sees"), [("stranger", False), ("participant", True)])
def test_a_dry_run_names_the_meeting_only_to_those_who_may_see_it(api_as, held, who, sees):
    response = api_as(person(held, who)).post("/api/meetings/?dry_run=true", in_ada(held.room))

    assert response.status_code == 200
    conflict = response.json()["room_conflict"]["conflicting_meeting"]
    assert conflict == (details(held) if sees else BUSY)


@pytest.mark.parametrize(("who", "sees"), [("stranger", False), ("organizer", True)])
def test_moving_onto_the_room_and_its_dry_run_name_the_meeting_only_to_those_who_see_it(
    api_as, held, who, sees
):
    # given: the caller's own meeting in Ada, later that day
    me = person(held, who)
    later = NINE + timedelta(hours=5)
    mine = MeetingFactory(
        created_by=me, room=held.room, start_time=later, end_time=later + timedelta(hours=1)
    )
    client = api_as(me)
    move = {"start_time": (NINE + timedelta(minutes=30)).isoformat()}
    # when
    response = client.patch(f"/api/meetings/{mine.pk}/", move)
    dry_run = client.patch(f"/api/meetings/{mine.pk}/?dry_run=true", move)
    # then
    assert response.status_code == 409
    expected = details(held) if sees else BUSY
    assert response.json()["conflicting_meeting"] == expected
    assert dry_run.json()["room_conflict"]["conflicting_meeting"] == expected


@pytest.mark.parametrize(("who", "sees"), [("stranger", False), ("participant", True)])
def test_the_bulk_paths_name_the_meeting_only_to_those_who_may_see_it(api_as, held, who, sees):
    # given: a cancelled meeting of the caller's in Ada at that time, to be taken back
    me = person(held, who)
    cancelled = MeetingFactory(
        created_by=me,
        room=held.room,
        start_time=NINE,
        end_time=NINE + timedelta(minutes=30),
        status="cancelled",
    )
    client = api_as(me)
    # when
    bulk = client.post("/api/meetings/bulk/", [in_ada(held.room, NINE - timedelta(hours=3)),
                                               in_ada(held.room)])  # fmt: skip
    taken_back = client.post(
        "/api/meetings/bulk-status/", {"ids": [cancelled.pk], "status": "scheduled"}
    )
    # then
    expected = details(held) if sees else BUSY
    assert (bulk.status_code, taken_back.status_code) == (409, 409)
    assert bulk.json()["conflicting_meeting"] == expected
    assert taken_back.json()["conflicting_meeting"] == expected


@pytest.mark.postgres
@pytest.mark.parametrize(("who", "sees"), [("stranger", False), ("participant", True)])
def test_a_double_booking_the_database_refuses_names_the_meeting_only_to_those_who_see_it(
    api_as, held, who, sees
):
    # given: a writer that slipped past the service's check (a race): the constraint refuses
    with (
        mock.patch(
            "meetings.services.lifecycle.locked_room", side_effect=lambda room_id: held.room
        ),
        mock.patch("meetings.services.lifecycle.check_room_free"),
    ):
        # when
        response = api_as(person(held, who)).post("/api/meetings/", in_ada(held.room))
    # then
    assert response.status_code == 409
    assert response.json()["conflicting_meeting"] == (details(held) if sees else BUSY)


def test_the_schema_shows_which_fields_only_some_callers_get():
    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    conflict = schema["RoomConflictMeeting"]
    assert sorted(conflict["required"]) == ["end_time", "start_time"]
    assert "organize that meeting" in conflict["properties"]["title"]["description"]
