"""The queries the app runs can use the indexes chosen for them (PostgreSQL plans).

Test tables are tiny, so the planner would rather scan them; with sequential scans disabled a
plan that still scans the table means the query's expression does not match any index.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan_of(queryset, *, sort=True) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sort:  # a plan must then read the rows in order from an index
            cursor.execute("SET LOCAL enable_sort = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def some_meetings():
    user = UserFactory()
    for _ in range(3):
        ParticipantFactory(meeting=MeetingFactory(created_by=user))
    return user


def test_overlap_query_uses_the_gist_range_index(some_meetings):
    start = datetime(2026, 1, 5, tzinfo=UTC)
    plan = plan_of(Meeting.objects.overlapping(start, start + timedelta(days=1)))
    assert "meeting_span_gist" in plan


def test_title_search_can_use_the_trigram_index(some_meetings):
    # Unordered: ordered by start, the planner may rightly walk meeting_start and filter.
    queryset = Meeting.objects.filter(title__icontains="plan").order_by()
    assert "meeting_title_trgm" in plan_of(queryset)


def test_organizer_listing_uses_the_organizer_index(some_meetings):
    queryset = Meeting.objects.organized_by(some_meetings).order_by("start_time", "id")
    assert "meeting_organizer_start" in plan_of(queryset)


def test_invited_meetings_by_status_use_the_participant_index(some_meetings):
    queryset = Participant.objects.filter(user=some_meetings, status="accepted")
    assert "participant_user_status" in plan_of(queryset.values("meeting_id"))


def test_meeting_participants_by_status_use_their_index():
    # given: a big meeting where one person accepted, and statistics that know it (the unique
    # (meeting, user) index would serve too, by reading all 300 of its entries)
    meeting = MeetingFactory()
    people = User.objects.bulk_create(User(username=f"p{i}") for i in range(300))
    Participant.objects.bulk_create(
        Participant(meeting=meeting, user=user, status="accepted" if i == 0 else "declined")
        for i, user in enumerate(people)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_participant")
    # when
    queryset = Participant.objects.filter(meeting=meeting, status="accepted").order_by()
    # then
    assert "participant_meeting_status" in plan_of(queryset.values("id"))


def test_unread_notifications_newest_first_use_the_partial_index():
    # given: statistics of our own, most notifications read (as in real life), so that the
    # plan does not depend on what autovacuum saw of other tests' rows
    user = UserFactory()
    meeting = MeetingFactory()
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            meeting=meeting,
            kind="invitation",
            message="Hi",
            read_at=None if i % 20 == 0 else datetime(2026, 1, 1, tzinfo=UTC),
        )
        for i in range(400)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
    queryset = Notification.objects.for_recipient(user).unread().order_by("-created_at")
    assert "notification_unread" in plan_of(queryset)


def test_the_newest_notifications_of_everybody_use_their_index():
    queryset = Notification.objects.select_related("recipient", "meeting")[:50]
    assert "notification_created" in plan_of(queryset, sort=False)


def test_the_room_booking_check_uses_the_exclusion_constraints_index():
    from meetings.booking import Booking, _clashes
    from meetings.tests.factories import RoomFactory

    room = RoomFactory()
    MeetingFactory(room=room)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    queryset = _clashes(
        [Booking(room_id=room.pk, start_time=start, end_time=start + timedelta(hours=1))]
    )

    # Several indexes serve a tiny table, and which one wins depends on the statistics other
    # tests left; without the other two, the query's range overlap must still be an index
    # condition, on the constraint's GiST on (room, span).
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("DROP INDEX meeting_room_start")
        cursor.execute("DROP INDEX meeting_span_gist")
    plan = plan_of(queryset.values("id"))

    assert "room_no_double_booking" in plan, plan
    assert re.search(r"Index Cond: .*tstzrange\(start_time, end_time\) &&", plan), plan
