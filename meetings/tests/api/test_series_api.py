"""Recurring meetings through the API: made in one request, read as meetings, edited in the
scopes this, following and all, each operation telling each person once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant, Series
from meetings.tests.factories import MeetingFactory, RoomFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Mondays from 1 March 2027; summer time starts on 28 March.
FIRST = datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM)


def series_body(weeks=8, start=FIRST, **extra):
    return {
        "title": "Stand-up",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=30)).isoformat(),
        "participant_ids": [],
        "recurrence": [f"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT={weeks}"],
        "time_zone": "Europe/Amsterdam",
    } | extra


def occurrences(series_id=None, **filters):
    rows = Meeting.objects.filter(series__isnull=False, **filters)
    if series_id is not None:
        rows = rows.filter(series_id=series_id)
    return list(rows.order_by("original_start_time"))


def local(moment):
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def people():
    return UserFactory(username="org"), UserFactory(username="ada"), UserFactory(username="bob")


@pytest.fixture
def made(api_as, people):
    """An eight-week series of the organizer's with ada and bob invited."""
    organizer, ada, bob = people
    response = api_as(organizer).post(
        "/api/meetings/", series_body(participant_ids=[ada.pk, bob.pk]), format="json"
    )
    assert response.status_code == 201, response.json()
    Event.objects.all().delete()
    return response.json()


def test_a_series_is_made_in_one_request_and_listed_occurrence_by_occurrence(api_as, people):
    organizer, ada, _ = people
    response = api_as(organizer).post(
        "/api/meetings/", series_body(participant_ids=[ada.pk]), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["series"]["occurrences"] == 8
    assert body["series"]["rule"] == "every Monday, 8 times"
    assert body["series"]["time_zone"] == "Europe/Amsterdam"
    assert body["series_id"] == body["series"]["id"]
    listed = api_as(ada).get("/api/meetings/", {"page_size": 50}).json()["results"]
    assert len(listed) == 8
    assert {m["series_id"] for m in listed} == {body["series"]["id"]}
    assert [m["start_time"] == m["original_start_time"] for m in listed] == [True] * 8
    # 09:00 in Amsterdam before and after the clocks change on 28 March
    starts = [datetime.fromisoformat(m["start_time"]) for m in listed]
    assert {s.astimezone(AMSTERDAM).strftime("%H:%M") for s in starts} == {"09:00"}
    assert starts[3].astimezone(UTC).hour == 8
    assert starts[4].astimezone(UTC).hour == 7
    [invitation] = Event.objects.filter(kind=Event.Kind.MEETING_CREATED)
    assert invitation.recipient_ids == [ada.pk]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"recurrence": ["RRULE:FREQ=SECONDLY"]}, "recurrence"),
        ({"recurrence": "RRULE:FREQ=DAILY"}, "recurrence"),
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
    ],
)
def test_a_rule_the_api_cannot_follow_is_a_400_naming_the_field(api_as, people, extra, field):
    response = api_as(people[0]).post("/api/meetings/", series_body(**extra), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Meeting.objects.exists()


def test_a_time_zone_without_a_rule_is_refused(api_as, people):
    body = series_body()
    del body["recurrence"]
    response = api_as(people[0]).post("/api/meetings/", body, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()


def test_this_makes_an_exception_that_an_edit_of_all_keeps(api_as, people, made):
    organizer = people[0]
    client = api_as(organizer)
    third = occurrences()[2]
    response = client.patch(f"/api/meetings/{third.pk}/", {"title": "Retro"}, format="json")
    assert response.status_code == 200
    assert response.json()["scope"]["occurrences"] == 1
    first = occurrences()[0]
    response = client.patch(
        f"/api/meetings/{first.pk}/?scope=all", {"title": "Daily", "location": "Ada"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["scope"] == {
        "scope": "all", "series_id": made["series_id"], "occurrences": 8, "people": 3,
        "rooms": [], "exceptions_dropped": 0,
    }  # fmt: skip
    titles = [m.title for m in occurrences()]
    assert titles == ["Daily", "Daily", "Retro", "Daily", "Daily", "Daily", "Daily", "Daily"]
    assert {m.location for m in occurrences()} == {"Ada"}  # its title alone was its own
    assert Series.objects.get().title == "Daily"
    # one change event for everyone, however many occurrences
    assert Event.objects.filter(kind=Event.Kind.MEETING_CHANGED).count() == 1


def test_following_splits_the_series_at_the_occurrence(api_as, people, made):
    client = api_as(people[0])
    fourth = occurrences()[3]
    response = client.patch(
        f"/api/meetings/{fourth.pk}/?scope=following", {"title": "Later"}, format="json"
    )
    assert response.status_code == 200, response.json()
    new_series = response.json()["scope"]["series_id"]
    assert new_series != made["series_id"]
    before, after = occurrences(made["series_id"]), occurrences(new_series)
    assert [m.title for m in before] == ["Stand-up"] * 3
    assert [m.title for m in after] == ["Later"] * 5
    old, new = Series.objects.get(pk=made["series_id"]), Series.objects.get(pk=new_series)
    assert old.recurrence == ["RRULE:FREQ=WEEKLY;COUNT=3;BYDAY=MO"]
    assert new.recurrence == ["RRULE:FREQ=WEEKLY;UNTIL=20270419T070000Z;BYDAY=MO"]
    assert new.first_start == fourth.original_start_time


def test_following_on_the_first_occurrence_changes_the_series_itself(api_as, people, made):
    first = occurrences()[0]
    response = api_as(people[0]).patch(
        f"/api/meetings/{first.pk}/?scope=following", {"title": "All of it"}, format="json"
    )
    assert response.json()["scope"]["series_id"] == made["series_id"]
    assert Series.objects.count() == 1
    assert {m.title for m in occurrences()} == {"All of it"}


def test_following_on_the_last_occurrence_makes_a_series_of_one(api_as, people, made):
    last = occurrences()[-1]
    response = api_as(people[0]).patch(
        f"/api/meetings/{last.pk}/?scope=following", {"title": "Finale"}, format="json"
    )
    new_series = response.json()["scope"]["series_id"]
    assert [m.title for m in occurrences(new_series)] == ["Finale"]
    assert len(occurrences(made["series_id"])) == 7


def test_moving_all_keeps_the_wall_clock_time_and_drops_exceptions(api_as, people, made):
    organizer, ada, _ = people
    client = api_as(organizer)
    second = occurrences()[1]
    client.patch(f"/api/meetings/{second.pk}/", {"title": "Own"}, format="json")
    api_as(ada).post(f"/api/meetings/{second.pk}/rsvp/", {"status": "accepted"}, format="json")
    first = occurrences()[0]
    ten = FIRST.replace(hour=10)
    response = client.patch(
        f"/api/meetings/{first.pk}/?scope=all",
        {"start_time": ten.isoformat(), "end_time": (ten + timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    scope = response.json()["scope"]
    assert (scope["occurrences"], scope["exceptions_dropped"]) == (8, 1)
    moved = occurrences()
    assert [local(m.start_time)[-5:] for m in moved] == ["10:00"] * 8
    assert {m.end_time - m.start_time for m in moved} == {timedelta(hours=1)}
    assert {m.title for m in moved} == {"Stand-up"}
    # a new time asks everyone again
    assert set(Participant.objects.values_list("status", flat=True)) == {"needs_action"}
    assert Event.objects.filter(kind=Event.Kind.MEETING_CHANGED).count() == 1


def test_all_changes_only_what_is_not_yet_over(api_as, people):
    organizer, ada, _ = people
    # Mondays from 2 November 2026: five are over by 30 November 2026 (today in these tests'
    # world is the real clock; these dates are fixed, so the past part only grows).
    start = datetime(2026, 11, 2, 9, tzinfo=AMSTERDAM)
    client = api_as(organizer)
    body = series_body(weeks=60, start=start, participant_ids=[ada.pk])
    series_id = client.post("/api/meetings/", body, format="json").json()["series_id"]
    now = datetime.now(UTC)
    past = [m for m in occurrences(series_id) if m.end_time <= now]
    future = [m for m in occurrences(series_id) if m.end_time > now]
    assert past
    assert future
    response = client.patch(
        f"/api/meetings/{future[0].pk}/?scope=all", {"title": "New name"}, format="json"
    )
    assert response.json()["scope"]["occurrences"] == len(future)
    for meeting in occurrences(series_id):
        over = meeting.end_time <= now
        assert meeting.title == ("Stand-up" if over else "New name")
        assert meeting.exception_fields == ("title" if over else "")


def test_delete_this_leaves_an_exdate_and_following_ends_the_series(api_as, people, made):
    client = api_as(people[0])
    second = occurrences()[1]
    assert client.delete(f"/api/meetings/{second.pk}/").status_code == 204
    series = Series.objects.get()
    assert series.recurrence[-1] == "EXDATE:20270308T080000Z"
    assert len(occurrences()) == 7
    sixth = occurrences()[4]  # the sixth Monday
    assert client.delete(f"/api/meetings/{sixth.pk}/?scope=following").status_code == 204
    assert [local(m.original_start_time) for m in occurrences()] == [
        "2027-03-01 09:00", "2027-03-15 09:00", "2027-03-22 09:00", "2027-03-29 09:00",
    ]  # fmt: skip
    series.refresh_from_db()
    assert series.recurrence[0] == "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO"
    assert client.delete(f"/api/meetings/{occurrences()[0].pk}/?scope=all").status_code == 204
    assert not Series.objects.exists()
    assert not Meeting.objects.exists()
    # one deletion event per operation
    assert Event.objects.filter(kind=Event.Kind.MEETING_DELETED).count() == 3


def test_cancel_all_tells_each_person_once_and_frees_the_room(api_as, people):
    organizer, ada, bob = people
    room = RoomFactory()
    client = api_as(organizer)
    body = series_body(participant_ids=[ada.pk, bob.pk], room_id=room.pk)
    made = client.post("/api/meetings/", body, format="json").json()
    Event.objects.all().delete()
    first = occurrences()[0]
    response = client.post(f"/api/meetings/{first.pk}/cancel/?scope=all", {"reason": "Off"})
    assert response.status_code == 200
    assert response.json()["scope"]["occurrences"] == 8
    assert response.json()["scope"]["rooms"] == [room.pk]
    assert {m.status for m in occurrences()} == {"cancelled"}
    [cancelled] = Event.objects.all()
    assert cancelled.kind == Event.Kind.MEETING_CANCELLED
    assert cancelled.recipient_ids == sorted([ada.pk, bob.pk])
    assert cancelled.payload["occurrences"] == "8"
    # the room is free at those times again
    other = client.post("/api/meetings/", series_body(room_id=room.pk), format="json")
    assert other.status_code == 201
    assert other.json()["series_id"] != made["series_id"]


def test_rsvp_following_answers_those_occurrences_and_tells_the_organizer_once(
    api_as, people, made
):
    organizer, ada, _ = people
    third = occurrences()[2]
    response = api_as(ada).post(
        f"/api/meetings/{third.pk}/rsvp/?scope=following", {"status": "declined"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "declined"
    assert response.json()["scope"]["occurrences"] == 6
    answers = [Participant.objects.get(meeting=m, user=ada).status for m in occurrences()]
    assert answers == ["needs_action"] * 2 + ["declined"] * 6
    [told] = Event.objects.all()
    assert (told.kind, told.recipient_ids) == (Event.Kind.RSVP, [organizer.pk])


def test_a_dry_run_in_a_scope_tells_what_would_happen_and_keeps_nothing(api_as, people, made):
    client = api_as(people[0])
    fourth = occurrences()[3]
    response = client.patch(
        f"/api/meetings/{fourth.pk}/?scope=following&dry_run=true",
        {"title": "Maybe"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["scope"]["occurrences"] == 5
    assert body["scope"]["people"] == 3
    assert {m.title for m in occurrences()} == {"Stand-up"}
    assert Series.objects.count() == 1
    response = client.delete(f"/api/meetings/{fourth.pk}/?scope=all&dry_run=true")
    assert response.status_code == 200
    assert response.json()["scope"]["occurrences"] == 8
    assert len(occurrences()) == 8
    assert not Event.objects.exists()


def test_a_room_taken_at_several_occurrences_is_a_409_listing_each(api_as, people):
    organizer, ada, _ = people
    room = RoomFactory()
    third, fifth = FIRST + timedelta(weeks=2), FIRST + timedelta(weeks=4)
    mine = MeetingFactory(
        created_by=ada, room=room, start_time=third, end_time=third + timedelta(hours=1)
    )
    theirs = MeetingFactory(room=room, start_time=fifth, end_time=fifth + timedelta(hours=1))
    response = api_as(ada).post("/api/meetings/", series_body(room_id=room.pk), format="json")
    assert response.status_code == 409
    listed = response.json()["conflicting_meetings"]
    assert [c.get("id") for c in listed] == [mine.pk, None]  # the other one's holder is hidden
    assert [datetime.fromisoformat(c["start_time"]) for c in listed] == [
        mine.start_time,
        theirs.start_time,
    ]
    assert "2 of these times" in response.json()["room_id"][0]
    assert Meeting.objects.count() == 2
    assert not Series.objects.exists()
    del organizer


def test_a_scope_on_a_single_meeting_means_the_meeting(api_as, people):
    organizer = people[0]
    meeting = MeetingFactory(created_by=organizer)
    response = api_as(organizer).patch(
        f"/api/meetings/{meeting.pk}/?scope=all", {"title": "Solo"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["scope"]["occurrences"] == 1
    assert response.json()["series_id"] is None


@pytest.mark.parametrize(
    ("query", "body", "field"),
    [
        ("?scope=everything", {"title": "x"}, "scope"),
        ("", {"recurrence": ["RRULE:FREQ=DAILY;COUNT=2"]}, "recurrence"),
        ("?scope=all", {"recurrence": ["RRULE:FREQ=MINUTELY"]}, "recurrence"),
    ],
)
def test_bad_scope_requests_are_400s_naming_the_field(api_as, people, made, query, body, field):
    first = occurrences()[0]
    response = api_as(people[0]).patch(f"/api/meetings/{first.pk}/{query}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert {m.title for m in occurrences()} == {"Stand-up"}


def test_a_new_rule_for_all_remakes_the_occurrences(api_as, people, made):
    first = occurrences()[0]
    response = api_as(people[0]).patch(
        f"/api/meetings/{first.pk}/?scope=all",
        {"recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [local(m.start_time) for m in occurrences()] == [
        "2027-03-01 09:00", "2027-03-03 09:00", "2027-03-08 09:00", "2027-03-10 09:00",
    ]  # fmt: skip
    assert Participant.objects.count() == 8  # ada and bob in each


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"title": "Renamed", "participant_ids": []}, "/?scope=all"),
        ({"location": "Elsewhere"}, "/?scope=following"),
        ({"start_time": "2027-03-01T10:00:00+01:00", "end_time": "2027-03-01T10:30:00+01:00"},
         "/?scope=all"),
        ({"reason": "Off"}, "/cancel/?scope=all"),
    ],
)  # fmt: skip
def test_an_edit_of_all_costs_the_same_queries_at_any_length(api_as, body, path):
    def edit(days):
        organizer, ada, bob = UserFactory(), UserFactory(), UserFactory()
        client = api_as(organizer)
        made = series_body(participant_ids=[ada.pk, bob.pk])
        made["recurrence"] = [f"RRULE:FREQ=DAILY;COUNT={days}"]
        series_id = client.post("/api/meetings/", made, format="json").json()["series_id"]
        first = occurrences(series_id)[0]
        post = "cancel" in path
        with CaptureQueriesContext(connection) as queries:
            send = client.post if post else client.patch
            response = send(f"/api/meetings/{first.pk}{path}", body, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["scope"]["occurrences"] == days
        return len(queries)

    # The figure: a 500-occurrence series costs what a 5-occurrence one does. Django
    # cuts a bulk INSERT on SQLite into batches of 999 parameters (71 meetings), so there the
    # larger series stays within one batch.
    larger = 500 if connection.vendor == "postgresql" else 50
    assert edit(5) == edit(larger)


def test_an_exception_moved_onto_another_occurrences_day_keeps_both(api_as, people, made):
    client = api_as(people[0])
    second, third = occurrences()[1:3]
    onto = third.start_time + timedelta(hours=2)  # Monday 15 March, 11:00
    response = client.patch(
        f"/api/meetings/{second.pk}/",
        {"start_time": onto.isoformat(), "end_time": (onto + timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # an edit of the series renames both, and the moved one keeps its own time and name
    client.patch(f"/api/meetings/{third.pk}/?scope=all", {"title": "Sync"}, format="json")
    day = sorted(
        (m for m in occurrences() if local(m.start_time).startswith("2027-03-15")),
        key=lambda m: m.start_time,
    )
    assert [(local(m.start_time), m.title) for m in day] == [
        ("2027-03-15 09:00", "Sync"), ("2027-03-15 11:00", "Sync"),
    ]  # fmt: skip
    second.refresh_from_db()
    assert second.original_start_time == FIRST + timedelta(weeks=1)
    assert second.exception_fields == "time"


def test_deleting_a_moved_occurrence_excludes_its_original_start(api_as, people, made):
    client = api_as(people[0])
    second = occurrences()[1]
    tuesday = second.start_time + timedelta(days=1)
    client.patch(
        f"/api/meetings/{second.pk}/",
        {"start_time": tuesday.isoformat(), "end_time": (tuesday + timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert client.delete(f"/api/meetings/{second.pk}/").status_code == 204
    series = Series.objects.get()
    assert series.recurrence[-1] == "EXDATE:20270308T080000Z"  # its original start, not Tuesday
    assert "2027-03-08" not in {local(m.start_time)[:10] for m in occurrences()}
    assert "2027-03-09" not in {local(m.start_time)[:10] for m in occurrences()}
