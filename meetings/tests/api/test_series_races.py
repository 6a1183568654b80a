"""Twenty people booking one room for a weekly series at the same moment, on PostgreSQL: one
series gets the room, the nineteen others a 409 listing every occurrence in their way, and the
room holds one series' bookings, none half-written."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Series
from meetings.tests.factories import RoomFactory
from testsupport.concurrency import N, at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FIRST = datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM)  # a Monday
SHARED = datetime(2027, 3, 3, 12, tzinfo=AMSTERDAM)  # a Wednesday noon: every series' RDATE


def series_body(room, start=FIRST, weeks=10, extra_lines=()):
    return {
        "title": "Stand-up",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=30)).isoformat(),
        "recurrence": [f"RRULE:FREQ=WEEKLY;COUNT={weeks}", *extra_lines],
        "time_zone": "Europe/Amsterdam",
        "room_id": room.pk,
    }


def post_at_once(api_as, bodies):
    clients = []
    for _ in range(N):
        client = api_as(UserFactory())
        client.raise_request_exception = False
        clients.append(client)
    return at_once(lambda i: clients[i].post("/api/meetings/", bodies[i], format="json"))


def clashes_listed(response):
    return [
        datetime.fromisoformat(c["start_time"]) for c in response.json()["conflicting_meetings"]
    ]


def assert_one_series_holds_the_room(responses, room, *, occurrences):
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (N - 1), codes
    [series] = Series.objects.all()
    held = Meeting.objects.filter(room=room)
    assert held.count() == occurrences
    assert set(held.values_list("series_id", flat=True)) == {series.pk}
    assert Meeting.objects.count() == occurrences  # the losers wrote nothing
    return series


def test_twenty_identical_series_booking_one_room_give_one_201(api_as):
    # given
    room = RoomFactory()
    # when: twenty weekly series of ten Mondays in the same room at the same time
    responses = post_at_once(api_as, [series_body(room)] * N)
    # then: one series holds all ten Mondays; every refusal lists the ten
    series = assert_one_series_holds_the_room(responses, room, occurrences=10)
    winner_starts = sorted(series.occurrences.values_list("start_time", flat=True))
    for response in responses:
        if response.status_code == 409:
            assert clashes_listed(response) == winner_starts
            assert "10 of these times" in response.json()["room_id"][0]


def test_twenty_series_that_meet_at_one_occurrence_each_give_one_201(api_as):
    # given: each series on its own weekday hour, all with one Wednesday noon as an RDATE
    room = RoomFactory()
    rdate = f"RDATE;TZID=Europe/Amsterdam:{SHARED:%Y%m%dT%H%M%S}"
    bodies = [
        series_body(room, start=FIRST + timedelta(hours=i % 10, days=i // 10), extra_lines=[rdate])
        for i in range(N)
    ]
    # when
    responses = post_at_once(api_as, bodies)
    # then: the winner's eleven occurrences; each loser refused for that Wednesday alone
    assert_one_series_holds_the_room(responses, room, occurrences=11)
    for response in responses:
        if response.status_code == 409:
            assert clashes_listed(response) == [SHARED]
