"""Staff in the admin and people in the API at the same moment, on PostgreSQL: rooms are locked
in one order everywhere, and a booking made while a room is deleted keeps the room."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings.admin import MeetingAdminForm
from meetings.models import Meeting, Room
from meetings.services.lifecycle import meeting_create
from meetings.tests.factories import MeetingFactory, RoomFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def held_open(work, then=lambda: None):
    """Run work() in a thread, inside a transaction kept open until the returned finish(),
    which lets it run then() and commit."""
    inside, release, failures = threading.Event(), threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                work()
                inside.set()
                release.wait(10)
                then()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
            inside.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    inside.wait(10)

    def finish():
        release.set()
        thread.join()
        return failures

    return finish


def in_thread(call):
    results = {}

    def run():
        try:
            results["response"] = call()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results


def test_a_room_booked_while_staff_delete_it_is_kept_with_a_message(admin_client):
    # given: a booking under way, its transaction still open
    room, organizer = RoomFactory(), UserFactory()
    finish = held_open(
        lambda: meeting_create(
            organizer=organizer,
            title="Just booked",
            start_time=NINE,
            end_time=NINE + timedelta(hours=1),
            room_id=room.pk,
        )
    )
    # when: staff confirm the room's deletion, and then the booking commits
    url = reverse("admin:meetings_room_delete", args=[room.pk])
    thread, results = in_thread(lambda: admin_client.post(url, {"post": "yes"}))
    time.sleep(0.5)
    assert finish() == []
    thread.join()
    # then
    response = results["response"]
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:meetings_room_change", args=[room.pk])
    assert Room.objects.filter(pk=room.pk).exists()
    assert Meeting.objects.get().room_id == room.pk


def test_the_admin_form_and_an_api_change_of_one_booked_meeting_do_not_deadlock(api_as):
    # given: staff have submitted the change form (validated, room checked), not yet saved
    room = RoomFactory()
    meeting = MeetingFactory(room=room, start_time=NINE, end_time=NINE + timedelta(hours=1))
    form_data = {
        "title": "Renamed by staff",
        "description": "",
        "location": "",
        "start_time": "2026-03-02 09:00:00",
        "end_time": "2026-03-02 10:00:00",
        "created_by": meeting.created_by_id,
        "room": room.pk,
        "status": "scheduled",
        "cancellation_reason": "",
    }
    form = MeetingAdminForm(form_data, instance=Meeting.objects.get(pk=meeting.pk))

    def validate_then_save_later():
        assert form.is_valid(), form.errors

    finish = held_open(validate_then_save_later, then=form.save)
    # when: the organizer moves it through the API meanwhile
    client = api_as(meeting.created_by)
    end = (NINE + timedelta(hours=2)).isoformat()
    thread, results = in_thread(
        lambda: client.patch(f"/api/meetings/{meeting.pk}/", {"end_time": end})
    )
    time.sleep(0.5)
    assert finish() == []
    thread.join()
    # then: the API waited for the staff's transaction, and neither failed
    assert results["response"].status_code == 200, results["response"].content
    meeting.refresh_from_db()
    assert (meeting.title, meeting.end_time) == ("Renamed by staff", NINE + timedelta(hours=2))
