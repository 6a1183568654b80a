"""Reminders of a recurring meeting go out per occurrence: before each one, to who is coming to
that one; never for a cancelled occurrence, never to someone who declined it."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from accounts.tests.factories import UserFactory
from meetings.reminders import reminders_send_due
from meetings.services.scopes import occurrence_cancel, occurrence_rsvp
from meetings.services.series import series_create
from meetings.services.series_extend import series_extend_due
from notifications.models import Notification

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2027, 1, 4, 9, tzinfo=AMSTERDAM)  # a Monday
BEFORE = timedelta(minutes=5)  # inside everyone's ten-minute reminder time


@pytest.fixture
def weekly():
    """Six Mondays at 09:00 for Ada and Bob, made the week before."""
    organizer = UserFactory()
    ada, bob = (UserFactory(reminder_minutes=10) for _ in range(2))
    with mock.patch("django.utils.timezone.now", return_value=T0 - timedelta(weeks=1)):
        series = series_create(
            organizer=organizer, title="Stand-up", start_time=T0,
            end_time=T0 + timedelta(minutes=30), recurrence=["RRULE:FREQ=WEEKLY;COUNT=6"],
            time_zone="Europe/Amsterdam", participant_ids=[ada.pk, bob.pk],
        )  # fmt: skip
    return series, organizer, ada, bob


def occurrence(series, week):
    return series.occurrences.get(original_start_time=T0 + timedelta(weeks=week))


def reminded_before(week):
    """Who is reminded when the reminders run five minutes before that week's occurrence."""
    reminders_send_due(now=T0 + timedelta(weeks=week) - BEFORE)
    return set(
        Notification.objects.filter(
            kind=Notification.Kind.REMINDER, about_start=T0 + timedelta(weeks=week)
        ).values_list("recipient_id", flat=True)
    )


def test_each_occurrence_is_reminded_of_once_to_each_invitee(weekly):
    series, _, ada, bob = weekly

    for week in range(6):
        assert reminded_before(week) == {ada.pk, bob.pk}
        assert reminders_send_due(now=T0 + timedelta(weeks=week) - BEFORE / 2) == 0

    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert reminders.count() == 12
    assert set(reminders.values_list("meeting_id", flat=True)) == set(
        series.occurrences.values_list("pk", flat=True)
    )


def test_a_cancelled_occurrence_is_not_reminded_of_and_the_others_are(weekly):
    series, organizer, ada, bob = weekly
    occurrence_cancel(meeting=occurrence(series, 2), by=organizer, scope="this")

    assert reminded_before(1) == {ada.pk, bob.pk}
    assert reminded_before(2) == set()
    assert reminded_before(3) == {ada.pk, bob.pk}


def test_occurrences_cancelled_from_one_on_are_not_reminded_of(weekly):
    series, organizer, ada, bob = weekly
    occurrence_cancel(meeting=occurrence(series, 3), by=organizer, scope="following")

    assert [reminded_before(week) for week in range(6)] == [{ada.pk, bob.pk}] * 3 + [set()] * 3


def test_who_declined_one_occurrence_is_not_reminded_of_it_but_of_the_others(weekly):
    series, _, ada, bob = weekly
    occurrence_rsvp(meeting=occurrence(series, 2), user=ada, scope="this", status="declined")

    assert reminded_before(1) == {ada.pk, bob.pk}
    assert reminded_before(2) == {bob.pk}
    assert reminded_before(3) == {ada.pk, bob.pk}


def test_who_declined_the_following_is_reminded_only_before(weekly):
    series, _, ada, bob = weekly
    occurrence_rsvp(meeting=occurrence(series, 4), user=ada, scope="following", status="declined")

    assert [ada.pk in reminded_before(week) for week in range(6)] == [True] * 4 + [False] * 2
    assert all(bob.pk in reminded_before(week) for week in range(6))


def test_who_accepted_after_declining_is_reminded_again(weekly):
    series, _, ada, _ = weekly
    occurrence_rsvp(meeting=occurrence(series, 1), user=ada, scope="following", status="declined")
    occurrence_rsvp(meeting=occurrence(series, 3), user=ada, scope="this", status="accepted")

    assert [ada.pk in reminded_before(week) for week in range(5)] == [
        True, False, False, True, False,
    ]  # fmt: skip


def test_occurrences_made_by_the_extension_are_reminded_of():
    # given: an unbounded daily series, at most three occurrences ahead, extended once
    ada = UserFactory(reminder_minutes=10)
    with (
        mock.patch("django.utils.timezone.now", return_value=T0 - timedelta(days=1)),
        mock.patch("django.conf.settings.SERIES_MAX_OCCURRENCES", 3),
    ):
        series = series_create(
            organizer=UserFactory(), title="Stand-up", start_time=T0,
            end_time=T0 + timedelta(minutes=30), recurrence=["RRULE:FREQ=DAILY"],
            time_zone="Europe/Amsterdam", participant_ids=[ada.pk],
        )  # fmt: skip
        series_extend_due(now=T0 + timedelta(days=2, hours=1))
    fifth = T0 + timedelta(days=4)
    assert series.occurrences.filter(original_start_time=fifth).exists()
    # when / then
    assert reminders_send_due(now=fifth - BEFORE) == 1
    assert Notification.objects.get(kind=Notification.Kind.REMINDER).about_start == fifth
