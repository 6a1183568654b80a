"""The change record as the history endpoint reads it, reviewed: a change must say what it
changed (docs/audit.md: "`changes` has the fields the change made different")."""

import pytest

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_an_invitation_given_to_someone_else_shows_whose_it_was(api_as):
    # given olga's meeting with paul invited
    olga = UserFactory(username="olga", timezone="UTC")
    paul, rita = UserFactory(username="paul"), UserFactory(username="rita")
    meeting = MeetingFactory(created_by=olga)
    invitation = ParticipantFactory(meeting=meeting, user=paul)
    # when the invitation is given to rita instead (the Participant admin allowed it)
    invitation.user = rita
    invitation.save()
    # then its entry names rita and says it was paul's: not an update that changed nothing
    response = api_as(olga).get(f"/api/meetings/{meeting.pk}/history/")
    assert response.status_code == 200, response.content
    newest = response.json()["results"][0]
    assert (newest["subject"], newest["action"]) == ("participant", "updated")
    assert newest["participant"] == {"id": rita.pk, "username": "rita"}
    assert newest["changes"] == {"user_id": {"before": paul.pk, "after": rita.pk}}
