from dataclasses import dataclass

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory


@dataclass
class Cast:
    """One meeting and everybody who might touch it."""

    meeting: Meeting
    organizer: User
    participant: User
    invitation: Participant
    stranger: User
    staff: User


@pytest.fixture
def cast(db):
    organizer = UserFactory(username="olga", timezone="UTC")
    meeting = MeetingFactory(created_by=organizer, title="Roadmap review")
    invitation = ParticipantFactory(meeting=meeting, user=UserFactory(username="paul"))
    return Cast(
        meeting=meeting,
        organizer=organizer,
        participant=invitation.user,
        invitation=invitation,
        stranger=UserFactory(username="stan"),
        staff=UserFactory(username="stella", is_staff=True, is_superuser=True),
    )
