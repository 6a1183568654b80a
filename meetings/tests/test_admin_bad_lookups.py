"""Addresses that the admin's lists cannot apply are refused cleanly, never a 500: a date that
no datetime holds is a filter ignored with a message (Django's own answer to a lookup it cannot
apply), and a NUL character, which PostgreSQL cannot hold in text, is a 400."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from notifications.tests.factories import NotificationFactory
from scheduler.admin_lookups import IGNORED

pytestmark = pytest.mark.django_db

MEETINGS = reverse("admin:meetings_meeting_changelist")
NOTIFICATIONS = reverse("admin:notifications_notification_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.fixture
def listed():
    NotificationFactory(meeting=MeetingFactory())


@pytest.mark.parametrize(
    "url",
    [
        # the date hierarchy: the end of the period chosen is past 9999-12-31
        MEETINGS + "?start_time__year=9999",
        MEETINGS + "?start_time__year=9999&start_time__month=12",
        MEETINGS + "?start_time__year=9999&start_time__month=12&start_time__day=31",
        NOTIFICATIONS + "?created_at__year=9999",
        NOTIFICATIONS + "?created_at__year=9999&created_at__month=12",
        NOTIFICATIONS + "?created_at__year=9999&created_at__month=12&created_at__day=31",
        # the date filters ("Any date", "Today", ... in the sidebar), given dates by hand
        MEETINGS + "?start_time__gte=10000-01-01",
        MEETINGS + "?start_time__lt=9999-12-32",
        MEETINGS + "?created_at__gte=9999-12-31T25:00",
        NOTIFICATIONS + "?created_at__gte=10000-01-01",
        NOTIFICATIONS + "?created_at__lt=99999-01-01",
    ],
)
def test_a_date_no_datetime_holds_is_a_filter_ignored_with_a_message(admin_client, listed, url):
    # when
    response = admin_client.get(url)
    # then: back to the whole list, which says why
    assert response.status_code == 302
    assert response["Location"] == url.split("?")[0] + "?e=1"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert [str(message) for message in page.context["messages"]] == [IGNORED]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (MEETINGS + "?start_time__gte=9999-12-31", 0),
        (MEETINGS + "?start_time__lt=9999-12-31", 1),
        (MEETINGS + "?start_time__gte=0001-01-01&start_time__lt=9999-12-31T23:59:59", 1),
        (MEETINGS + "?created_at__gte=9999-12-31+00:00:00%2B00:00", 0),
        (NOTIFICATIONS + "?created_at__gte=9999-12-31", 0),
        (NOTIFICATIONS + "?created_at__lt=9999-12-31", 1),
    ],
)
def test_the_last_and_first_days_of_the_calendar_filter_like_any_other(
    admin_client, listed, url, shown
):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == shown


def test_a_list_whose_only_meeting_is_on_the_last_day_of_the_calendar_offers_that_day(
    admin_client,
):
    # given: bulk data, which no form checked
    last = datetime(9999, 12, 31, 9, tzinfo=UTC)
    MeetingFactory(start_time=last, end_time=last.replace(hour=10))
    # when
    response = admin_client.get(MEETINGS)
    # then: the date hierarchy offers its one day
    assert response.status_code == 200
    assert "December 31" in response.text
    assert list(response.context["cl"].result_list) == list(Meeting.objects.all())


NUL = "%00"


@pytest.mark.parametrize(
    "url",
    [
        MEETINGS + f"?q={NUL}",
        MEETINGS + f"?q=plan{NUL}ning",
        MEETINGS + f"?status__exact={NUL}",
        MEETINGS + f"?start_time__gte=2026-01-01{NUL}",
        MEETINGS + f"?start_time__year={NUL}",
        MEETINGS + f"?title__startswith={NUL}",
        MEETINGS + f"?o={NUL}",
        MEETINGS + f"?{NUL}=1",
        NOTIFICATIONS + f"?q={NUL}",
        NOTIFICATIONS + f"?kind__exact={NUL}",
        NOTIFICATIONS + f"?read={NUL}",
        reverse("admin:meetings_participant_changelist") + f"?q={NUL}",
        reverse("admin:meetings_participant_changelist") + f"?status__exact={NUL}",
        reverse("admin:meetings_room_changelist") + f"?q={NUL}",
        reverse("admin:accounts_user_changelist") + f"?q={NUL}",
        reverse("admin:accounts_user_changelist") + f"?is_staff__exact={NUL}",
        reverse("admin:notifications_event_changelist") + f"?kind__exact={NUL}",
        reverse("admin:notifications_event_changelist") + f"?delivery={NUL}",
        AUTOCOMPLETE + f"?app_label=meetings&model_name=meeting&field_name=room&term={NUL}",
        AUTOCOMPLETE + f"?app_label=meetings&model_name=meeting&field_name=created_by&term={NUL}",
        AUTOCOMPLETE + f"?app_label=meetings&model_name=participant&field_name=meeting&term={NUL}",
        AUTOCOMPLETE
        + f"?app_label=notifications&model_name=notification&field_name=recipient&term=a{NUL}",
    ],
)
def test_a_nul_character_in_a_filter_a_search_or_an_autocomplete_term_is_a_400(
    admin_client, listed, url
):
    response = admin_client.get(url)

    assert response.status_code == 400
