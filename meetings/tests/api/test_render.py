"""The plain-dict reads write exactly what MeetingSerializer (the schema's source) writes."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from meetings.api.render import meeting_dict
from meetings.api.serializers import MeetingSerializer
from meetings.models import Participant
from meetings.selectors import meeting_list, meeting_people
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns"])
def test_plain_dicts_equal_the_serializer_byte_for_byte(zone):
    # given: answered and unanswered invitations, a cancelled meeting, a booked room, odd text
    meeting = MeetingFactory(title="Ünïcode “quotes” \\ and \n newlines", location="")
    ParticipantFactory(meeting=meeting)
    ParticipantFactory(
        meeting=meeting,
        status=Participant.Status.DECLINED,
        responded_at=datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC),
        comment="Sorry",
    )
    cancelled = MeetingFactory(
        created_by=meeting.created_by, status="cancelled", cancellation_reason="Ill"
    )
    booked = MeetingFactory(
        created_by=meeting.created_by, room=RoomFactory(name="Hopper", location="Floor 3")
    )
    meetings = list(meeting_list(user=meeting.created_by))
    assert {m.pk for m in meetings} == {meeting.pk, cancelled.pk, booked.pk}
    people = meeting_people(meeting_ids=[m.pk for m in meetings])
    # when
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        ours = JSONRenderer().render([meeting_dict(m) for m in meetings])
        listed = JSONRenderer().render([meeting_dict(m, people[m.pk]) for m in meetings])
        drf = JSONRenderer().render(MeetingSerializer(meetings, many=True).data)
    # then: the same, with the people loaded with their meetings or apart (a list page)
    assert ours == drf
    assert listed == drf


@pytest.mark.parametrize("render", ["serializer", "plain"])
def test_a_time_in_local_mean_time_is_written_in_utc_as_rfc_3339_allows(render):
    # Amsterdam kept +00:19:32 until 1937: an offset with seconds, which RFC 3339 cannot write
    meeting = MeetingFactory(
        start_time=datetime(1930, 6, 2, 9, 0, tzinfo=UTC),
        end_time=datetime(1930, 6, 2, 10, 0, tzinfo=UTC),
    )
    [loaded] = meeting_list(user=meeting.created_by)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Amsterdam")):
        data = MeetingSerializer(loaded).data if render == "serializer" else meeting_dict(loaded)
        recent = timezone.localtime(loaded.created_at).isoformat()

    assert data["start_time"] == "1930-06-02T09:00:00Z"
    assert data["end_time"] == "1930-06-02T10:00:00Z"
    assert data["created_at"] == recent  # today's times keep the reader's zone
