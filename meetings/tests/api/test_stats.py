from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def meeting(*, organizer, start, minutes, status=Meeting.Status.SCHEDULED):
    return MeetingFactory(
        created_by=organizer,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        status=status,
    )


def test_statistics_cover_every_status_and_count_upcoming_scheduled_only(api_as):
    # given
    me, other = UserFactory(), UserFactory()
    future = timezone.now() + timedelta(days=3)
    past = datetime(2025, 1, 6, 9, tzinfo=UTC)
    meeting(organizer=me, start=future, minutes=30)
    meeting(organizer=me, start=future, minutes=60, status=Meeting.Status.CANCELLED)
    meeting(organizer=me, start=past, minutes=90)
    ParticipantFactory(user=me, meeting=meeting(organizer=other, start=future, minutes=120))
    meeting(organizer=other, start=future, minutes=45)  # not mine
    # when
    body = api_as(me).get("/api/meetings/stats/").json()
    # then
    assert body == {
        "total_meetings": 4,
        "total_duration_seconds": (30 + 60 + 90 + 120) * 60,
        "average_duration_seconds": (30 + 60 + 90 + 120) * 60 / 4,
        "upcoming": 2,
        "by_status": {"scheduled": 3, "cancelled": 1},
    }


def test_with_no_meetings_every_figure_is_zero_and_the_average_null(api_as):
    body = api_as(UserFactory()).get("/api/meetings/stats/").json()

    assert body == {
        "total_meetings": 0,
        "total_duration_seconds": 0,
        "average_duration_seconds": None,
        "upcoming": 0,
        "by_status": {"scheduled": 0, "cancelled": 0},
    }


def test_statistics_are_one_aggregate_query_that_loads_no_meeting_rows(
    api_as, django_assert_num_queries
):
    me = UserFactory()
    for i in range(20):
        meeting(
            organizer=me, start=datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=i), minutes=30
        )
    client = api_as(me)

    with django_assert_num_queries(2) as queries:  # the token, then the aggregate
        client.get("/api/meetings/stats/")

    aggregate = queries.captured_queries[1]["sql"]
    assert "COUNT(" in aggregate.upper()
    assert "SUM(" in aggregate.upper()
    assert '"title"' not in aggregate


def test_statistics_take_the_list_filters(api_as):
    me = UserFactory()
    meeting(organizer=me, start=datetime(2026, 1, 5, 9, tzinfo=UTC), minutes=30)
    meeting(organizer=me, start=datetime(2026, 2, 5, 9, tzinfo=UTC), minutes=60)

    body = api_as(me).get("/api/meetings/stats/?from=2026-02-01T00:00:00Z").json()

    assert body["total_meetings"] == 1
    assert body["total_duration_seconds"] == 3600
