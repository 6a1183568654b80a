"""Staff read and enter times in their own time zone, and every time says which zone it is in."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, RoomFactory
from notifications.tests.factories import NotificationFactory
from scheduler.admin_lookups import IGNORED

pytestmark = pytest.mark.django_db

MEETINGS = reverse("admin:meetings_meeting_changelist")
WINTER = datetime(2026, 1, 5, 9, tzinfo=UTC)  # 10:00 CET in Paris
SUMMER = datetime(2026, 7, 6, 9, tzinfo=UTC)  # 11:00 CEST in Paris
PARIS = ZoneInfo("Europe/Paris")


def text_of(response) -> str:
    return re.sub(r"<[^>]+>", "", response.text)


@pytest.fixture
def staff_in():
    def log_in(client, zone: str):
        user = User.objects.create_superuser(
            f"staff-{zone.replace('/', '-').lower()}", "staff@example.com", "pass-word-123"
        )
        User.objects.filter(pk=user.pk).update(timezone=zone)
        client.force_login(user)
        return client

    return log_in


def test_staff_in_paris_see_paris_times_labelled_in_the_meeting_list(client, staff_in):
    # given
    MeetingFactory(title="Winter", start_time=WINTER, end_time=WINTER + timedelta(hours=1))
    MeetingFactory(title="Summer", start_time=SUMMER, end_time=SUMMER + timedelta(hours=1))
    staff_in(client, "Europe/Paris")
    # when
    page = text_of(client.get(MEETINGS))
    # then
    assert "2026-01-05 10:00–11:00 CET" in page
    assert "2026-07-06 11:00–12:00 CEST" in page
    assert "09:00" not in page


def test_staff_in_utc_see_utc_labelled(admin_client):
    MeetingFactory(start_time=WINTER, end_time=WINTER + timedelta(hours=1))

    page = text_of(admin_client.get(MEETINGS))

    assert "2026-01-05 09:00–10:00 UTC" in page


def test_the_change_form_shows_and_reads_times_in_the_staff_members_zone(client, staff_in):
    # given
    meeting = MeetingFactory(start_time=WINTER, end_time=WINTER + timedelta(hours=1))
    staff_in(client, "Europe/Paris")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    # when
    response = client.get(url)
    # then: the form's times are Paris times, it says so, and so do the read-only ones
    form = response.context["adminform"].form
    assert form["start_time"].value().astimezone(UTC) == WINTER
    assert 'value="10:00:00"' in response.text
    assert form.fields["start_time"].help_text.startswith("Read and shown in Europe/Paris time")
    assert "Read and shown in Europe/Paris time (now CE" in response.text
    assert f"{meeting.created_at.astimezone(PARIS):%Y-%m-%d}" in response.text
    assert " CET</div>" in response.text or " CEST</div>" in response.text  # created, updated


def test_a_time_entered_by_staff_in_tokyo_is_read_in_tokyo(client, staff_in):
    # given
    organizer = User.objects.create_user("organizer")
    staff_in(client, "Asia/Tokyo")
    data = {
        "title": "Stand-up",
        "description": "",
        "location": "",
        "start_time_0": "2026-01-05",
        "start_time_1": "09:00:00",
        "end_time_0": "2026-01-05",
        "end_time_1": "09:15:00",
        "created_by": organizer.pk,
        "status": "scheduled",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
    }
    # when
    response = client.post(reverse("admin:meetings_meeting_add"), data)
    # then
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Meeting.objects.get().start_time == datetime(2026, 1, 5, 0, tzinfo=UTC)


def test_a_date_typed_into_the_list_address_is_read_in_the_staff_members_zone(
    client, admin_client, staff_in
):
    # given: 20:00 UTC on the 4th is 05:00 on the 5th in Tokyo
    late = datetime(2026, 1, 4, 20, tzinfo=UTC)
    MeetingFactory(start_time=late, end_time=late + timedelta(hours=1))
    url = MEETINGS + "?start_time__gte=2026-01-05"
    # when
    in_tokyo = staff_in(client, "Asia/Tokyo").get(url)
    in_utc = admin_client.get(url)
    # then
    assert len(in_tokyo.context["cl"].result_list) == 1
    assert len(in_utc.context["cl"].result_list) == 0


@pytest.mark.parametrize(
    ("zone", "url"),
    [
        # 23:59 in New York on the last day is past the calendar in UTC, where SQLite's
        # adapter compares it (PostgreSQL takes the offset and its calendar goes on)
        ("America/New_York", MEETINGS + "?start_time__lt=9999-12-31T23:59:59"),
        ("America/New_York", MEETINGS + "?created_at__gte=9999-12-31+23:00"),
        # the first day in a zone east of UTC is before it, in UTC
        ("Asia/Tokyo", MEETINGS + "?start_time__gte=0001-01-01"),
    ],
)
def test_a_date_past_the_calendar_once_in_utc_is_filtered_or_ignored(client, staff_in, zone, url):
    MeetingFactory()
    staff_in(client, zone)

    response = client.get(url)

    if connection.vendor == "postgresql":
        assert response.status_code == 200
        return
    assert response.status_code == 302
    assert response["Location"] == MEETINGS + "?e=1"
    assert [str(m) for m in client.get(response["Location"]).context["messages"]] == [IGNORED]


def test_a_month_past_the_calendar_in_the_staff_members_zone_is_ignored(client, staff_in):
    MeetingFactory()
    staff_in(client, "Europe/Paris")

    response = client.get(MEETINGS + "?start_time__year=9999&start_time__month=12")

    assert response["Location"] == MEETINGS + "?e=1"


def test_a_meeting_at_the_end_of_the_calendar_is_listed_for_staff_east_of_utc(client, staff_in):
    # 23:30 UTC on 9999-12-31 is past the calendar in Paris: shown in UTC, labelled so
    last = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    MeetingFactory(start_time=last - timedelta(hours=1), end_time=last)
    staff_in(client, "Europe/Paris")

    response = client.get(MEETINGS)

    assert response.status_code == 200
    assert "9999-12-31 23:30 CET–23:30 UTC" in text_of(response)


def test_a_rooms_bookings_and_the_notifications_show_labelled_times(client, staff_in):
    # given
    room = RoomFactory()
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    MeetingFactory(room=room, start_time=soon, end_time=soon + timedelta(hours=1))
    NotificationFactory()
    staff_in(client, "Asia/Tokyo")
    # when
    room_page = client.get(reverse("admin:meetings_room_change", args=[room.pk])).text
    notifications = client.get(reverse("admin:notifications_notification_changelist")).text
    # then
    assert " JST (" in room_page  # the booking's range, then its organizer
    assert " JST</td>" in notifications


def test_the_performance_page_counts_utc_weeks_for_staff_in_any_zone(client, staff_in):
    # given: a meeting on this week's Wednesday, noon UTC
    today = datetime.now(UTC).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    wednesday = monday + timedelta(days=2, hours=12)
    MeetingFactory(start_time=wednesday, end_time=wednesday + timedelta(hours=1))
    staff_in(client, "America/New_York")
    # when
    response = client.get(reverse("admin-performance"))
    # then: counted in this week's bar, which is labelled by its Monday
    [this_week] = [bar for bar in response.context["weeks"]["bars"] if bar["current"]]
    assert (this_week["count"], this_week["week"]) == (1, monday.date())
    assert response.context["weeks"]["total"] == 1
