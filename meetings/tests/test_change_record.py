"""Every write path leaves its changes in the record, with who made them and from where.

One test per path: the API's writes, its bulk requests (bulk_create, QuerySet.update), the
admin's form and actions, recurring series (bulk_create or COPY, raw deletes), the nightly task,
and people deleted with their meetings. Read through meetings.changes.history, as the endpoint
and the admin read it.
"""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings import tasks
from meetings.changes.history import change_fields
from meetings.changes.models import MeetingChange
from meetings.models import Meeting, Participant, Series
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from meetings.tests.test_admin_writes import change_form, meeting_form

pytestmark = pytest.mark.django_db

T0 = datetime(2031, 3, 3, 9, tzinfo=UTC)  # a Monday
BY_API = "api"


def recorded(**filters) -> list[MeetingChange]:
    return list(MeetingChange.objects.filter(**filters).order_by("id"))


def summary(change: MeetingChange) -> tuple:
    return (change.subject, change.action, change.meeting_id, change.user_id)


def by(change: MeetingChange) -> tuple:
    return (change.actor_id, change.actor, change.source)


@pytest.fixture
def olga():
    return UserFactory(username="olga", timezone="UTC")


@pytest.fixture
def paul():
    return UserFactory(username="paul", timezone="UTC")


@pytest.fixture
def meeting(olga, paul):
    meeting = MeetingFactory(
        created_by=olga, title="Roadmap", start_time=T0, end_time=T0 + timedelta(hours=1)
    )
    ParticipantFactory(meeting=meeting, user=paul)
    return meeting


def since(mark: int, **filters) -> list[MeetingChange]:
    return recorded(pk__gt=mark, **filters)


def last_id() -> int:
    return MeetingChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


# -- the API ---------------------------------------------------------------------------------


def test_api_create(api_as, olga, paul):
    # when
    response = api_as(olga).post(
        "/api/meetings/",
        {
            "title": "Kick-off",
            "start_time": "2031-03-03T09:00:00Z",
            "end_time": "2031-03-03T10:00:00Z",
            "participant_ids": [paul.pk],
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    meeting_id = response.json()["id"]
    made, invited = recorded(meeting_id=meeting_id)
    assert summary(made) == ("meeting", "created", meeting_id, None)
    assert summary(invited) == ("participant", "created", meeting_id, paul.pk)
    assert by(made) == by(invited) == (olga.pk, "olga", BY_API)
    fields = change_fields(made)
    assert fields["title"] == {"before": None, "after": "Kick-off"}
    assert fields["start_time"] == {"before": None, "after": T0}
    assert fields["created_by_id"] == {"before": None, "after": olga.pk}


def test_api_patch(api_as, olga, meeting):
    mark = last_id()

    response = api_as(olga).patch(
        f"/api/meetings/{meeting.pk}/",
        {"title": "Roadmap 2032", "start_time": "2031-03-03T10:00:00Z",
         "end_time": "2031-03-03T11:00:00Z"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    [moved, *answers_reset] = since(mark)
    assert summary(moved) == ("meeting", "updated", meeting.pk, None)
    assert by(moved) == (olga.pk, "olga", BY_API)
    assert change_fields(moved) == {
        "title": {"before": "Roadmap", "after": "Roadmap 2032"},
        "start_time": {"before": T0, "after": T0 + timedelta(hours=1)},
        "end_time": {"before": T0 + timedelta(hours=1), "after": T0 + timedelta(hours=2)},
    }
    # moving asks everyone again: any answer reset is recorded as olga's too
    assert all(by(change) == by(moved) for change in answers_reset)


def test_api_cancel(api_as, olga, meeting):
    mark = last_id()

    response = api_as(olga).post(
        f"/api/meetings/{meeting.pk}/cancel/", {"reason": "Snow"}, format="json"
    )

    assert response.status_code == 200, response.content
    [cancelled] = since(mark)
    assert by(cancelled) == (olga.pk, "olga", BY_API)
    assert change_fields(cancelled) == {
        "status": {"before": "scheduled", "after": "cancelled"},
        "cancellation_reason": {"before": "", "after": "Snow"},
    }


def test_api_delete(api_as, olga, paul, meeting):
    mark = last_id()

    response = api_as(olga).delete(f"/api/meetings/{meeting.pk}/")

    assert response.status_code == 204
    changes = since(mark)
    assert sorted(summary(c) for c in changes) == [
        ("meeting", "deleted", meeting.pk, None),
        ("participant", "deleted", meeting.pk, paul.pk),
    ]
    assert {by(c) for c in changes} == {(olga.pk, "olga", BY_API)}
    gone = next(c for c in changes if c.subject == "meeting")
    assert change_fields(gone)["title"] == {"before": "Roadmap", "after": None}


def test_api_rsvp_is_the_invitees_not_the_organizers(api_as, paul, meeting):
    mark = last_id()

    response = api_as(paul).post(
        f"/api/meetings/{meeting.pk}/rsvp/", {"status": "declined", "comment": "Away"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    [answer] = since(mark)
    assert summary(answer) == ("participant", "updated", meeting.pk, paul.pk)
    assert by(answer) == (paul.pk, "paul", BY_API)
    fields = change_fields(answer)
    assert fields["status"] == {"before": "needs_action", "after": "declined"}
    assert fields["comment"] == {"before": "", "after": "Away"}
    assert fields["responded_at"]["before"] is None


def test_api_participant_add_and_remove(api_as, olga, meeting):
    ann = UserFactory(username="ann")
    client = api_as(olga)
    mark = last_id()

    added = client.post(f"/api/meetings/{meeting.pk}/participants/", {"user_id": ann.pk})
    removed = client.delete(f"/api/meetings/{meeting.pk}/participants/{ann.pk}/")

    assert (added.status_code, removed.status_code) == (201, 204)
    invited, withdrawn = since(mark)
    assert summary(invited) == ("participant", "created", meeting.pk, ann.pk)
    assert summary(withdrawn) == ("participant", "deleted", meeting.pk, ann.pk)
    assert by(invited) == by(withdrawn) == (olga.pk, "olga", BY_API)


def test_api_bulk_create(api_as, olga, paul):
    items = [
        {"title": f"Item {n}", "start_time": (T0 + timedelta(days=n)).isoformat(),
         "end_time": (T0 + timedelta(days=n, hours=1)).isoformat(), "participant_ids": [paul.pk]}
        for n in range(3)
    ]  # fmt: skip

    response = api_as(olga).post("/api/meetings/bulk/", items, format="json")

    assert response.status_code == 201, response.content
    ids = [m["id"] for m in response.json()]
    changes = recorded(meeting_id__in=ids)
    assert sorted(summary(c) for c in changes) == sorted(
        [("meeting", "created", i, None) for i in ids]
        + [("participant", "created", i, paul.pk) for i in ids]
    )
    assert {by(c) for c in changes} == {(olga.pk, "olga", BY_API)}


def test_api_bulk_status_one_update_many_rows(api_as, olga):
    meetings = MeetingFactory.create_batch(3, created_by=olga)
    mark = last_id()

    response = api_as(olga).post(
        "/api/meetings/bulk-status/",
        {"ids": [m.pk for m in meetings], "status": "cancelled"},
        format="json",
    )

    assert response.json() == {"updated": 3}
    changes = since(mark)
    assert sorted(c.meeting_id for c in changes) == sorted(m.pk for m in meetings)
    assert {by(c) for c in changes} == {(olga.pk, "olga", BY_API)}
    assert {str(change_fields(c)["status"]) for c in changes} == {
        str({"before": "scheduled", "after": "cancelled"})
    }


# -- the admin -------------------------------------------------------------------------------


def admin_user():
    from accounts.models import User

    return User.objects.get(username="admin")


def test_admin_add_form_with_two_people(admin_client, olga, paul):
    ann = UserFactory(username="ann")
    data = meeting_form(organizer=olga, title="From the admin", start=T0, invite=[paul, ann])

    response = admin_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 302
    meeting = Meeting.objects.get(title="From the admin")
    changes = recorded(meeting_id=meeting.pk)
    assert sorted(summary(c) for c in changes) == [
        ("meeting", "created", meeting.pk, None),
        ("participant", "created", meeting.pk, paul.pk),
        ("participant", "created", meeting.pk, ann.pk),
    ]
    staff = admin_user()
    assert {by(c) for c in changes} == {(staff.pk, "admin", "admin")}


def test_admin_change_form_answers_for_one_and_withdraws_another(admin_client, meeting, paul):
    ann = ParticipantFactory(meeting=meeting, user=UserFactory(username="ann"))
    answered = Participant.objects.get(meeting=meeting, user=paul)
    mark = last_id()
    data = change_form(meeting, answer=[answered], withdraw=[ann])

    response = admin_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 302
    changes = since(mark)
    assert {summary(c)[:2] + (c.user_id,) for c in changes} >= {
        ("meeting", "updated", None),
        ("participant", "updated", paul.pk),
        ("participant", "deleted", ann.user_id),
    }
    assert {by(c) for c in changes} == {(admin_user().pk, "admin", "admin")}
    moved = next(c for c in changes if c.subject == "meeting")
    assert change_fields(moved)["title"] == {"before": "Roadmap", "after": "Roadmap, moved"}
    answer = next(c for c in changes if c.user_id == paul.pk)
    assert change_fields(answer)["status"] == {"before": "needs_action", "after": "accepted"}


def test_admin_action_cancel_selected(admin_client, olga):
    meetings = MeetingFactory.create_batch(2, created_by=olga)
    mark = last_id()

    admin_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "cancel_selected", "_selected_action": [m.pk for m in meetings]},
    )

    changes = since(mark)
    assert sorted(c.meeting_id for c in changes) == sorted(m.pk for m in meetings)
    assert {by(c) for c in changes} == {(admin_user().pk, "admin", "admin")}
    assert {change_fields(c)["status"]["after"] for c in changes} == {"cancelled"}


def test_admin_action_delete_selected(admin_client, meeting, paul):
    mark = last_id()

    response = admin_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "delete_selected", "_selected_action": [meeting.pk], "post": "yes"},
    )

    assert response.status_code == 302
    changes = since(mark)
    assert sorted(summary(c) for c in changes) == [
        ("meeting", "deleted", meeting.pk, None),
        ("participant", "deleted", meeting.pk, paul.pk),
    ]
    assert {by(c) for c in changes} == {(admin_user().pk, "admin", "admin")}


def test_admin_action_cancel_series(admin_client, api_as, olga):
    series_id = make_series(api_as(olga), weeks=3)
    mark = last_id()

    admin_client.post(
        reverse("admin:meetings_series_changelist"),
        {"action": "cancel_series", "_selected_action": [series_id]},
    )

    changes = since(mark)
    assert len(changes) == 3
    assert {c.series_id for c in changes} == {series_id}
    assert {by(c) for c in changes} == {(admin_user().pk, "admin", "admin")}
    assert {change_fields(c)["status"]["after"] for c in changes} == {"cancelled"}


# -- recurring meetings ----------------------------------------------------------------------


def make_series(client, *, weeks: int, participant_ids=(), recurrence=None) -> int:
    response = client.post(
        "/api/meetings/",
        {
            "title": "Stand-up",
            "start_time": T0.isoformat(),
            "end_time": (T0 + timedelta(minutes=30)).isoformat(),
            "participant_ids": list(participant_ids),
            "recurrence": recurrence or [f"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT={weeks}"],
            "time_zone": "UTC",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["series_id"]


def test_series_create_bulk_create_or_copy(api_as, olga, paul):
    # given: on PostgreSQL the occurrences and their invitations are COPYed in
    series_id = make_series(api_as(olga), weeks=4, participant_ids=[paul.pk])

    changes = recorded(series_id=series_id)
    assert (
        sorted(summary(c)[:2] for c in changes)
        == [("meeting", "created")] * 4 + [("participant", "created")] * 4
    )
    assert {by(c) for c in changes} == {(olga.pk, "olga", BY_API)}, connection.vendor
    made = next(c for c in changes if c.subject == "meeting")
    assert change_fields(made)["series_id"] == {"before": None, "after": series_id}


def occurrence_ids(series_id: int) -> list[int]:
    rows = Meeting.objects.filter(series_id=series_id).order_by("original_start_time")
    return list(rows.values_list("pk", flat=True))


def test_scope_all_edit(api_as, olga):
    client = api_as(olga)
    series_id = make_series(client, weeks=3)
    first = occurrence_ids(series_id)[0]
    mark = last_id()

    response = client.patch(
        f"/api/meetings/{first}/?scope=all", {"location": "Terrace"}, format="json"
    )

    assert response.status_code == 200, response.content
    changes = since(mark, subject="meeting")
    assert len(changes) == 3
    assert {by(c) for c in changes} == {(olga.pk, "olga", BY_API)}
    assert {str(change_fields(c)["location"]) for c in changes} == {
        str({"before": "", "after": "Terrace"})
    }


def test_scope_following_delete_raw_deletes(api_as, olga, paul):
    # given: the last two of four occurrences go through _occurrences_delete's raw deletes
    client = api_as(olga)
    series_id = make_series(client, weeks=4, participant_ids=[paul.pk])
    ids = occurrence_ids(series_id)
    mark = last_id()

    response = client.delete(f"/api/meetings/{ids[2]}/?scope=following")

    assert response.status_code == 204
    changes = since(mark, action="deleted")
    assert sorted(summary(c) for c in changes) == sorted(
        [("meeting", "deleted", i, None) for i in ids[2:]]
        + [("participant", "deleted", i, paul.pk) for i in ids[2:]]
    )
    assert {by(c) for c in changes} == {(olga.pk, "olga", BY_API)}


def test_scope_following_rsvp_by_the_invitee(api_as, olga, paul):
    series_id = make_series(api_as(olga), weeks=3, participant_ids=[paul.pk])
    ids = occurrence_ids(series_id)
    mark = last_id()

    response = api_as(paul).post(
        f"/api/meetings/{ids[1]}/rsvp/?scope=following", {"status": "accepted"}, format="json"
    )

    assert response.status_code == 200, response.content
    changes = since(mark)
    assert sorted(summary(c) for c in changes) == [
        ("participant", "updated", i, paul.pk) for i in ids[1:]
    ]
    assert {by(c) for c in changes} == {(paul.pk, "paul", BY_API)}


def test_the_nightly_extension_is_the_tasks(api_as, olga):
    # given: an unbounded daily series, made SERIES_MAX_OCCURRENCES ahead
    series_id = make_series(api_as(olga), weeks=0, recurrence=["RRULE:FREQ=DAILY"])
    made = len(occurrence_ids(series_id))
    mark = last_id()

    # when: days later, the task makes the days that came inside its reach
    later = T0 + timedelta(days=2, hours=1)
    with mock.patch("meetings.tasks.timezone.now", return_value=later):
        extended = tasks.extend_series.apply().get()

    # then
    changes = since(mark)
    assert extended == len(changes) > 0
    assert len(occurrence_ids(series_id)) == made + extended
    assert {summary(c)[:2] for c in changes} == {("meeting", "created")}
    assert {by(c) for c in changes} == {(None, "meetings.tasks.extend_series", "task")}


def test_the_reminder_task_writes_no_meeting_and_records_nothing(meeting, paul):
    mark = last_id()

    with mock.patch("meetings.tasks.timezone.now", return_value=T0 - timedelta(minutes=10)):
        tasks.send_due_reminders.apply().get()

    assert since(mark) == []


# -- people deleted, and writes that change nothing ------------------------------------------


def test_deleting_a_person_records_their_meetings_and_invitations_deleted(
    admin_client, olga, paul, meeting
):
    # given: paul organizes a meeting of his own and is invited to olga's
    own = MeetingFactory(created_by=paul, title="Paul's")
    mark = last_id()

    # when: staff delete paul
    response = admin_client.post(
        reverse("admin:accounts_user_delete", args=[paul.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 302
    changes = since(mark)
    assert sorted(summary(c) for c in changes) == sorted(
        [("meeting", "deleted", own.pk, None), ("participant", "deleted", meeting.pk, paul.pk)]
    )
    assert {by(c) for c in changes} == {(admin_user().pk, "admin", "admin")}


def test_a_person_deleted_outside_any_request_is_the_systems(paul, meeting):
    mark, paul_id = last_id(), paul.pk

    paul.delete()

    [withdrawn] = since(mark)
    assert summary(withdrawn) == ("participant", "deleted", meeting.pk, paul_id)
    assert by(withdrawn) == (None, "", "system")


def test_a_save_that_changes_nothing_records_nothing(meeting):
    mark = last_id()

    meeting.save()  # only updated_at moves
    meeting.save(update_fields=["updated_at"])
    Participant.objects.filter(meeting=meeting).update(status="needs_action")  # as it was

    assert since(mark) == []


def test_a_dry_run_leaves_no_record(api_as, olga, meeting):
    mark = last_id()

    response = api_as(olga).delete(f"/api/meetings/{meeting.pk}/?dry_run=true")

    assert response.status_code == 200
    assert since(mark) == []


def test_series_rows_are_plain_ids_kept_after_the_series_goes(api_as, olga):
    series_id = make_series(api_as(olga), weeks=2)

    Series.objects.filter(pk=series_id).delete()

    assert len(recorded(series_id=series_id, action="deleted", subject="meeting")) == 2


def test_rows_copied_in_first_in_a_transaction_are_still_the_actors(olga, paul):
    # given: COPY on PostgreSQL goes past Django's execute wrappers, which tell the database
    # who acts; here no other write in the transaction has told it first
    from meetings.copy_loader import insert_rows
    from scheduler.audit import Actor, acting_as

    meeting = MeetingFactory(created_by=olga)
    mark = last_id()

    # when
    with transaction.atomic(), acting_as(Actor(id=olga.pk, label="olga", source="task")):
        insert_rows(Participant, [{"meeting_id": meeting.pk, "user_id": paul.pk}])

    # then
    [invited] = since(mark)
    assert summary(invited) == ("participant", "created", meeting.pk, paul.pk)
    assert by(invited) == (olga.pk, "olga", "task")
