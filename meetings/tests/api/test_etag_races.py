"""Conditional writes sent together with one ETag (threads with their own connections, real
commits): the row lock taken before the comparison lets exactly one of them write."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from meetings import selectors
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
WRITERS = 20


def together(calls):
    """Run the calls in threads that all reach the conditional lock at the same moment, each
    inside its own transaction already: none has compared yet when the first takes the lock."""
    barrier = threading.Barrier(len(calls), timeout=20)
    original = selectors.meeting_locked
    results = [None] * len(calls)

    def gated(**kwargs):
        barrier.wait()
        return original(**kwargs)

    def run(index, call):
        try:
            results[index] = call()
        finally:
            connection.close()

    with mock.patch("meetings.selectors.meeting_locked", side_effect=gated):
        threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results


@pytest.fixture
def meeting():
    organizer = UserFactory(timezone="UTC")
    meeting = MeetingFactory(
        created_by=organizer, start_time=T0, end_time=T0 + timedelta(hours=1), title="Before"
    )
    ParticipantFactory(meeting=meeting)
    return meeting


def client(api_as, user):
    made = api_as(user)
    made.raise_request_exception = False
    return made


def test_of_twenty_patches_sent_with_one_etag_exactly_one_wins(api_as, meeting):
    # given: twenty clients that all read the same version
    url = f"/api/meetings/{meeting.pk}/"
    clients = [client(api_as, meeting.created_by) for _ in range(WRITERS)]
    tag = clients[0].get(url)["ETag"]

    # when
    responses = together(
        [
            lambda c=c, n=n: c.patch(url, {"title": f"Writer {n}"}, HTTP_IF_MATCH=tag)
            for n, c in enumerate(clients)
        ]
    )

    # then
    assert Counter(r.status_code for r in responses) == {200: 1, 412: WRITERS - 1}
    [winner] = [r for r in responses if r.status_code == 200]
    assert Meeting.objects.get(pk=meeting.pk).title == winner.json()["title"]
    assert {r["ETag"] for r in responses} == {winner["ETag"]}  # the losers are told the new one
    assert all(r.json()["etag"] == winner["ETag"] for r in responses)


def test_an_answer_and_a_cancellation_sent_with_one_etag_do_not_both_happen(api_as, meeting):
    # given: the organizer and the participant read the same version
    url = f"/api/meetings/{meeting.pk}/"
    invitation = Participant.objects.get(meeting=meeting)
    organizer = client(api_as, meeting.created_by)
    participant = client(api_as, invitation.user)
    tag = organizer.get(url)["ETag"]

    # when
    cancelled, answered = together(
        [
            lambda: organizer.post(f"{url}cancel/", {"reason": "Ill"}, HTTP_IF_MATCH=tag),
            lambda: participant.post(f"{url}rsvp/", {"status": "accepted"}, HTTP_IF_MATCH=tag),
        ]
    )

    # then
    assert sorted([cancelled.status_code, answered.status_code]) == [200, 412]
    meeting.refresh_from_db()
    invitation.refresh_from_db()
    assert (meeting.status == Meeting.Status.CANCELLED) == (cancelled.status_code == 200)
    assert (invitation.status == Participant.Status.ACCEPTED) == (answered.status_code == 200)
