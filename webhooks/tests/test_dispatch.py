"""Changes from every write path become deliveries: for the people who could see them, of the
types they asked for, numbered in sequence."""

import socket
from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.services.bulk import meeting_bulk_set_status
from meetings.services.lifecycle import meeting_create, meeting_delete, meeting_update
from meetings.services.participants import meeting_rsvp
from meetings.services.scopes import occurrence_update
from meetings.services.series import series_create
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from webhooks import dispatch
from webhooks.models import Delivery, DispatchCursor
from webhooks.services import subscription_create

from .conftest import settle
from .factories import SubscriptionFactory

# Committed writes: on PostgreSQL a change is dispatched once its transaction is over (the
# change horizon), never inside a test's own transaction.
pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]

START = datetime(2027, 3, 1, 9, tzinfo=UTC)


def delivered_types(subscription) -> list[str]:
    return list(
        Delivery.objects.filter(subscription=subscription)
        .order_by("sequence")
        .values_list("event_type", flat=True)
    )


@pytest.fixture
def organizer():
    return UserFactory(username="olga")


@pytest.fixture
def guest():
    return UserFactory(username="gus")


def test_each_kind_of_change_has_its_event(organizer, guest):
    # given
    mine = SubscriptionFactory(owner=organizer)
    theirs = SubscriptionFactory(owner=guest)
    meeting = meeting_create(
        organizer=organizer, title="Plan", start_time=START,
        end_time=START + timedelta(hours=1), participant_ids=[guest.pk],
    )  # fmt: skip
    meeting_update(meeting=meeting, by=organizer, title="Plan B")
    meeting_rsvp(meeting=meeting, user=guest, status="accepted", comment="yes")
    meeting.refresh_from_db()
    meeting_bulk_set_status(meetings=Meeting.objects.filter(pk=meeting.pk), status="cancelled",
                            by=organizer)  # fmt: skip
    meeting_delete(meeting=Meeting.objects.get(pk=meeting.pk), by=organizer)
    # when
    settle()
    dispatch.changes_dispatch()
    # then
    for subscription in (mine, theirs):
        # (the guest sees the meeting from their invitation on)
        assert delivered_types(subscription)[-5:] == [
            "meeting.updated",  # the invitation
            "meeting.updated",  # the title
            "meeting.rsvp",
            "meeting.cancelled",
            "meeting.deleted",  # its invitations' deletion with it
        ]
        sequences = list(
            Delivery.objects.filter(subscription=subscription)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, len(sequences) + 1))
    update = Delivery.objects.filter(subscription=mine, event_type="meeting.updated").last()
    assert update.payload["data"]["change"]["title"] == {"before": "Plan", "after": "Plan B"}
    rsvp = Delivery.objects.get(subscription=mine, event_type="meeting.rsvp").payload["data"]
    assert rsvp["change"]["status"] == {"before": "needs_action", "after": "accepted"}
    assert rsvp["participant"]["after"]["user_id"] == guest.pk
    created = Delivery.objects.get(subscription=mine, event_type="meeting.created").payload
    assert created["data"]["meeting"]["start_time"] == "2027-03-01T09:00:00Z"
    assert created["timestamp"].endswith("Z")
    assert delivered_types(mine)[0] == "meeting.created"


def test_a_stranger_hears_nothing(organizer):
    # given
    stranger = SubscriptionFactory()
    # when
    MeetingFactory(created_by=organizer)
    settle()
    dispatch.changes_dispatch()
    # then
    assert not Delivery.objects.filter(subscription=stranger).exists()


def test_only_the_events_asked_for(organizer, guest):
    # given
    rsvps_only = SubscriptionFactory(owner=organizer, events=["meeting.rsvp"])
    participant = ParticipantFactory(meeting=MeetingFactory(created_by=organizer), user=guest)
    # when
    participant.status = "declined"
    participant.save()
    settle()
    dispatch.changes_dispatch()
    # then
    assert delivered_types(rsvps_only) == ["meeting.rsvp"]


def test_a_person_invited_later_hears_from_then_on(organizer, guest):
    # given
    subscription = SubscriptionFactory(owner=guest)
    meeting = MeetingFactory(created_by=organizer)
    # when
    ParticipantFactory(meeting=meeting, user=guest)
    settle()
    dispatch.changes_dispatch()
    # then: the invitation, with themselves as the participant added
    [added] = Delivery.objects.filter(subscription=subscription)
    assert added.event_type == "meeting.updated"
    assert added.payload["data"]["participant"]["before"] is None
    assert added.payload["data"]["participant"]["after"]["user_id"] == guest.pk


def test_an_admin_action_is_delivered(organizer, client):
    # given
    subscription = SubscriptionFactory(owner=organizer)
    meeting = MeetingFactory(created_by=organizer)
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    client.force_login(staff)
    # when
    answer = client.post(
        "/admin/meetings/meeting/",
        {"action": "cancel_selected", "_selected_action": [meeting.pk]},
    )
    settle()
    dispatch.changes_dispatch()
    # then
    assert answer.status_code == 302
    cancelled = Delivery.objects.get(subscription=subscription, event_type="meeting.cancelled")
    assert cancelled.payload["data"]["source"] == "admin"
    assert cancelled.payload["data"]["actor"]["username"] == "staff"


def test_a_series_edited_in_scope_all_is_delivered_for_each_occurrence(organizer):
    # given
    series = series_create(
        organizer=organizer, title="Weekly", start_time=START,
        end_time=START + timedelta(hours=1), recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"],
        time_zone="UTC",
    )  # fmt: skip
    subscription = SubscriptionFactory(owner=organizer, events=["meeting.updated"])
    first = Meeting.objects.filter(series=series).order_by("start_time").first()
    # when
    occurrence_update(meeting=first, by=organizer, scope="all", title="Weekly sync")
    settle()
    dispatch.changes_dispatch()
    # then
    titles = [
        d.payload["data"]["change"].get("title", {}).get("after")
        for d in Delivery.objects.filter(subscription=subscription)
    ]
    assert titles.count("Weekly sync") == 3


def test_a_subscription_hears_only_what_happens_after_it_was_made(organizer, monkeypatch):
    # given: a change, then a subscription, then a change (a change whose transaction was
    # still running when the subscription was made, on PostgreSQL, would count as after)
    MeetingFactory(created_by=organizer)
    settle()
    DispatchCursor.objects.all().delete()  # a real install: the cursor starts at the horizon
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: PUBLIC)
    made = subscription_create(
        owner=organizer, url="https://hooks.example.com/", events=["meeting.created"]
    )
    MeetingFactory(created_by=organizer)
    # when
    settle()
    dispatch.changes_dispatch()
    # then
    assert delivered_types(made) == ["meeting.created"]


def test_the_dispatcher_stops_at_the_horizon(organizer, monkeypatch):
    # given: a change not yet below the horizon (a transaction still running, on PostgreSQL)
    subscription = SubscriptionFactory(owner=organizer)
    MeetingFactory(created_by=organizer)
    monkeypatch.setattr(dispatch, "change_horizon", lambda: 1)
    # when
    settle()
    dispatch.changes_dispatch()
    # then: nothing yet; later, everything
    assert not Delivery.objects.exists()
    monkeypatch.undo()
    settle()
    dispatch.changes_dispatch()
    assert delivered_types(subscription) == ["meeting.created"]
