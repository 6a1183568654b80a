"""The plain-dict reads write exactly what MeetingSerializer (the schema's source) writes."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from meetings.api.render import meeting_dict
from meetings.api.serializers import MeetingSerializer
from meetings.models import Participant
from meetings.selectors import meeting_list
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns"])
def test_plain_dicts_equal_the_serializer_byte_for_byte(zone):
    # given: answered and unanswered invitations, a cancelled meeting, odd text
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
    meetings = list(meeting_list(user=meeting.created_by))
    assert {m.pk for m in meetings} == {meeting.pk, cancelled.pk}
    # when
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        ours = JSONRenderer().render([meeting_dict(m) for m in meetings])
        drf = JSONRenderer().render(MeetingSerializer(meetings, many=True).data)
    # then
    assert ours == drf
