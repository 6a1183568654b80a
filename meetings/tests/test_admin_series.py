"""Recurring meetings in the admin: a series' list and page, and an occurrence's page, at a
fixed number of queries whatever the number of occurrences; read-only for staff."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings.admin_series import UPCOMING_OCCURRENCES
from meetings.models import Meeting, Series
from meetings.services.scopes import occurrence_cancel
from meetings.services.series import series_create
from meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM)  # a Monday
SERIES = reverse("admin:meetings_series_changelist")
MEETINGS = reverse("admin:meetings_meeting_changelist")


def make_series(occurrences: int, *, title: str = "Stand-up", organizer=None) -> Series:
    return series_create(
        organizer=organizer or UserFactory(),
        title=title,
        start_time=START,
        end_time=START + timedelta(minutes=30),
        recurrence=[f"RRULE:FREQ=DAILY;COUNT={occurrences}"],
        time_zone="Europe/Amsterdam",
        participant_ids=[UserFactory().pk, UserFactory().pk],
    )


def series_page(series: Series) -> str:
    return reverse("admin:meetings_series_change", args=[series.pk])


def first_occurrence(series: Series) -> Meeting:
    return series.occurrences.order_by("start_time").first()


def queries_for(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sql = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(queries.captured_queries, 1))
    print(f"{url}: {len(queries)} queries\n{sql}")  # shown when the count is off
    return len(queries)


@pytest.mark.parametrize(
    ("url_for", "expected"),
    [
        # session, user, count, page of series with organizers, their occurrences counted
        (lambda series: SERIES, 5),
        (lambda series: SERIES + "?q=stand", 5),
        # session, user, the series with organizer and room, its counts, its next occurrences
        (series_page, 5),
        # session, user, the meeting, its participants, the organizer's autocomplete, the series
        (
            lambda series: reverse(
                "admin:meetings_meeting_change", args=[first_occurrence(series).pk]
            ),
            6,
        ),
        # the meetings' list as before the series filter (test_admin): a filter costs nothing
        (lambda series: MEETINGS + f"?series={series.pk}", 6),
        (lambda series: MEETINGS + "?series=yes", 6),
    ],
)
def test_series_pages_cost_the_same_for_5_and_60_occurrences(admin_client, url_for, expected):
    # given: a series of 5, then one of 60 and more series in the list
    small = make_series(5)
    counts = [queries_for(admin_client, url_for(small))]
    big = make_series(60)
    make_series(12, title="Stand-up again")
    # when
    counts.append(queries_for(admin_client, url_for(big)))
    # then
    assert counts == [expected, expected]


def test_the_list_shows_the_rule_in_words_the_count_and_the_next_occurrence(admin_client):
    # given
    series = make_series(60, organizer=UserFactory(first_name="Ada", last_name="Lovelace"))
    occurrence_cancel(meeting=first_occurrence(series), by=series.created_by, scope="this")
    # when
    response = admin_client.get(SERIES)
    # then: the next one not cancelled, in the staff member's zone
    row = response.context["cl"].result_list[0]
    assert row.counts.occurrences == 60
    assert row.counts.next_start == START + timedelta(days=1)
    assert '<td class="field-occurrence_count">60</td>' in response.text
    assert f'<td class="field-rule">{series.rule_in_words}</td>' in response.text
    assert "Ada Lovelace" in response.text
    assert "Europe/Amsterdam" in response.text


def test_search_finds_a_series_by_title_or_by_its_organizer(admin_client):
    # given
    ada = UserFactory(username="ada")
    mine = make_series(3, title="Planning", organizer=ada)
    other = make_series(3, title="Retro")
    # when
    by_title = admin_client.get(SERIES + "?q=retro").context["cl"].result_list
    by_organizer = admin_client.get(SERIES + "?q=ada").context["cl"].result_list
    # then
    assert [s.pk for s in by_title] == [other.pk]
    assert [s.pk for s in by_organizer] == [mine.pk]


def test_a_series_page_lists_its_next_occurrences_with_status_and_exceptions(admin_client):
    # given: 60 occurrences, the second cancelled alone (an exception)
    series = make_series(60)
    second = series.occurrences.order_by("start_time")[1]
    occurrence_cancel(meeting=second, by=series.created_by, scope="this")
    # when
    page = admin_client.get(series_page(series)).text
    # then
    assert series.rule_in_words in page
    assert "RRULE:FREQ=DAILY;COUNT=60" in page
    assert "60 in all, 60 not yet over" in page
    assert f'href="{MEETINGS}?series={series.pk}"' in page
    assert (
        len(re.findall(r'href="/admin/meetings/meeting/\d+/change/"', page)) == UPCOMING_OCCURRENCES
    )
    assert f'href="{reverse("admin:meetings_meeting_change", args=[second.pk])}"' in page
    assert "<td>Cancelled</td><td>status</td>" in page
    assert page.count("<td>Scheduled</td><td>-</td>") == UPCOMING_OCCURRENCES - 1


def test_a_series_cannot_be_added_edited_or_deleted_in_the_admin(admin_client):
    # given
    series = make_series(3)
    # when
    page = admin_client.get(series_page(series))
    posted = admin_client.post(series_page(series), {"title": "Changed", "recurrence": "[]"})
    # then: the page is read-only, and the services stay the only writers
    assert 'name="title"' not in page.text
    assert 'name="_save"' not in page.text
    assert posted.status_code == 403
    assert admin_client.get(reverse("admin:meetings_series_add")).status_code == 403
    delete = reverse("admin:meetings_series_delete", args=[series.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in admin_client.get(SERIES).text
    assert Series.objects.get(pk=series.pk).title == "Stand-up"
    assert series.occurrences.count() == 3


def test_an_occurrences_page_links_its_series_and_shows_its_exception(admin_client):
    # given
    series = make_series(3)
    occurrence = first_occurrence(series)
    occurrence_cancel(meeting=occurrence, by=series.created_by, scope="this")
    single = MeetingFactory()
    # when
    page = admin_client.get(reverse("admin:meetings_meeting_change", args=[occurrence.pk]))
    other = admin_client.get(reverse("admin:meetings_meeting_change", args=[single.pk]))
    # then: read-only, and only on an occurrence's page
    assert f'href="{series_page(series)}"' in page.text
    assert "Original start" in page.text
    assert "2027-03-01" in page.text
    assert '<div class="readonly">status</div>' in page.text
    for name in ("series", "original_start_time", "exception_fields"):
        assert f'name="{name}"' not in page.text
    assert "Original start" not in other.text


def test_the_meetings_list_filters_by_series(admin_client):
    # given
    series = make_series(4)
    make_series(2)
    single = MeetingFactory()
    # when
    one = admin_client.get(MEETINGS + f"?series={series.pk}").context["cl"].result_list
    none = admin_client.get(MEETINGS + "?series=no").context["cl"].result_list
    # then
    assert sorted(m.pk for m in one) == sorted(series.occurrences.values_list("pk", flat=True))
    assert [m.pk for m in none] == [single.pk]


@pytest.mark.parametrize("url_for", [lambda s: SERIES, series_page])
def test_people_who_are_not_staff_are_sent_to_the_login_page(client, url_for):
    # given
    series = make_series(3)
    client.force_login(series.created_by)  # the organizer, but not staff
    # when
    response = client.get(url_for(series))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_view_permission_are_refused(client):
    # given
    series = make_series(3)
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    # when / then
    assert client.get(SERIES).status_code == 403
    assert client.get(series_page(series)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_series"))
    assert client.get(series_page(series)).status_code == 200


def test_staff_cancel_series_telling_everyone_once_per_series(admin_client):
    # given: two series, and a single meeting that must stay as it is
    from notifications.models import Event

    weekly, daily = make_series(8, title="Weekly"), make_series(30, title="Daily")
    single = MeetingFactory()
    Event.objects.all().delete()
    # when
    response = admin_client.post(
        SERIES,
        {"action": "cancel_series", "_selected_action": [weekly.pk, daily.pk]},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert "Cancelled 38 occurrence(s) of 2 series" in response.content.decode()
    assert set(Meeting.objects.filter(series__isnull=False).values_list("status", flat=True)) == {
        "cancelled"
    }
    single.refresh_from_db()
    assert single.status == "scheduled"
    told = {Meeting.objects.get(pk=e.meeting_id).series_id: e for e in Event.objects.all()}
    assert {e.kind for e in told.values()} == {"meeting_cancelled"}
    for series in (weekly, daily):
        event = told[series.pk]
        assert set(event.recipient_ids) == {series.created_by_id, *series.participant_ids}


def test_staff_without_change_permission_cannot_cancel_a_series(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_series"))
    client.force_login(staff)
    series = make_series(5)
    client.post(SERIES, {"action": "cancel_series", "_selected_action": [series.pk]})
    assert set(series.occurrences.values_list("status", flat=True)) == {"scheduled"}


def test_the_meeting_cancel_action_makes_an_occurrence_an_exception(admin_client):
    series = make_series(5)
    third = series.occurrences.order_by("start_time")[2]
    admin_client.post(
        MEETINGS, {"action": "cancel_selected", "_selected_action": [third.pk]}, follow=True
    )
    third.refresh_from_db()
    assert (third.status, third.exception_fields) == ("cancelled", "status")
    others = series.occurrences.exclude(pk=third.pk)
    assert set(others.values_list("exception_fields", flat=True)) == {""}
