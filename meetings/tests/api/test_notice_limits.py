"""People told of an organizer's changes, per clock hour (NOTICES_PER_HOUR): moving, cancelling,
deleting, withdrawing, bulk-status. Invitations have their own limit (test_invitation_limits)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from meetings import invitations
from meetings.models import Meeting, Participant
from meetings.services.events import meeting_record_admin_save
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def organizer():
    return UserFactory(timezone="UTC")


@pytest.fixture
def at(monkeypatch):
    def set_clock(moment: datetime):
        monkeypatch.setattr(invitations, "time", SimpleNamespace(time=moment.timestamp))

    return set_clock


def meeting_with(organizer, people: int, **fields) -> Meeting:
    meeting = MeetingFactory(
        created_by=organizer, start_time=NINE, end_time=NINE + timedelta(hours=1), **fields
    )
    for user in UserFactory.create_batch(people):
        ParticipantFactory(meeting=meeting, user=user)
    return meeting


@pytest.mark.parametrize("people", [2, 5])
def test_moving_a_meeting_back_and_forth_stops_at_the_hours_budget(
    api_as, settings, at, organizer, people
):
    # given: a budget of three moves' worth of notices
    settings.NOTICES_PER_HOUR = 3 * people
    at(datetime(2026, 3, 2, 10, 59, 30, tzinfo=UTC))
    mine = meeting_with(organizer, people, location="A")
    client = api_as(organizer)
    path = f"/api/meetings/{mine.pk}/"

    # when: four moves
    answers = [client.patch(path, {"location": place}) for place in "BABA"]

    # then: the fourth is refused, saves nothing and tells nobody
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused["Retry-After"] == "30"
    assert refused.json()["limit"] == "NOTICES_PER_HOUR"
    assert refused.json()["limit_value"] == 3 * people
    mine.refresh_from_db()
    assert mine.location == "B"  # where the third move left it
    assert Event.objects.filter(kind=Event.Kind.MEETING_CHANGED).count() == 3


def test_a_bulk_status_toggle_of_big_meetings_is_refused_whole(api_as, settings, organizer):
    # given: 4 meetings of 3 people, a budget of 10 notices
    settings.NOTICES_PER_HOUR = 10
    ids = [meeting_with(organizer, 3).pk for _ in range(4)]

    # when
    response = api_as(organizer).post(
        "/api/meetings/bulk-status/", {"ids": ids, "status": "cancelled"}
    )

    # then: 12 notices would pass 10: nothing changed, nobody told
    assert response.status_code == 429
    assert response.json()["limit"] == "NOTICES_PER_HOUR"
    assert not Meeting.objects.filter(status=Meeting.Status.CANCELLED).exists()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("write", "expected"), [("withdraw", 204), ("cancel", 429), ("delete", 429)]
)
def test_cancelling_deleting_and_withdrawing_count_too(
    api_as, settings, organizer, write, expected
):
    # given: 4 of a budget of 5 spent on moving a meeting of 4
    settings.NOTICES_PER_HOUR = 5
    mine = meeting_with(organizer, 4)
    client = api_as(organizer)
    assert client.patch(f"/api/meetings/{mine.pk}/", {"location": "B"}).status_code == 200
    other = meeting_with(organizer, 2)
    someone = other.participants.first().user_id

    # when: a write that tells one (the person withdrawn) or both invitees
    response = {
        "cancel": lambda: client.post(f"/api/meetings/{other.pk}/cancel/", {"reason": "x"}),
        "delete": lambda: client.delete(f"/api/meetings/{other.pk}/"),
        "withdraw": lambda: client.delete(f"/api/meetings/{other.pk}/participants/{someone}/"),
    }[write]()

    # then: within the budget it is done; past it nothing changed
    assert response.status_code == expected
    if expected == 429:
        assert Meeting.objects.filter(pk=other.pk, status=Meeting.Status.SCHEDULED).exists()
        assert Participant.objects.filter(meeting=other).count() == 2


def test_a_dry_run_counts_nothing(api_as, settings, organizer):
    # given: a budget of one move of a meeting of 3
    settings.NOTICES_PER_HOUR = 3
    mine = meeting_with(organizer, 3, location="A")
    client = api_as(organizer)

    # when: three dry runs, then the move
    rehearsals = [
        client.patch(f"/api/meetings/{mine.pk}/?dry_run=true", {"location": "B"}) for _ in range(3)
    ]
    moved = client.patch(f"/api/meetings/{mine.pk}/", {"location": "B"})

    # then
    assert [r.status_code for r in rehearsals] == [200, 200, 200]
    assert moved.status_code == 200


def test_answers_to_invitations_count_against_nobody(api_as, settings, organizer):
    # given: no budget at all for notices
    settings.NOTICES_PER_HOUR = 0
    mine = meeting_with(organizer, 1)
    invitee = mine.participants.get().user

    # when
    answer = api_as(invitee).post(f"/api/meetings/{mine.pk}/rsvp/", {"status": "accepted"})

    # then
    assert answer.status_code == 200


def test_staff_in_the_admin_are_not_counted(settings, organizer):
    # given: no budget at all for notices
    settings.NOTICES_PER_HOUR = 0
    mine = meeting_with(organizer, 3)
    staff = UserFactory(is_staff=True)

    # when: the admin's save of a moved meeting tells everyone
    meeting_record_admin_save(
        meeting=mine, by=staff, created=False, changed=["location"], added=[], removed=[]
    )

    # then
    told = Event.objects.get(kind=Event.Kind.MEETING_CHANGED).recipient_ids
    assert sorted(told) == sorted(mine.participants.values_list("user_id", flat=True))
