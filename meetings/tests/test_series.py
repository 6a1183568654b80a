"""Creating a recurring meeting: its occurrences are meetings, at the series' wall-clock time,
written in a fixed number of statements, told once, and never double-booking a room."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from meetings.booking import RoomConflict
from meetings.models import Meeting, Participant, Series
from meetings.services.series import series_create
from meetings.tests.factories import MeetingFactory, RoomFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 10, 19, 9, tzinfo=AMSTERDAM)  # summer time ends on 25 October


def create(organizer, *, weeks=10, start=MONDAY, **extra):
    arguments = {
        "organizer": organizer,
        "title": "Stand-up",
        "start_time": start,
        "end_time": start + timedelta(minutes=30),
        "recurrence": [f"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT={weeks}"],
        "time_zone": "Europe/Amsterdam",
    } | extra
    return series_create(**arguments)


def test_each_occurrence_is_a_meeting_at_the_series_local_time():
    # given
    organizer, ada, bob = UserFactory(), UserFactory(), UserFactory()
    # when
    series = create(organizer, participant_ids=[ada.pk, bob.pk])
    # then: ten Mondays, 09:00-09:30 in Amsterdam before and after the clocks change
    occurrences = list(series.occurrences.order_by("start_time"))
    assert len(occurrences) == 10
    assert {m.start_time.astimezone(AMSTERDAM).strftime("%a %H:%M") for m in occurrences} == {
        "Mon 09:00"
    }
    assert {m.end_time - m.start_time for m in occurrences} == {timedelta(minutes=30)}
    assert occurrences[0].start_time == datetime(2026, 10, 19, 7, tzinfo=UTC)  # CEST
    assert occurrences[1].start_time == datetime(2026, 10, 26, 8, tzinfo=UTC)  # CET
    assert all(m.original_start_time == m.start_time for m in occurrences)
    assert all(m.created_by_id == organizer.pk and m.title == "Stand-up" for m in occurrences)
    assert Participant.objects.filter(meeting__series=series).count() == 20
    assert (series.time_zone, series.duration, series.complete) == (
        "Europe/Amsterdam",
        timedelta(minutes=30),
        True,
    )


def test_people_hear_of_a_series_once():
    organizer, ada = UserFactory(), UserFactory()
    create(organizer, participant_ids=[ada.pk], weeks=52)
    [event] = Event.objects.all()
    assert event.kind == Event.Kind.MEETING_CREATED
    assert event.recipient_ids == [ada.pk]
    assert event.payload["recurrence"] == "every Monday, 52 times"
    assert event.payload["occurrences"] == "52"


def test_the_organizers_zone_is_the_default():
    organizer = UserFactory(timezone="America/New_York")
    start = datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("America/New_York"))
    series = create(organizer, start=start, time_zone=None)
    assert series.time_zone == "America/New_York"


@pytest.mark.parametrize("weeks", [5, 50])
def test_statements_do_not_grow_with_the_occurrences(weeks, django_assert_num_queries):
    # given: a room and two people; 5 or 50 occurrences
    organizer, ada, bob = UserFactory(), UserFactory(), UserFactory()
    room = RoomFactory()
    # when / then: the same statements whatever the number of occurrences (savepoints too)
    with django_assert_num_queries(11):
        create(organizer, weeks=weeks, participant_ids=[ada.pk, bob.pk], room_id=room.pk)


def test_a_room_taken_at_one_occurrence_refuses_the_series_and_saves_nothing():
    # given: the room is booked on the third Monday
    organizer = UserFactory()
    room = RoomFactory()
    third = MONDAY + timedelta(weeks=2, minutes=10)
    taken = MeetingFactory(room=room, start_time=third, end_time=third + timedelta(hours=1))
    # when
    with pytest.raises(RoomConflict) as refused:
        create(organizer, room_id=room.pk)
    # then
    assert refused.value.meeting == taken
    assert not Series.objects.exists()
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        ({"recurrence": ["RRULE:FREQ=HOURLY"]}, "recurrence", "FREQ=HOURLY is not supported"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not an IANA time zone"),
        ({"time_zone": "America"}, "time_zone", "is not an IANA time zone"),
        ({"recurrence": ["RRULE:FREQ=DAILY;COUNT=1001"]}, "recurrence", "at most 1000"),
        ({"recurrence": ["RRULE:FREQ=DAILY;UNTIL=21000101"]}, "recurrence", "more than 1000"),
        ({"recurrence": ["RRULE:FREQ=DAILY;UNTIL=20200101"]}, "recurrence", "no occurrence"),
        ({"participant_ids": [999_999]}, "participant_ids", "No such users: 999999"),
    ],
)
def test_what_a_series_cannot_be_is_a_400_naming_the_field(extra, field, says):
    organizer = UserFactory()
    with pytest.raises(ValidationError) as refused:
        create(organizer, **extra)
    [message] = refused.value.message_dict[field]
    assert says in message
    assert not Series.objects.exists()
    assert not Meeting.objects.exists()


def test_an_unbounded_rule_makes_occurrences_up_to_the_limit(settings):
    settings.SERIES_MAX_OCCURRENCES = 30
    series = create(UserFactory(), recurrence=["RRULE:FREQ=DAILY"])
    assert series.occurrences.count() == 30
    assert not series.complete


def test_too_many_invitations_in_one_series_are_refused(monkeypatch):
    monkeypatch.setattr("meetings.services.series.MAX_INVITATION_ROWS", 50)
    people = UserFactory.create_batch(6)
    with pytest.raises(ValidationError) as refused:
        create(UserFactory(), participant_ids=[p.pk for p in people])  # 10 x 6 = 60 invitations
    assert "10 occurrences for 6 people" in refused.value.message_dict["recurrence"][0]
