"""Edge cases of edits in a scope, found in review: zone changes, moves to another weekday,
series of dates only, past occurrences moved into the future, clock changes, people invited
to one occurrence, and the cost of room checks."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant, Series
from meetings.services.scopes import occurrence_update
from meetings.tests.api.test_series_api import AMSTERDAM, FIRST, local, occurrences, series_body
from meetings.tests.factories import RoomFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def people():
    return UserFactory(username="org"), UserFactory(username="ada"), UserFactory(username="bob")


@pytest.fixture
def made(api_as, people):
    organizer, ada, bob = people
    response = api_as(organizer).post(
        "/api/meetings/", series_body(participant_ids=[ada.pk, bob.pk]), format="json"
    )
    assert response.status_code == 201, response.json()
    Event.objects.all().delete()
    return response.json()


# a new time zone ---------------------------------------------------------------------------
def test_time_zone_change_keeps_every_occurrence(api_as, people, made):
    """COUNT=8 became UNTIL=<last start in Amsterdam>; in New York the last one is later."""
    first = occurrences()[0]
    response = api_as(people[0]).patch(
        f"/api/meetings/{first.pk}/?scope=all", {"time_zone": "America/New_York"}, format="json"
    )
    assert response.status_code == 200, response.json()
    starts = [m.start_time.astimezone(NY).strftime("%m-%d %H:%M") for m in occurrences()]
    assert len(starts) == 8, starts
    assert {s[-5:] for s in starts} == {"09:00"}


def test_time_zone_change_keeps_exdates_and_answers_the_edited_occurrence(api_as, people):
    organizer = people[0]
    client = api_as(organizer)
    body = series_body(
        start=datetime(2027, 3, 1, 9, tzinfo=NY), time_zone="America/New_York",
        recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8", "EXDATE:20270315T130000Z"],
    )  # fmt: skip
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    assert len(occurrences()) == 7
    first = occurrences()[0]
    response = client.patch(
        f"/api/meetings/{first.pk}/?scope=all", {"time_zone": "Europe/Amsterdam"}, format="json"
    )
    assert response.status_code == 200, response.json()
    days = [local(m.start_time)[:10] for m in occurrences()]
    assert "2027-03-15" not in days, days
    assert len(days) == 7
    assert response.json()["start_time"].startswith("2027-03-01"), response.json()["start_time"]


def test_time_zone_change_answers_the_occurrence_edited(api_as, people, made):
    third = occurrences()[2]  # 15 March
    response = api_as(people[0]).patch(
        f"/api/meetings/{third.pk}/?scope=all", {"time_zone": "Asia/Tokyo"}, format="json"
    )
    assert response.status_code == 200
    shown = datetime.fromisoformat(response.json()["start_time"]).astimezone(TOKYO)
    assert shown.date().isoformat() == "2027-03-15", shown


# a move to another day ---------------------------------------------------------------------
def test_moving_an_occurrence_to_tuesday_for_the_following_moves_them_to_tuesday(
    api_as, people, made
):
    third = occurrences()[2]
    tuesday = third.start_time + timedelta(days=1)
    response = api_as(people[0]).patch(
        f"/api/meetings/{third.pk}/?scope=following",
        {"start_time": tuesday.isoformat(),
         "end_time": (tuesday + timedelta(minutes=30)).isoformat()},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["start_time"].startswith("2027-03-16"), response.json()["start_time"]
    days = [local(m.start_time)[:10] for m in occurrences()]
    assert len(days) == 8, days
    assert days[:2] == ["2027-03-01", "2027-03-08"]
    assert days[2:] == [
        "2027-03-16", "2027-03-23", "2027-03-30", "2027-04-06", "2027-04-13", "2027-04-20",
    ]  # fmt: skip


def test_a_move_a_rule_cannot_follow_asks_for_a_rule(api_as, people):
    client = api_as(people[0])
    body = series_body(recurrence=["RRULE:FREQ=MONTHLY;BYDAY=-1MO;COUNT=4"])
    body["start_time"] = datetime(2027, 3, 29, 9, tzinfo=AMSTERDAM).isoformat()
    body["end_time"] = datetime(2027, 3, 29, 9, 30, tzinfo=AMSTERDAM).isoformat()
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    second = occurrences()[1]
    tuesday = second.start_time + timedelta(days=1)
    response = client.patch(
        f"/api/meetings/{second.pk}/?scope=following",
        {"start_time": tuesday.isoformat(),
         "end_time": (tuesday + timedelta(minutes=30)).isoformat()},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "recurrence" in response.json()
    assert len(occurrences()) == 4


# a series of dates only --------------------------------------------------------------------
def test_an_rdate_only_series_split_leaves_a_first_part_that_can_still_be_edited(api_as, people):
    client = api_as(people[0])
    body = series_body(recurrence=["RDATE:20270308T080000Z,20270315T080000Z"])
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    first, second, _ = occurrences()
    response = client.patch(
        f"/api/meetings/{second.pk}/?scope=following", {"title": "Later"}, format="json"
    )
    assert response.status_code == 200
    assert Series.objects.get(pk=first.series_id).recurrence != []
    response = client.delete(f"/api/meetings/{first.pk}/")
    assert response.status_code == 204


# a past occurrence moved into the future ---------------------------------------------------
@pytest.fixture
def past_series_with_one_moved_ahead(api_as, people):
    """Mondays from January 2025 (about a hundred are over); the first moved 30 days ahead."""
    organizer, ada, _ = people
    client = api_as(organizer)
    start = datetime(2025, 1, 6, 9, tzinfo=AMSTERDAM)
    body = series_body(weeks=200, start=start, participant_ids=[ada.pk])
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    ahead = datetime.now(UTC) + timedelta(days=30)
    response = client.patch(
        f"/api/meetings/{occurrences()[0].pk}/",
        {"start_time": ahead.isoformat(), "end_time": (ahead + timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert response.status_code == 200
    return client


def test_delete_all_keeps_the_past_when_a_past_occurrence_was_moved_ahead(
    past_series_with_one_moved_ahead,
):
    client = past_series_with_one_moved_ahead
    now = datetime.now(UTC)
    past = {m.pk for m in occurrences() if m.end_time <= now}
    upcoming = next(m for m in occurrences() if m.end_time > now and not m.exception_fields)
    assert client.delete(f"/api/meetings/{upcoming.pk}/?scope=all").status_code == 204
    assert {m.pk for m in occurrences() if m.end_time <= now} == past


def test_a_new_time_for_all_keeps_the_past_when_a_past_occurrence_was_moved_ahead(
    past_series_with_one_moved_ahead,
):
    client = past_series_with_one_moved_ahead
    now = datetime.now(UTC)
    past = {(m.pk, m.start_time) for m in occurrences() if m.end_time <= now}
    upcoming = next(m for m in occurrences() if m.end_time > now and not m.exception_fields)
    later = upcoming.start_time + timedelta(hours=1)
    response = client.patch(
        f"/api/meetings/{upcoming.pk}/?scope=all",
        {"start_time": later.isoformat(), "end_time": (later + timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert response.status_code == 200
    assert {(m.pk, m.start_time) for m in occurrences() if m.end_time <= now} == past


# a series that is over ---------------------------------------------------------------------
def test_all_on_a_series_that_is_over_invites_nobody(api_as, people):
    organizer, ada, bob = people
    client = api_as(organizer)
    start = datetime(2025, 9, 1, 9, tzinfo=AMSTERDAM)
    body = series_body(weeks=3, start=start, participant_ids=[ada.pk])
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    Event.objects.all().delete()
    response = client.patch(
        f"/api/meetings/{occurrences()[0].pk}/?scope=all",
        {"participant_ids": [ada.pk, bob.pk]}, format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "scope" in response.json()
    assert not Participant.objects.filter(user=bob).exists()
    assert not Event.objects.filter(kind=Event.Kind.PARTICIPANT_ADDED).exists()


# the hour the clocks repeat ----------------------------------------------------------------
def test_a_new_end_in_the_repeated_hour_is_not_a_500(api_as, people):
    client = api_as(people[0])
    # Sundays 02:30 Amsterdam; on 31 October 2027 02:00-03:00 happens twice
    start = datetime(2027, 10, 17, 2, 30, tzinfo=AMSTERDAM)
    body = series_body(start=start, recurrence=["RRULE:FREQ=WEEKLY;BYDAY=SU;COUNT=4"])
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    third = occurrences()[2]  # 31 Oct 02:30 CEST = 00:30Z
    end = datetime(2027, 10, 31, 1, 15, tzinfo=UTC)  # 02:15 CET, 45 minutes later
    response = client.patch(
        f"/api/meetings/{third.pk}/?scope=following", {"end_time": end.isoformat()}, format="json"
    )
    assert response.status_code in (200, 400)
    assert all(m.end_time > m.start_time for m in occurrences())


def test_a_series_ending_in_the_repeated_hour_is_made_or_refused_not_a_500(api_as, people):
    client = api_as(people[0])
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    body = series_body(recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
    body["start_time"] = start.isoformat()
    body["end_time"] = (start + timedelta(minutes=45)).isoformat()  # 02:15 CET
    response = client.post("/api/meetings/", body, format="json")
    assert response.status_code in (201, 400)
    assert all(m.end_time > m.start_time for m in occurrences())


# people invited to one occurrence ----------------------------------------------------------
def test_someone_invited_to_one_occurrence_hears_when_a_new_time_removes_it(api_as, people, made):
    organizer, ada, bob = people
    carl = UserFactory(username="carl")
    client = api_as(organizer)
    third = occurrences()[2]
    client.patch(
        f"/api/meetings/{third.pk}/", {"participant_ids": [ada.pk, bob.pk, carl.pk]}, format="json"
    )
    Event.objects.all().delete()
    ten = FIRST.replace(hour=10)
    response = client.patch(
        f"/api/meetings/{occurrences()[0].pk}/?scope=all",
        {"start_time": ten.isoformat(), "end_time": (ten + timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert response.status_code == 200
    assert not Participant.objects.filter(user=carl).exists()
    told = {u for e in Event.objects.all() for u in e.recipient_ids}
    assert carl.pk in told


# the edited occurrence itself --------------------------------------------------------------
def test_an_exception_edited_for_all_takes_the_change_itself(api_as, people, made):
    client = api_as(people[0])
    third = occurrences()[2]
    client.patch(f"/api/meetings/{third.pk}/", {"title": "Retro"}, format="json")
    response = client.patch(
        f"/api/meetings/{third.pk}/?scope=all", {"title": "Daily"}, format="json"
    )
    assert response.json()["title"] == "Daily"
    assert {m.title for m in occurrences()} == {"Daily"}


# the cost of room checks -------------------------------------------------------------------
@pytest.mark.parametrize("change", [{"participant_ids": []}, {"room_id": "other"}])
def test_an_edit_of_all_that_books_a_room_costs_the_same_queries_at_any_length(people, change):
    from meetings.services.series import series_create

    organizer, ada, _ = people

    def edit(days):
        room, other = RoomFactory(capacity=10), RoomFactory(capacity=10)
        series = series_create(
            organizer=organizer, title="S", start_time=FIRST,
            end_time=FIRST + timedelta(minutes=30),
            recurrence=[f"RRULE:FREQ=DAILY;COUNT={days}"], time_zone="Europe/Amsterdam",
            participant_ids=[ada.pk], room_id=room.pk,
        )  # fmt: skip
        first = series.occurrences.order_by("start_time").first()
        body = {"room_id": other.pk} if "room_id" in change else change
        with CaptureQueriesContext(connection) as queries:
            occurrence_update(meeting=first, by=organizer, scope="all", **body)
        Meeting.objects.all().delete()
        return len(queries)

    assert edit(5) == edit(40)


def test_a_move_into_weeks_an_every_other_week_rule_skips_asks_for_a_rule(api_as, people):
    client = api_as(people[0])
    sunday = datetime(2027, 2, 28, 9, tzinfo=AMSTERDAM)
    body = series_body(
        start=sunday, recurrence=["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;COUNT=8"]
    )
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    first = occurrences()[0]
    monday = first.start_time + timedelta(days=1)
    response = client.patch(
        f"/api/meetings/{first.pk}/?scope=all",
        {
            "start_time": monday.isoformat(),
            "end_time": (monday + timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "recurrence" in response.json()
    assert len(occurrences()) == 8


def test_new_invitees_for_all_are_checked_against_every_room_the_occurrences_hold(api_as, people):
    # given: the series in a room for ten, one occurrence moved alone into a room for three
    organizer, ada, bob = people
    big, small = RoomFactory(capacity=10), RoomFactory(capacity=3)
    client = api_as(organizer)
    body = series_body(participant_ids=[ada.pk], room_id=big.pk)
    assert client.post("/api/meetings/", body, format="json").status_code == 201
    third = occurrences()[2]
    assert (
        client.patch(f"/api/meetings/{third.pk}/", {"room_id": small.pk}, format="json").status_code
        == 200
    )
    carl = UserFactory()
    # when: four people for all (the organizer and three invitees)
    response = client.patch(
        f"/api/meetings/{occurrences()[0].pk}/?scope=all",
        {"participant_ids": [ada.pk, bob.pk, carl.pk]},
        format="json",
    )
    # then: the small room refuses it, and nothing changed
    assert response.status_code == 400
    assert "seats 3" in response.json()["participant_ids"][0]
    assert Participant.objects.filter(user=carl).count() == 0
