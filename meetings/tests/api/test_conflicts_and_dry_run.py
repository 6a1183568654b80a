"""Creating or moving a meeting tells who it double-books; ?dry_run=true tells everything the
write would do and saves nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def hour_at(start, **extra):
    return {
        "title": "Sync",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(hours=1)).isoformat(),
        **extra,
    }


def busy(user, start, minutes=60, *, status="accepted", meeting_status="scheduled"):
    """`user` attends another meeting from `start`, with the given answer."""
    meeting = MeetingFactory(
        start_time=start, end_time=start + timedelta(minutes=minutes), status=meeting_status
    )
    ParticipantFactory(meeting=meeting, user=user, status=status)
    return meeting


def test_creating_reports_each_persons_accepted_and_organized_meetings_at_that_time(api_as):
    # given
    me = UserFactory(username="me", timezone="UTC")
    ann, bob, cid = (UserFactory(username=name) for name in ("ann", "bob", "cid"))
    busy(ann, NINE + timedelta(minutes=30))
    busy(ann, NINE + timedelta(hours=1))  # starts as ours ends: no conflict
    busy(bob, NINE, status="declined")
    busy(bob, NINE, status="needs_action")  # not accepted: not (yet) a conflict
    busy(cid, NINE, meeting_status="cancelled")
    MeetingFactory(created_by=me, start_time=NINE - timedelta(minutes=15), title="Secret")
    # when
    response = api_as(me).post(
        "/api/meetings/", hour_at(NINE, participant_ids=[ann.pk, bob.pk, cid.pk])
    )
    # then
    assert response.status_code == 201, response.content
    assert response.json()["conflicts"] == [
        {
            "user": {"id": me.pk, "username": "me"},
            "meetings": [
                {"start_time": "2026-03-02T08:45:00Z", "end_time": "2026-03-02T09:15:00Z"}
            ],
        },
        {
            "user": {"id": ann.pk, "username": "ann"},
            "meetings": [
                {"start_time": "2026-03-02T09:30:00Z", "end_time": "2026-03-02T10:30:00Z"}
            ],
        },
    ]
    assert "Secret" not in response.content.decode()  # times only, never titles


def test_moving_reports_conflicts_at_the_new_time_and_a_cancelled_meeting_has_none(api_as):
    me = UserFactory(timezone="UTC")
    guest = UserFactory()
    busy(guest, NINE + timedelta(days=1))
    mine = MeetingFactory(created_by=me, start_time=NINE, end_time=NINE + timedelta(hours=1))
    ParticipantFactory(meeting=mine, user=guest)
    client = api_as(me)

    before = client.patch(f"/api/meetings/{mine.pk}/", {"title": "Still free"})
    moved = client.patch(f"/api/meetings/{mine.pk}/", hour_at(NINE + timedelta(days=1)))
    cancelled = client.patch(f"/api/meetings/{mine.pk}/", {"status": "cancelled"})

    assert before.json()["conflicts"] == []
    assert [c["user"]["id"] for c in moved.json()["conflicts"]] == [guest.pk]
    assert cancelled.json()["conflicts"] == []


def counts():
    return (Meeting.objects.count(), Participant.objects.count(), Event.objects.count())


def test_a_dry_run_of_a_creation_tells_all_and_saves_nothing(api_as):
    # given
    me = UserFactory(username="me", timezone="Europe/Paris")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    busy(ann, NINE)
    before = counts()
    # when
    response = api_as(me).post(
        "/api/meetings/?dry_run=true", hour_at(NINE, participant_ids=[ann.pk, bob.pk])
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert counts() == before
    assert body["dry_run"] is True
    assert body["meeting"]["id"] is None
    assert body["meeting"]["title"] == "Sync"
    assert body["meeting"]["start_time"] == "2026-03-02T10:00:00+01:00"
    assert [c["user"]["username"] for c in body["conflicts"]] == ["ann"]
    assert body["room_conflict"] is None
    assert [p["username"] for p in body["affected_people"]] == ["me", "ann", "bob"]
    [notification] = body["notifications"]
    assert notification["kind"] == "meeting_created"
    assert [r["username"] for r in notification["recipients"]] == ["ann", "bob"]
    assert (
        "invited you to “Sync” on Mon 2 Mar 2026, 10:00 (Europe/Paris)" in (notification["message"])
    )


def test_a_dry_run_of_a_move_tells_who_hears_of_it_and_changes_nothing(
    api_as, django_capture_on_commit_callbacks
):
    me = UserFactory(username="me", timezone="UTC")
    mine = MeetingFactory(created_by=me, start_time=NINE, end_time=NINE + timedelta(hours=1))
    invitation = ParticipantFactory(meeting=mine, status="accepted")
    newcomer = UserFactory(username="newcomer")
    before = counts()

    with django_capture_on_commit_callbacks() as callbacks:
        response = api_as(me).patch(
            f"/api/meetings/{mine.pk}/?dry_run=true",
            {
                **hour_at(NINE + timedelta(days=1)),
                "participant_ids": [invitation.user_id, newcomer.pk],
            },
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meeting"]["id"] == mine.pk
    assert body["meeting"]["start_time"] == "2026-03-03T09:00:00Z"
    kinds = {n["kind"]: [r["id"] for r in n["recipients"]] for n in body["notifications"]}
    assert kinds == {"meeting_changed": [invitation.user_id], "participant_added": [newcomer.pk]}
    assert counts() == before
    mine.refresh_from_db()
    invitation.refresh_from_db()
    assert (mine.start_time, invitation.status) == (NINE, "accepted")
    assert callbacks == []  # no delivery queued, no cache flushed


def test_a_dry_run_into_a_booked_room_reports_the_clash(api_as):
    room = RoomFactory(name="Ada")
    MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))

    response = api_as(UserFactory(timezone="UTC")).post(
        "/api/meetings/?dry_run=true", hour_at(NINE, room_id=room.pk)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["meeting"] is None
    assert body["room_conflict"]["conflicting_meeting"] == {
        "start_time": "2026-03-02T09:00:00Z",
        "end_time": "2026-03-02T10:00:00Z",
    }
    assert body["notifications"] == []
    assert Meeting.objects.count() == 1


def test_a_dry_run_of_invalid_data_is_the_same_400(api_as):
    client = api_as(UserFactory())
    start = NINE.isoformat()

    invalid = client.post(
        "/api/meetings/?dry_run=true", {"title": "x", "start_time": start, "end_time": start}
    )
    bad_flag = client.post("/api/meetings/?dry_run=maybe", hour_at(NINE))

    assert invalid.status_code == 400
    assert "end_time" in invalid.json()
    assert bad_flag.status_code == 400
    assert "dry_run" in bad_flag.json()
    assert not Meeting.objects.exists()
