"""A meeting lasts at most MEETING_MAX_DAYS days (31 by default), on every write path: a
178-year meeting booked a room for everyone and showed its people busy for ever."""

from datetime import UTC, datetime, timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)
MONTH = timedelta(days=31)
SECOND = timedelta(seconds=1)
TOO_LONG = {"end_time": ["A meeting lasts at most 31 days; this one ends too late."]}


def lasting(length, start=NINE, **extra):
    return {
        "title": "Retreat",
        "start_time": start.isoformat(),
        "end_time": (start + length).isoformat(),
        **extra,
    }


@pytest.mark.parametrize(("length", "status"), [(MONTH, 201), (MONTH + SECOND, 400)])
def test_creating_a_meeting_of_31_days_is_fine_and_a_second_more_is_not(api_as, length, status):
    # (the caller is in Paris, where the clocks go forward during that month: 31 days of
    # elapsed time are 31 days and an hour of wall-clock time)
    response = api_as(UserFactory()).post("/api/meetings/", lasting(length))

    assert response.status_code == status, response.content
    if status == 400:
        assert response.json() == TOO_LONG
    assert Meeting.objects.count() == (status == 201)


@pytest.mark.parametrize(
    ("days", "length", "status"),
    [(2, timedelta(days=2), 201), (2, timedelta(days=2) + SECOND, 400), (365, MONTH * 11, 201)],
)
def test_the_limit_comes_from_the_setting(api_as, settings, days, length, status):
    settings.MEETING_MAX_DAYS = days

    response = api_as(UserFactory()).post("/api/meetings/", lasting(length))

    assert response.status_code == status, response.content
    if status == 400:
        assert f"at most {days} days" in response.json()["end_time"][0]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"end_time": (NINE + MONTH).isoformat()}, 200),
        ({"end_time": (NINE + MONTH + SECOND).isoformat()}, 400),
        ({"start_time": (NINE - MONTH + timedelta(hours=1)).isoformat()}, 200),
        ({"start_time": (NINE - MONTH + timedelta(hours=1) - SECOND).isoformat()}, 400),
        (lasting(MONTH + SECOND, start=NINE + MONTH * 3), 400),  # a move
    ],
)
def test_changing_or_moving_a_meeting_keeps_it_within_31_days(api_as, change, status):
    # given: an hour from nine
    mine = MeetingFactory(start_time=NINE, end_time=NINE + timedelta(hours=1))
    client = api_as(mine.created_by)
    # when
    response = client.patch(f"/api/meetings/{mine.pk}/", change)
    dry_run = client.patch(f"/api/meetings/{mine.pk}/?dry_run=true", change)
    # then
    assert (response.status_code, dry_run.status_code) == (status, 200 if status == 200 else 400)
    mine.refresh_from_db()
    if status == 400:
        assert response.json() == TOO_LONG
        assert dry_run.json() == TOO_LONG
        assert (mine.start_time, mine.end_time) == (NINE, NINE + timedelta(hours=1))


def test_a_bulk_request_says_which_item_lasts_too_long_and_saves_none(api_as):
    items = [lasting(MONTH), lasting(MONTH + SECOND), lasting(timedelta(hours=1))]

    response = api_as(UserFactory()).post("/api/meetings/bulk/", items)

    assert response.status_code == 400
    assert response.json() == {"1": TOO_LONG}
    assert not Meeting.objects.exists()


def test_a_meeting_made_before_the_rule_can_be_cancelled_but_not_taken_back(api_as):
    # given: 178 years, stored before the rule
    start = datetime(2000, 1, 1, tzinfo=UTC)
    old = MeetingFactory(start_time=start, end_time=start.replace(year=2178))
    client = api_as(old.created_by)
    # when
    retitled = client.patch(f"/api/meetings/{old.pk}/", {"title": "Still for ever"})
    cancelled = client.patch(f"/api/meetings/{old.pk}/", {"status": "cancelled"})
    taken_back = client.post("/api/meetings/bulk-status/", {"ids": [old.pk], "status": "scheduled"})
    # then
    assert retitled.status_code == 400
    assert retitled.json() == TOO_LONG
    assert cancelled.status_code == 200, cancelled.content
    assert taken_back.status_code == 400
    assert taken_back.json() == {"ids": [f"Meeting {old.pk}: {TOO_LONG['end_time'][0]}"]}
    old.refresh_from_db()
    assert (old.title, old.status) == (old.title, "cancelled")


def test_the_schema_states_the_limit():
    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    for name in ("MeetingWriteRequest", "PatchedMeetingUpdateRequest"):
        assert "at most 31 days" in schema[name]["properties"]["end_time"]["description"]
