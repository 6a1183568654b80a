"""Twenty simultaneous requests on one meeting: consistent data, no duplicates, no 500."""

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from notifications.models import Event
from testsupport.concurrency import N, at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def clients(api_as, user):
    made = []
    for _ in range(N):
        client = api_as(user)
        client.raise_request_exception = False
        made.append(client)
    return made


def test_twenty_invitations_of_the_same_person_make_one(api_as):
    meeting, guest = MeetingFactory(), UserFactory()
    organizers = clients(api_as, meeting.created_by)
    url = f"/api/meetings/{meeting.pk}/participants/"

    responses = at_once(lambda i: organizers[i].post(url, {"user_id": guest.pk}))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (N - 1) + [201]
    assert Participant.objects.filter(meeting=meeting, user=guest).count() == 1
    assert Event.objects.filter(kind="participant_added", meeting_id=meeting.pk).count() == 1


def test_twenty_answers_to_one_invitation_leave_one_answer(api_as):
    invitation = ParticipantFactory()
    guests = clients(api_as, invitation.user)
    url = f"/api/meetings/{invitation.meeting_id}/rsvp/"
    answers = ["accepted", "declined", "tentative"]

    responses = at_once(lambda i: guests[i].post(url, {"status": answers[i % 3]}))

    assert {r.status_code for r in responses} == {200}
    assert Participant.objects.filter(pk=invitation.pk).count() == 1
    invitation.refresh_from_db()
    assert invitation.status in answers


def test_twenty_bulk_status_changes_of_the_same_meetings(api_as):
    organizer = UserFactory()
    meetings = MeetingFactory.create_batch(10, created_by=organizer)
    for meeting in meetings:
        ParticipantFactory(meeting=meeting)
    organizers = clients(api_as, organizer)
    ids = [m.pk for m in meetings]

    responses = at_once(
        lambda i: organizers[i].post(
            "/api/meetings/bulk-status/", {"ids": ids, "status": "cancelled"}
        )
    )

    assert {r.status_code for r in responses} == {200}
    assert set(Meeting.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"cancelled"}
    assert sum(r.json()["updated"] for r in responses) == len(ids)  # each changed once
    assert Event.objects.filter(meeting_id__in=ids).count() == len(ids)  # and told once
