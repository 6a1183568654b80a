"""Series as staff and the nightly extension meet them: occurrences deleted or changed in the
admin, invitees who left, rooms taken meanwhile, cancellations and answers that hold for
occurrences made later, and the feed's event limit."""

from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.urls import reverse
from icalendar import Calendar

from accounts.tests.factories import UserFactory
from meetings.feed import selectors
from meetings.models import Meeting, Participant
from meetings.services.scopes import (
    occurrence_cancel,
    occurrence_rsvp,
    occurrence_update,
    series_cancel_by_staff,
)
from meetings.services.series import series_create
from meetings.services.series_extend import series_extend_due
from meetings.tests.factories import MeetingFactory, RoomFactory
from meetings.tests.test_series_extend import T0, create, starts

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def feed_events(user, now, start, end):
    cal = Calendar.from_ical(selectors.feed_body(user=user, now=now))
    return recurring_ical_events.of(cal).between(start, end)


# An occurrence deleted in the admin gets an EXDATE: neither the nightly run nor the feed's
# master makes it again.
def test_an_occurrence_deleted_in_the_admin_is_not_made_again(admin_client):
    series = create(UserFactory())
    tenth = series.occurrences.order_by("start_time")[10]
    original = tenth.original_start_time
    admin_client.post(reverse("admin:meetings_meeting_delete", args=[tenth.pk]), {"post": "yes"})
    assert not Meeting.objects.filter(pk=tenth.pk).exists()

    series_extend_due(now=T0 + timedelta(weeks=1))

    assert not series.occurrences.filter(original_start_time=original).exists()


def test_an_occurrence_deleted_in_the_admin_leaves_the_feed(admin_client):
    organizer = UserFactory()
    series = create(organizer)
    tenth = series.occurrences.order_by("start_time")[10]
    admin_client.post(reverse("admin:meetings_meeting_delete", args=[tenth.pk]), {"post": "yes"})

    found = feed_events(
        organizer, T0, tenth.start_time - timedelta(hours=1), tenth.start_time + timedelta(hours=1)
    )
    assert found == []


# The admin's change form makes the occurrence an exception for what it changed.
def _change_form(meeting, **over):
    utc = lambda m: m.astimezone(UTC)  # noqa: E731
    data = {
        "title": meeting.title,
        "description": meeting.description,
        "location": meeting.location,
        "start_time_0": f"{utc(meeting.start_time):%Y-%m-%d}",
        "start_time_1": f"{utc(meeting.start_time):%H:%M:%S}",
        "end_time_0": f"{utc(meeting.end_time):%Y-%m-%d}",
        "end_time_1": f"{utc(meeting.end_time):%H:%M:%S}",
        "created_by": meeting.created_by_id,
        "status": meeting.status,
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "participants-2-TOTAL_FORMS": "0",
        "participants-2-INITIAL_FORMS": "0",
    }
    return data | over


def test_cancelling_the_last_occurrence_in_the_admin_cancels_no_new_one(admin_client):
    organizer = UserFactory()
    series = create(organizer)
    last = series.occurrences.order_by("start_time").last()
    url = reverse("admin:meetings_meeting_change", args=[last.pk])
    response = admin_client.post(url, _change_form(last, status="cancelled"))
    assert response.status_code == 302, response.content[:3000]
    last.refresh_from_db()
    assert last.status == "cancelled"

    series_extend_due(now=T0 + timedelta(weeks=4))

    new = series.occurrences.filter(original_start_time__gt=last.original_start_time)
    assert set(new.values_list("status", flat=True)) == {"scheduled"}


def test_an_occurrence_renamed_in_the_admin_keeps_its_name_through_all(admin_client):
    organizer = UserFactory()
    series = create(organizer)
    fifth = series.occurrences.order_by("start_time")[5]
    url = reverse("admin:meetings_meeting_change", args=[fifth.pk])
    assert admin_client.post(url, _change_form(fifth, title="Retro")).status_code == 302
    first = series.occurrences.order_by("start_time").first()

    with mock.patch("django.utils.timezone.now", return_value=T0 - timedelta(hours=1)):
        occurrence_update(meeting=first, by=organizer, scope="all", title="Daily")

    fifth.refresh_from_db()
    assert fifth.title == "Retro"


# Someone deleted meanwhile is invited to nothing new, and stops no other series' growth.
@pytest.mark.django_db(transaction=True)
def test_an_invitee_deleted_meanwhile_does_not_stop_the_extension():
    organizer, gone = UserFactory(), UserFactory()
    create(organizer, participant_ids=[gone.pk])
    second = create(organizer)
    before = second.occurrences.count()
    gone.delete()

    try:
        series_extend_due(now=T0 + timedelta(weeks=4))
    finally:
        assert second.occurrences.count() == before + 4


# An occurrence made without its room (taken meanwhile) is an exception for its room.
def test_an_occurrence_made_without_the_room_shows_no_room_in_the_feed():
    organizer = UserFactory()
    room = RoomFactory(name="Blue", location="")
    series = create(organizer, room_id=room.pk)
    last = starts(series)[-1]
    taken_at = last + timedelta(weeks=2)
    MeetingFactory(room=room, start_time=taken_at, end_time=taken_at + timedelta(hours=1))
    series_extend_due(now=T0 + timedelta(weeks=4))
    lost = series.occurrences.get(original_start_time=taken_at)
    assert lost.room_id is None
    assert lost.place == "Terrace"

    [event] = feed_events(
        organizer, taken_at, taken_at - timedelta(hours=1), taken_at + timedelta(hours=1)
    )
    assert str(event["LOCATION"]) == lost.place


# A series cancelled stays cancelled as it grows, whatever its last occurrence was.
def test_a_series_staff_cancelled_stays_cancelled_as_it_grows():
    organizer = UserFactory()
    series = create(organizer)
    last = series.occurrences.order_by("start_time").last()
    occurrence_cancel(meeting=last, by=organizer, scope="this")
    with mock.patch("django.utils.timezone.now", return_value=T0 - timedelta(hours=1)):
        series_cancel_by_staff(series_ids=[series.pk], by=UserFactory(is_staff=True))
    assert set(series.occurrences.values_list("status", flat=True)) == {"cancelled"}

    series_extend_due(now=T0 + timedelta(weeks=4))

    assert set(series.occurrences.values_list("status", flat=True)) == {"cancelled"}


# An answer to all holds for occurrences made later.
def test_an_answer_to_all_holds_for_the_occurrences_made_later():
    organizer, ada = UserFactory(), UserFactory()
    series = create(organizer, participant_ids=[ada.pk])
    first = series.occurrences.order_by("start_time").first()
    with mock.patch("django.utils.timezone.now", return_value=T0 - timedelta(hours=1)):
        occurrence_rsvp(meeting=first, user=ada, scope="all", status="declined")

    series_extend_due(now=T0 + timedelta(weeks=4))

    answers = Participant.objects.filter(user=ada, meeting__series=series)
    assert set(answers.values_list("status", flat=True)) == {"declined"}


# The feed's event limit cuts plain rows first, never a shown series' exceptions.
def test_the_event_limit_never_drops_an_exception_of_a_shown_series():
    olga = UserFactory(timezone="Europe/Amsterdam")
    monday = datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM)
    series = series_create(
        organizer=olga,
        title="Stand-up",
        start_time=monday,
        end_time=monday + timedelta(minutes=30),
        recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=200"],
        time_zone="Europe/Amsterdam",
    )
    far = series.occurrences.order_by("start_time")[150]  # ~3 years ahead
    occurrence_cancel(meeting=far, by=olga)
    now = datetime(2027, 2, 15, 12, tzinfo=UTC)
    with mock.patch.object(selectors, "FEED_MAX_EVENTS", 100):  # 3 daily series reach 2,000
        found = feed_events(
            olga, now, far.start_time - timedelta(hours=1), far.start_time + timedelta(hours=1)
        )
    assert [str(e["STATUS"]) for e in found] == ["CANCELLED"]
