from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from scheduler.audit import without_context
from testsupport.admin_datasets import assert_fixed_queries

pytestmark = pytest.mark.django_db

MEETINGS = reverse("admin:meetings_meeting_changelist")
PARTICIPANTS = reverse("admin:meetings_participant_changelist")
ROOMS = reverse("admin:meetings_room_changelist")


@pytest.mark.parametrize(
    ("url_for", "expected"),
    [
        # session, user, count, page, participant counts, date hierarchy's MIN/MAX
        (lambda data: MEETINGS, 6),
        (lambda data: MEETINGS + "?q=meeting", 6),
        (lambda data: MEETINGS + "?status__exact=cancelled&start_time__year=2026", 6),
        (lambda data: MEETINGS + "?o=-3.2", 6),  # by organizer, then start
        (lambda data: MEETINGS + "?p=2", 6),
        (lambda data: reverse("admin:meetings_meeting_add"), 2),
        # ... and the booked room, for its autocomplete box
        (lambda data: reverse("admin:meetings_meeting_change", args=[data.focus.pk]), 6),
        (lambda data: PARTICIPANTS, 4),
        (lambda data: PARTICIPANTS + "?status__exact=needs_action&q=person", 4),
        (lambda data: reverse("admin:meetings_participant_add"), 2),
        # session, user, count, full count, page
        (lambda data: ROOMS, 5),
        (lambda data: ROOMS + "?q=room", 5),
        # session, user, the room, its next bookings with their organizers
        (lambda data: reverse("admin:meetings_room_change", args=[data.focus.room_id]), 4),
        (
            lambda data: (
                reverse("admin:autocomplete")
                + "?app_label=meetings&model_name=meeting&field_name=room&term=room"
            ),
            4,
        ),
        (
            lambda data: reverse(
                "admin:meetings_participant_change", args=[data.focus.participants.last().pk]
            ),
            3,  # the meeting and person are read-only: no autocomplete widget reads them
        ),
        (
            lambda data: (
                reverse("admin:autocomplete")
                + "?app_label=meetings&model_name=participant&field_name=meeting&term=meet"
            ),
            4,
        ),
    ],
)
def test_meeting_admin_pages_run_a_fixed_number_of_queries(
    admin_client, admin_dataset, url_for, expected
):
    assert_fixed_queries(admin_client, admin_dataset, url_for, expected)


def test_changelist_shows_each_meeting_with_organizer_and_participant_count(
    admin_client, admin_dataset
):
    admin_dataset.grow(30)

    response = admin_client.get(MEETINGS + "?q=Focus")

    focus = response.context["cl"].result_list[0]
    assert focus.n_participants == 30
    assert '<td class="field-participant_count">30</td>' in response.text
    assert f">{admin_dataset.organizer}<" in response.text


def test_change_page_lists_every_participant_without_a_query_each(admin_client, admin_dataset):
    admin_dataset.grow(200)
    url = reverse("admin:meetings_meeting_change", args=[admin_dataset.focus.pk])

    response = admin_client.get(url)

    participants, invite = response.context["inline_admin_formsets"]
    assert participants.formset.total_form_count() == 200
    assert invite.formset.total_form_count() == 3  # empty invitation rows


def test_cancel_action_is_one_update_and_spares_other_meetings(
    admin_client, django_assert_num_queries
):
    # given
    selected = [ParticipantFactory().meeting for _ in range(3)]
    already = MeetingFactory(status=Meeting.Status.CANCELLED)
    untouched = MeetingFactory()
    pks = [m.pk for m in [*selected, already]]
    admin_client.get(MEETINGS)  # warm the content type cache
    # when: session, user, the selected rows, SAVEPOINT, which of them are scheduled, one
    # UPDATE, their participants, INSERT the events, RELEASE
    with django_assert_num_queries(9) as queries:
        response = admin_client.post(
            MEETINGS, {"action": "cancel_selected", "_selected_action": pks}, follow=False
        )
    # then
    assert response.status_code == 302
    updates = [
        q["sql"] for q in queries.captured_queries if without_context(q["sql"]).startswith("UPDATE")
    ]
    assert len(updates) == 1
    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert {statuses[pk] for pk in pks} == {Meeting.Status.CANCELLED}
    assert statuses[untouched.pk] == Meeting.Status.SCHEDULED


def _meeting_form(organizer, **overrides):
    start = overrides.pop("start", None) or MeetingFactory.build().start_time
    data = {
        "title": "Planning",
        "description": "",
        "location": "Room Ada",
        "start_time_0": start.strftime("%Y-%m-%d"),
        "start_time_1": start.strftime("%H:%M:%S"),
        "end_time_0": (start + timedelta(hours=1)).strftime("%Y-%m-%d"),
        "end_time_1": (start + timedelta(hours=1)).strftime("%H:%M:%S"),
        "created_by": organizer.pk,
        "status": "scheduled",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "participants-2-TOTAL_FORMS": "0",
        "participants-2-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_staff_create_a_meeting_and_invite_people_from_the_admin(admin_client):
    organizer, alice, bob = UserFactory.create_batch(3)
    data = _meeting_form(
        organizer,
        **{
            "participants-TOTAL_FORMS": "2",
            "participants-0-user": alice.pk,
            "participants-0-status": "needs_action",
            "participants-1-user": bob.pk,
            "participants-1-status": "accepted",
        },
    )
    response = admin_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 302, response.context["errors"]
    meeting = Meeting.objects.get(title="Planning")
    assert dict(meeting.participants.values_list("user_id", "status")) == {
        alice.pk: "needs_action",
        bob.pk: "accepted",
    }


def test_admin_form_rejects_an_end_before_the_start_without_saving(admin_client):
    organizer = UserFactory()
    data = _meeting_form(organizer)
    data["end_time_0"], data["end_time_1"] = data["start_time_0"], data["start_time_1"]

    response = admin_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "end_time": ["A meeting must end after it starts."]
    }
    assert not Meeting.objects.exists()


def test_inviting_someone_already_invited_is_a_form_error_not_a_500(admin_client):
    participant = ParticipantFactory()
    meeting = participant.meeting
    data = _meeting_form(
        meeting.created_by,
        start=meeting.start_time,
        **{
            "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "1",
            "participants-0-id": participant.pk,
            "participants-0-meeting": meeting.pk,
            "participants-0-status": "accepted",
            "participants-2-TOTAL_FORMS": "1",
            "participants-2-0-user": participant.user_id,
            "participants-2-0-status": "needs_action",
        },
    )

    response = admin_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 200
    assert "already invited" in response.text
    assert Participant.objects.filter(meeting=meeting).count() == 1


def test_participant_search_finds_people_by_name_or_email_and_meetings_by_number(admin_client):
    # given
    ada = UserFactory(username="ada.lovelace", email="countess@example.com")
    mine = ParticipantFactory(user=ada)
    other = ParticipantFactory()
    # when
    by_name = admin_client.get(PARTICIPANTS + "?q=lovelace").context["cl"].result_list
    by_email = admin_client.get(PARTICIPANTS + "?q=COUNTESS").context["cl"].result_list
    by_meeting = admin_client.get(PARTICIPANTS + f"?q={other.meeting_id}").context["cl"]
    # then
    assert list(by_name) == [mine]
    assert list(by_email) == [mine]
    assert list(by_meeting.result_list) == [other]


def test_staff_edits_in_the_admin_notify_the_participants(
    admin_client, django_capture_on_commit_callbacks
):
    # given
    from notifications.models import Notification

    participant = ParticipantFactory()
    meeting, newcomer = participant.meeting, UserFactory()
    later = meeting.start_time + timedelta(hours=2)
    data = _meeting_form(
        meeting.created_by,
        start=later,
        **{
            "title": meeting.title,
            "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "1",
            "participants-0-id": participant.pk,
            "participants-0-meeting": meeting.pk,
            "participants-0-status": "needs_action",
            "participants-2-TOTAL_FORMS": "1",
            "participants-2-0-user": newcomer.pk,
            "participants-2-0-status": "needs_action",
        },
    )
    # when: staff move the meeting and invite someone
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:meetings_meeting_change", args=[meeting.pk]), data
        )
    # then
    assert response.status_code == 302
    kinds = dict(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == {participant.user_id: "updated", newcomer.pk: "invitation"}


def test_booking_a_taken_room_in_the_admin_is_a_form_error_naming_the_meeting(admin_client):
    room = RoomFactory(name="Ada")
    organizer = UserFactory()
    data = _meeting_form(organizer, room=room.pk)
    response = admin_client.post(reverse("admin:meetings_meeting_add"), data)
    assert response.status_code == 302, response.context["errors"]
    holder = Meeting.objects.get()

    again = admin_client.post(reverse("admin:meetings_meeting_add"), {**data, "title": "Two"})
    cancelled = admin_client.post(
        reverse("admin:meetings_meeting_add"), {**data, "title": "Off", "status": "cancelled"}
    )

    assert again.status_code == 200
    [error] = again.context["adminform"].form.errors["room"]
    assert error.startswith("Ada is booked from ")
    assert f"(meeting {holder.pk})" in error
    assert cancelled.status_code == 302  # a cancelled meeting holds no room
    assert Meeting.objects.count() == 2


def test_a_rooms_page_lists_its_next_bookings_not_past_or_cancelled_ones(admin_client):
    from django.utils import timezone

    room = RoomFactory(name="Ada")
    now = timezone.now()
    soon = MeetingFactory(
        room=room,
        title="Soon",
        start_time=now + timedelta(hours=1),
        end_time=now + timedelta(hours=2),
    )
    MeetingFactory(
        room=room,
        title="Gone",
        start_time=now - timedelta(hours=2),
        end_time=now - timedelta(hours=1),
    )
    MeetingFactory(
        room=room,
        title="Off",
        start_time=now + timedelta(hours=3),
        end_time=now + timedelta(hours=4),
        status="cancelled",
    )

    page = admin_client.get(reverse("admin:meetings_room_change", args=[room.pk])).content.decode()

    assert reverse("admin:meetings_meeting_change", args=[soon.pk]) in page
    assert "Gone" not in page
    assert "Off" not in page


def test_choosing_one_person_in_two_invitation_rows_is_a_row_error(admin_client):
    # given
    organizer, guest = UserFactory.create_batch(2)
    data = _meeting_form(
        organizer,
        **{
            "participants-TOTAL_FORMS": "2",
            "participants-0-user": guest.pk,
            "participants-0-status": "needs_action",
            "participants-1-user": guest.pk,
            "participants-1-status": "accepted",
        },
    )
    # when
    response = admin_client.post(reverse("admin:meetings_meeting_add"), data)
    # then
    assert response.status_code == 200
    [invitations] = response.context["inline_admin_formsets"]
    assert invitations.formset.forms[1].errors == {"user": ["This person is chosen in two rows."]}
    assert not Meeting.objects.exists()


def _invite_rows(users, prefix="participants") -> dict:
    rows = {f"{prefix}-TOTAL_FORMS": str(len(users))}
    for i, user in enumerate(users):
        rows[f"{prefix}-{i}-user"] = user.pk
        rows[f"{prefix}-{i}-status"] = "needs_action"
    return rows


def test_the_admin_refuses_more_people_than_the_room_seats_as_the_api_does(admin_client, api_as):
    # given: a booth for two, and an organizer who brings two guests
    room = RoomFactory(name="Booth", capacity=2)
    organizer, *guests = UserFactory.create_batch(3)
    # when
    crowded = admin_client.post(
        reverse("admin:meetings_meeting_add"),
        _meeting_form(organizer, room=room.pk, **_invite_rows(guests)),
    )
    fits = admin_client.post(
        reverse("admin:meetings_meeting_add"),
        _meeting_form(organizer, room=room.pk, title="Fits", **_invite_rows(guests[:1])),
    )
    # then: the message on the room field is the API's own
    assert crowded.status_code == 200
    errors = crowded.context["adminform"].form.errors
    api = api_as(organizer).post(
        "/api/meetings/",
        {
            "title": "Same",
            "start_time": "2027-01-04T09:00:00Z",
            "end_time": "2027-01-04T10:00:00Z",
            "room_id": room.pk,
            "participant_ids": [guest.pk for guest in guests],
        },
        format="json",
    )
    assert (
        errors
        == {"room": api.json()["room_id"]}
        == {"room": ["Booth seats 2; this meeting has 3 people."]}
    )
    assert fits.status_code == 302
    assert list(Meeting.objects.values_list("title", flat=True)) == ["Fits"]


def test_a_change_may_swap_people_in_a_full_room_but_not_add_one(admin_client):
    # given: a full booth (the organizer and one guest)
    room = RoomFactory(name="Booth", capacity=2)
    saved = ParticipantFactory(meeting=MeetingFactory(room=room))
    meeting, newcomer = saved.meeting, UserFactory()
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = _meeting_form(
        meeting.created_by,
        start=meeting.start_time,
        room=room.pk,
        **{
            "title": meeting.title,
            "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "1",
            "participants-0-id": saved.pk,
            "participants-0-meeting": meeting.pk,
            "participants-0-status": "needs_action",
            **_invite_rows([newcomer], prefix="participants-2"),
        },
    )
    # when
    more = admin_client.post(url, data)
    swap = admin_client.post(url, {**data, "participants-0-DELETE": "on"})
    # then
    assert more.status_code == 200
    assert more.context["adminform"].form.errors == {
        "room": ["Booth seats 2; this meeting has 3 people."]
    }
    assert swap.status_code == 302
    assert list(meeting.participants.values_list("user_id", flat=True)) == [newcomer.pk]


def test_moving_a_meeting_to_a_smaller_room_counts_its_people(admin_client):
    booth, hall = RoomFactory(name="Booth", capacity=1), RoomFactory(name="Hall", capacity=9)
    saved = ParticipantFactory(meeting=MeetingFactory(room=hall))
    meeting = saved.meeting
    data = _meeting_form(
        meeting.created_by,
        start=meeting.start_time,
        room=booth.pk,
        **{
            "title": meeting.title,
            "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "1",
            "participants-0-id": saved.pk,
            "participants-0-meeting": meeting.pk,
            "participants-0-status": "accepted",
        },
    )

    response = admin_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "room": ["Booth seats 1; this meeting has 2 people."]
    }
    meeting.refresh_from_db()
    assert meeting.room_id == hall.pk
