"""Events become notifications and e-mails for the right people, exactly once (eager Celery)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from notifications import delivery, tasks
from notifications.models import Event, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "olga": UserFactory(username="olga", first_name="Olga", last_name="Ng", timezone="UTC"),
        "paul": UserFactory(username="paul", first_name="", last_name="", timezone="Europe/Paris"),
        "rita": UserFactory(username="rita", timezone="Asia/Tokyo"),
        "nina": UserFactory(username="nina"),
    }


@pytest.fixture
def meeting(people, api_as, committed):
    with committed():
        response = api_as(people["olga"]).post(
            "/api/meetings/",
            {
                "title": "Roadmap",
                "location": "Room Ada",
                "start_time": "2026-07-01T08:00:00Z",
                "end_time": "2026-07-01T09:00:00Z",
                "participant_ids": [people["paul"].pk, people["rita"].pk],
            },
        )
    assert response.status_code == 201
    return Meeting.objects.get(pk=response.json()["id"])


def received(user, kind=None):
    notifications = Notification.objects.filter(recipient=user)
    if kind:
        notifications = notifications.filter(kind=kind)
    return list(notifications.values_list("message", flat=True))


def test_invitees_get_one_invitation_each_in_their_own_time_and_an_email(people, meeting):
    assert received(people["paul"], "invitation") == [
        "Olga Ng invited you to “Roadmap” on Wed 1 Jul 2026, 10:00 (Europe/Paris) at Room Ada."
    ]
    assert received(people["rita"], "invitation") == [
        "Olga Ng invited you to “Roadmap” on Wed 1 Jul 2026, 17:00 (Asia/Tokyo) at Room Ada."
    ]
    assert received(people["olga"]) == []
    assert sorted(m.to[0] for m in mail.outbox) == [people["paul"].email, people["rita"].email]
    assert all(m.extra_headers["Message-ID"].startswith("<notification-") for m in mail.outbox)
    assert Event.objects.get().delivered_at is not None


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("move", {"paul": ["updated"], "rita": ["updated"]}),
        ("move place", {"paul": ["updated"], "rita": ["updated"]}),
        ("rename", {}),
        ("cancel", {"paul": ["cancelled"], "rita": ["cancelled"]}),
        ("delete", {"paul": ["cancelled"], "rita": ["cancelled"]}),
        ("invite nina", {"nina": ["invitation"]}),
        ("uninvite rita", {"rita": ["participant_removed"]}),
        ("replace rita by nina", {"nina": ["invitation"], "rita": ["participant_removed"]}),
        ("paul accepts", {"olga": ["rsvp"]}),
        ("bulk cancel", {"paul": ["cancelled"], "rita": ["cancelled"]}),
    ],
)
def test_each_change_reaches_the_right_people(people, meeting, api_as, committed, action, expected):
    # given: the invitations are out
    before = set(Notification.objects.values_list("pk", flat=True))
    organizer = api_as(people["olga"])
    url = f"/api/meetings/{meeting.pk}/"
    # when
    with committed():
        response = {
            "move": lambda: organizer.patch(url, {"start_time": "2026-07-01T07:00:00Z"}),
            "move place": lambda: organizer.patch(url, {"location": "Video call"}),
            "rename": lambda: organizer.patch(url, {"title": "Roadmap 2"}),
            "cancel": lambda: organizer.post(url + "cancel/", {"reason": "Ill"}),
            "delete": lambda: organizer.delete(url),
            "invite nina": lambda: organizer.post(
                url + "participants/", {"user_id": people["nina"].pk}
            ),
            "uninvite rita": lambda: organizer.delete(url + f"participants/{people['rita'].pk}/"),
            "replace rita by nina": lambda: organizer.patch(
                url, {"participant_ids": [people["paul"].pk, people["nina"].pk]}
            ),
            "paul accepts": lambda: api_as(people["paul"]).post(
                url + "rsvp/", {"status": "accepted", "comment": "Gladly"}
            ),
            "bulk cancel": lambda: organizer.post(
                "/api/meetings/bulk-status/", {"ids": [meeting.pk], "status": "cancelled"}
            ),
        }[action]()
    # then
    assert response.status_code < 300
    new = Notification.objects.exclude(pk__in=before)
    got = {}
    for username, kind in new.values_list("recipient__username", "kind"):
        got.setdefault(username, []).append(kind)
    assert got == expected


def test_messages_say_what_happened(people, meeting, api_as, committed):
    with committed():
        api_as(people["paul"]).post(
            f"/api/meetings/{meeting.pk}/rsvp/", {"status": "tentative", "comment": "If I can"}
        )
        api_as(people["olga"]).post(f"/api/meetings/{meeting.pk}/cancel/", {"reason": "Ill"})

    assert received(people["olga"], "rsvp") == [
        "paul may come to “Roadmap” on Wed 1 Jul 2026, 08:00 (UTC). “If I can”"
    ]
    assert received(people["rita"], "cancelled") == [
        "Olga Ng cancelled “Roadmap” on Wed 1 Jul 2026, 17:00 (Asia/Tokyo). Reason: Ill"
    ]


def test_delivering_an_event_again_changes_nothing(people, meeting):
    event = Event.objects.get()
    notifications, emails = Notification.objects.count(), len(mail.outbox)

    # a redelivered message: the event is already delivered
    assert tasks.deliver_event(str(event.pk)) is False
    # even if the delivery was never recorded as finished
    Event.objects.filter(pk=event.pk).update(delivered_at=None)
    assert tasks.deliver_event(str(event.pk)) is True

    assert Notification.objects.count() == notifications
    assert len(mail.outbox) == emails


def test_a_deleted_meetings_notice_keeps_its_message_and_loses_the_link(
    people, meeting, api_as, committed
):
    with committed():
        api_as(people["olga"]).delete(f"/api/meetings/{meeting.pk}/")

    notice = Notification.objects.get(recipient=people["paul"], kind="cancelled")
    assert notice.meeting_id is None
    assert "deleted “Roadmap”" in notice.message


def test_a_broker_outage_at_commit_loses_nothing(people, api_as, committed, monkeypatch):
    # given: publishing fails as it does with the broker down
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to broker")

    monkeypatch.setattr(tasks.deliver_event, "apply_async", broker_down)
    monkeypatch.setattr(tasks.settings, "CELERY_TASK_ALWAYS_EAGER", False)
    tasks._broker._open_until = 0
    # when
    with committed():
        response = api_as(people["olga"]).post(
            "/api/meetings/",
            {
                "title": "During the outage",
                "start_time": "2026-07-01T08:00:00Z",
                "end_time": "2026-07-01T09:00:00Z",
                "participant_ids": [people["paul"].pk],
            },
        )
    # then: the request succeeded, and the event waits in the outbox
    assert response.status_code == 201
    assert Notification.objects.count() == 0
    assert tasks._broker.is_open
    monkeypatch.undo()
    tasks._broker._open_until = 0
    # once the broker is back, the sweep delivers it
    later = timezone.now() + delivery.SWEEP_AFTER + timedelta(seconds=1)
    for event_id in delivery.events_due_for_sweep(now=later):
        tasks.deliver_event(event_id)
    assert received(people["paul"], "invitation") != []
    assert delivery.events_due_for_sweep(now=later) == []


def test_the_sweep_leaves_young_and_delivered_events_alone(people, meeting):
    now = timezone.now()
    Event.objects.create(kind="rsvp", recipient_ids=[people["olga"].pk])  # just happened

    assert delivery.events_due_for_sweep(now=now) == []
    assert len(delivery.events_due_for_sweep(now=now + timedelta(minutes=5))) == 1


def test_an_event_that_keeps_failing_is_given_up_after_a_bound(people, monkeypatch):
    event = Event.objects.create(kind="rsvp", recipient_ids=[people["olga"].pk])

    def broken(event):
        raise ValueError("a bug")

    monkeypatch.setattr(delivery, "_create_notifications", broken)
    for _ in range(delivery.MAX_ATTEMPTS):
        with pytest.raises(ValueError, match="a bug"):
            tasks.deliver_event(str(event.pk))
    assert tasks.deliver_event(str(event.pk)) is False

    event.refresh_from_db()
    assert event.failed_at is not None
    assert event.attempts == delivery.MAX_ATTEMPTS + 1
    assert "a bug" in event.last_error


def test_delivery_costs_the_same_queries_for_two_or_a_hundred_people():
    # (Past 111 rows SQLite gets one more INSERT per 111: Django keeps to its 999 parameters.)
    counts = []
    for size in (2, 100):
        organizer = UserFactory()
        meeting = MeetingFactory(created_by=organizer)
        guests = UserFactory.create_batch(size)
        for guest in guests:
            ParticipantFactory(meeting=meeting, user=guest)
        event = Event.objects.create(
            kind="meeting_created",
            meeting_id=meeting.pk,
            actor_id=organizer.pk,
            recipient_ids=[g.pk for g in guests],
            payload={"title": "Big", "start_time": meeting.start_time.isoformat()},
        )
        with CaptureQueriesContext(connection) as queries:
            tasks.deliver_event(str(event.pk))
        counts.append(len(queries))
        assert Notification.objects.filter(event=event).count() == size
    assert counts[0] == counts[1]


def test_people_without_an_email_address_get_the_notification_only(people, api_as, committed):
    silent = UserFactory(email="")
    with committed():
        api_as(people["olga"]).post(
            "/api/meetings/",
            {
                "title": "Quiet",
                "start_time": "2026-07-01T08:00:00Z",
                "end_time": "2026-07-01T09:00:00Z",
                "participant_ids": [silent.pk],
            },
        )

    notice = Notification.objects.get(recipient=silent)
    assert notice.emailed_at is not None
    assert mail.outbox == []
