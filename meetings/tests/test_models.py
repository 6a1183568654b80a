from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_database_refuses_a_meeting_that_ends_before_it_starts():
    organizer = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(title="x", start_time=at(60), end_time=at(0), created_by=organizer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(title="x", start_time=at(0), end_time=at(0), created_by=organizer)


def test_full_clean_reports_a_bad_end_time_on_the_field_once():
    meeting = Meeting(title="x", start_time=at(60), end_time=at(0), created_by=UserFactory())
    with pytest.raises(ValidationError) as excinfo:
        meeting.full_clean()
    assert excinfo.value.message_dict == {"end_time": ["A meeting must end after it starts."]}


def test_a_person_is_invited_once_per_meeting():
    participant = ParticipantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(meeting=participant.meeting, user=participant.user)


def test_new_participants_have_not_answered_yet():
    participant = ParticipantFactory()
    assert participant.status == Participant.Status.NEEDS_ACTION
    assert participant.responded_at is None


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ((0, 60), {"a", "b"}),  # a inside, b starts at 30
        ((60, 90), {"b"}),  # a ends at 60: touching is not overlapping
        ((-30, 0), set()),  # ends where a starts
        ((89, 200), {"b", "c"}),
        ((None, 1), {"a"}),  # open start
        ((120, None), {"c"}),  # open end
    ],
)
def test_overlapping_is_the_half_open_window(window, expected):
    # given: a [0, 60), b [30, 90), c [120, 180)
    organizer = UserFactory()
    for title, start, end in (("a", 0, 60), ("b", 30, 90), ("c", 120, 180)):
        MeetingFactory(title=title, start_time=at(start), end_time=at(end), created_by=organizer)
    start, end = (None if m is None else at(m) for m in window)
    # when
    found = set(Meeting.objects.overlapping(start, end).values_list("title", flat=True))
    # then
    assert found == expected


def test_visible_to_is_what_i_organize_or_am_invited_to():
    me, other = UserFactory(), UserFactory()
    mine = MeetingFactory(created_by=me)
    invited = ParticipantFactory(user=me).meeting
    MeetingFactory(created_by=other)  # a stranger's meeting
    ParticipantFactory(meeting=mine, user=other)  # someone else in mine does not duplicate it

    visible = list(Meeting.objects.visible_to(me))

    assert sorted(m.pk for m in visible) == sorted([mine.pk, invited.pk])
