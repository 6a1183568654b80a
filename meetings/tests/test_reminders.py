from datetime import timedelta

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.reminders import reminders_send_due
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def meeting_in(now, minutes, **fields):
    start = now + timedelta(minutes=minutes)
    return MeetingFactory(start_time=start, end_time=start + timedelta(hours=1), **fields)


def invite(meeting, *, minutes_before=15, **fields):
    user = UserFactory(reminder_minutes=minutes_before, timezone="Europe/Paris")
    return ParticipantFactory(meeting=meeting, user=user, **fields).user


def reminded(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.REMINDER).count()


def test_a_participant_is_reminded_once_within_their_reminder_time(now):
    meeting = meeting_in(now, 10, title="Standup", location="Room Ada")
    paul = invite(meeting, minutes_before=15)

    assert reminders_send_due(now=now) == 1
    assert reminders_send_due(now=now + timedelta(minutes=1)) == 0

    [message] = Notification.objects.filter(recipient=paul).values_list("message", flat=True)
    assert message.startswith("Reminder: “Standup” starts on ")
    assert "(Europe/Paris) at Room Ada." in message
    assert [m.to for m in mail.outbox] == [[paul.email]]


def test_a_reminder_names_the_room_booked_and_where_it_is(now):
    room = RoomFactory(name="Hopper", location="Floor 2")
    meeting = meeting_in(now, 10, location="bring laptops", room=room)
    paul = invite(meeting)

    reminders_send_due(now=now)

    [message] = Notification.objects.filter(recipient=paul).values_list("message", flat=True)
    assert message.endswith("at Hopper, Floor 2, bring laptops.")


@pytest.mark.parametrize(
    ("starts_in", "minutes_before", "status", "meeting_status", "expected"),
    [
        (10, 15, "needs_action", "scheduled", 1),
        (10, 15, "tentative", "scheduled", 1),
        (10, 15, "declined", "scheduled", 0),  # said no
        (10, 15, "accepted", "cancelled", 0),  # nothing to go to
        (20, 15, "accepted", "scheduled", 0),  # not yet
        (50, 60, "accepted", "scheduled", 1),  # wants an hour's notice
        (10, 0, "accepted", "scheduled", 0),  # wants none
        (-1, 15, "accepted", "scheduled", 0),  # started already
    ],
)
def test_who_is_reminded(now, starts_in, minutes_before, status, meeting_status, expected):
    meeting = meeting_in(now, starts_in, status=meeting_status)
    user = invite(meeting, minutes_before=minutes_before, status=status)

    reminders_send_due(now=now)

    assert reminded(user) == expected


def test_a_meeting_that_moves_is_reminded_of_again(now):
    meeting = meeting_in(now, 10)
    paul = invite(meeting)
    reminders_send_due(now=now)

    Meeting.objects.filter(pk=meeting.pk).update(start_time=now + timedelta(minutes=12))
    reminders_send_due(now=now)

    assert reminded(paul) == 2


def test_the_organizer_is_not_sent_a_participants_reminder(now):
    meeting = meeting_in(now, 5)
    invite(meeting)

    reminders_send_due(now=now)

    assert reminded(meeting.created_by) == 0


@pytest.mark.parametrize("meetings", [1, 30])
def test_reminding_costs_a_fixed_number_of_queries(now, django_assert_num_queries, meetings):
    for i in range(meetings):
        meeting = meeting_in(now, 5 + i % 10)
        for _ in range(3):
            invite(meeting)

    # SAVEPOINT, one query per reminder setting (6), one INSERT, RELEASE, then the e-mail:
    # SAVEPOINT, the unsent, UPDATE, RELEASE
    with django_assert_num_queries(13):
        created = reminders_send_due(now=now)

    assert created == Participant.objects.count() == 3 * meetings
    assert len(mail.outbox) == 3 * meetings
