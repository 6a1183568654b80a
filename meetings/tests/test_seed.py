from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from accounts.models import User
from meetings.copy_loader import insert_rows
from meetings.models import Meeting, Participant
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_users_meetings_and_about_three_participants_each():
    call_command("seed_demo", users=12, meetings=300, batch_size=100)

    assert User.objects.count() == 12
    assert Meeting.objects.count() == 300
    per_meeting = Participant.objects.count() / 300
    assert 2.5 <= per_meeting <= 3.5
    assert Notification.objects.exists()


def test_seeded_meetings_are_consistent_and_spread_over_years():
    call_command("seed_demo", users=10, meetings=400, batch_size=150)

    assert not Meeting.objects.filter(end_time__lte=F("start_time")).exists()
    assert not Participant.objects.filter(user=F("meeting__created_by")).exists()
    assert not Participant.objects.filter(
        status=Participant.Status.NEEDS_ACTION, responded_at__isnull=False
    ).exists()
    years = set(Meeting.objects.dates("start_time", "year").values_list(flat=True))
    assert len(years) >= 3
    assert Meeting.objects.filter(status=Meeting.Status.CANCELLED).exists()


def test_seeded_meetings_book_rooms_never_twice_at_once_nor_over_capacity():
    call_command("seed_demo", users=10, meetings=3000, batch_size=700)

    booked = list(
        Meeting.objects.filter(room__isnull=False)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("room_id", "start_time")
        .values_list("room_id", "start_time", "end_time", "room__capacity", "id")
    )
    assert len(booked) > 300
    for before, after in zip(booked, booked[1:], strict=False):
        if before[0] == after[0]:
            assert after[1] >= before[2], (before, after)
    invited = dict(
        Participant.objects.filter(meeting_id__in=[b[4] for b in booked])
        .values_list("meeting_id")
        .annotate(n=Count("id"))
    )
    assert all(invited.get(b[4], 0) + 1 <= b[3] for b in booked)


def test_seeding_twice_books_no_room_twice():
    call_command("seed_demo", users=10, meetings=1500, batch_size=700)
    call_command("seed_demo", users=2, meetings=1500, batch_size=700, seed=7)

    booked = list(
        Meeting.objects.filter(room__isnull=False)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("room_id", "start_time")
        .values_list("room_id", "start_time", "end_time")
    )
    for before, after in zip(booked, booked[1:], strict=False):
        if before[0] == after[0]:
            assert after[1] >= before[2], (before, after)


def test_seeded_demo_users_can_log_in(client):
    call_command("seed_demo", users=3, meetings=1)

    assert client.login(username=User.objects.first().username, password="demo-password")


def test_if_empty_leaves_existing_data_alone():
    call_command("seed_demo", users=5, meetings=20)

    call_command("seed_demo", users=5, meetings=20, if_empty=True)

    assert Meeting.objects.count() == 20
    assert User.objects.count() == 5


def test_a_second_seed_adds_users_without_clashing_usernames():
    call_command("seed_demo", users=5, meetings=5)
    call_command("seed_demo", users=5, meetings=5)

    assert User.objects.values("username").distinct().count() == 10


def test_seed_demo_refuses_production(settings):
    settings.DJANGO_ENV = "production"

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", users=5, meetings=5)

    assert not User.objects.exists()


def test_seed_demo_rejects_fewer_than_two_users():
    with pytest.raises(CommandError, match="at least 2 users"):
        call_command("seed_demo", users=1, meetings=5)


def test_insert_rows_round_trips_awkward_text_and_returns_ids_in_order():
    # Tabs, newlines and backslashes are COPY's own syntax on PostgreSQL.
    organizer = User.objects.create(username="organizer")
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    awkward = ["tab\there", "line\nbreak", "back\\slash \\N", "quote ' \" é ☃", "\r\n"]
    rows = [
        {
            "title": text,
            "description": text,
            "location": "",
            "start_time": start,
            "end_time": start.replace(hour=2),
            "created_by_id": organizer.pk,
            "status": "scheduled",
        }
        for text in awkward
    ]

    ids = insert_rows(Meeting, rows)

    stored = Meeting.objects.in_bulk(ids)
    assert [stored[i].title for i in ids] == awkward
    assert all(stored[i].start_time == start for i in ids)
    assert all(stored[i].created_at is not None for i in ids)


def test_insert_rows_writes_nulls_as_nulls():
    organizer, guest = User.objects.create(username="o"), User.objects.create(username="g")
    start = datetime(2026, 3, 29, 9, tzinfo=UTC)
    meeting = Meeting.objects.create(
        title="t", start_time=start, end_time=start.replace(hour=10), created_by=organizer
    )

    [participant_id] = insert_rows(
        Participant,
        [
            {
                "meeting_id": meeting.pk,
                "user_id": guest.pk,
                "status": "needs_action",
                "responded_at": None,
            }
        ],
    )

    assert Participant.objects.get(pk=participant_id).responded_at is None
    assert Participant.objects.filter(responded_at__isnull=True).count() == 1
