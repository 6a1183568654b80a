"""Concurrent requests on one meeting (threads with their own connections, real commits). The
service is held at its entry until both requests are inside, so they truly overlap; the row
lock each write service takes then runs them one after the other. None may end in a 500."""

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from meetings.api import views
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory
from notifications.models import Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def together(calls, service_name):
    """Run the calls in threads that all enter `service_name` at the same moment."""
    barrier = threading.Barrier(len(calls), timeout=10)
    original = getattr(views, service_name)
    results = [None] * len(calls)

    def gated(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    def run(index, call):
        try:
            results[index] = call()
        finally:
            connection.close()

    with mock.patch(f"meetings.api.views.{service_name}", side_effect=gated):
        threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results


def first_then(first, second, service_name):
    """Let `second` run completely while `first` waits inside `service_name`."""
    inside, go_on, results = threading.Event(), threading.Event(), {}
    original = getattr(views, service_name)

    def held(*args, **kwargs):
        inside.set()
        go_on.wait(10)
        return original(*args, **kwargs)

    def run():
        try:
            results["first"] = first()
        finally:
            connection.close()

    with mock.patch(f"meetings.api.views.{service_name}", side_effect=held):
        thread = threading.Thread(target=run)
        thread.start()
        inside.wait(10)
        results["second"] = second()
        go_on.set()
        thread.join()
    return results["first"], results["second"]


@pytest.fixture
def meeting():
    organizer = UserFactory(timezone="UTC")
    return MeetingFactory(created_by=organizer, start_time=T0, end_time=T0 + timedelta(hours=1))


def client(api_as, user):
    made = api_as(user)
    made.raise_request_exception = False
    return made


def test_two_edits_that_are_each_valid_but_not_together(api_as, meeting):
    a, b = client(api_as, meeting.created_by), client(api_as, meeting.created_by)
    url = f"/api/meetings/{meeting.pk}/"

    responses = together(
        [
            lambda: a.patch(url, {"start_time": "2026-03-02T10:45:00Z"}),
            lambda: b.patch(url, {"end_time": "2026-03-02T10:30:00Z"}),
        ],
        "occurrence_update",
    )

    assert sorted(r.status_code for r in responses) == [200, 400]
    meeting.refresh_from_db()
    assert meeting.end_time > meeting.start_time


@pytest.mark.parametrize(
    ("service_name", "method", "path", "body"),
    [
        ("occurrence_update", "patch", "", {"title": "new"}),
        ("occurrence_cancel", "post", "cancel/", {"reason": "x"}),
        ("participant_add", "post", "participants/", {"user_id": "{guest}"}),
    ],
)
def test_a_change_to_a_meeting_deleted_meanwhile_is_a_404(
    api_as, meeting, service_name, method, path, body
):
    guest = UserFactory()
    body = {k: guest.pk if v == "{guest}" else v for k, v in body.items()}
    a, b = client(api_as, meeting.created_by), client(api_as, meeting.created_by)
    url = f"/api/meetings/{meeting.pk}/"

    changed, deleted = first_then(
        lambda: getattr(a, method)(url + path, body), lambda: b.delete(url), service_name
    )

    assert deleted.status_code == 204
    assert changed.status_code == 404
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert not Participant.objects.filter(meeting_id=meeting.pk).exists()


def test_a_double_click_invites_once_and_tells_once(api_as, meeting):
    guest = UserFactory()
    a, b = client(api_as, meeting.created_by), client(api_as, meeting.created_by)
    url = f"/api/meetings/{meeting.pk}/participants/"

    responses = together(
        [lambda: a.post(url, {"user_id": guest.pk}), lambda: b.post(url, {"user_id": guest.pk})],
        "participant_add",
    )

    assert sorted(r.status_code for r in responses) == [200, 201]
    assert Participant.objects.filter(meeting=meeting, user=guest).count() == 1
    assert Event.objects.filter(kind="participant_added", meeting_id=meeting.pk).count() == 1
