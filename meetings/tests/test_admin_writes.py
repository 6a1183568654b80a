"""The meeting change form's writes cost a fixed number of queries, however many people its
rows invite, keep, answer for or withdraw (the reads are held in test_admin.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)
ADD = reverse("admin:meetings_meeting_add")


def meeting_form(*, organizer, title, start=NINE, prefix="participants", invite=()) -> dict:
    data = {
        "title": title,
        "description": "",
        "location": "",
        "start_time_0": f"{start:%Y-%m-%d}",
        "start_time_1": f"{start:%H:%M:%S}",
        "end_time_0": f"{start + timedelta(hours=1):%Y-%m-%d}",
        "end_time_1": f"{start + timedelta(hours=1):%H:%M:%S}",
        "created_by": organizer.pk,
        "status": "scheduled",
        f"{prefix}-TOTAL_FORMS": str(len(invite)),
        f"{prefix}-INITIAL_FORMS": "0",
    }
    for i, user in enumerate(invite):
        data[f"{prefix}-{i}-user"] = user.pk
        data[f"{prefix}-{i}-status"] = "needs_action"
    return data


def change_form(meeting, *, answer=(), withdraw=(), invite=()) -> dict:
    """Rows for the saved participants (`answer`: set to accepted; `withdraw`: deleted) and
    new invitations."""
    saved = [*answer, *withdraw]
    data = meeting_form(
        organizer=meeting.created_by,
        title=f"{meeting.title}, moved",
        start=meeting.start_time + timedelta(hours=1),
        prefix="participants-2",
        invite=invite,
    )
    data["participants-TOTAL_FORMS"] = data["participants-INITIAL_FORMS"] = str(len(saved))
    for i, participant in enumerate(saved):
        data[f"participants-{i}-id"] = participant.pk
        data[f"participants-{i}-meeting"] = meeting.pk
        data[f"participants-{i}-status"] = "accepted"
        if participant in withdraw:
            data[f"participants-{i}-DELETE"] = "on"
    return data


def post_counting(client, url, data, on_commit) -> tuple[int, int, str]:
    """The queries of the request itself, those run once it commits (cache flush, and the
    invitations delivered in-process, as Celery is eager here), and the request's SQL."""
    with (
        CaptureQueriesContext(connection) as everything,
        on_commit(execute=True),
        CaptureQueriesContext(connection) as request,
    ):
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    sql = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(request.captured_queries, 1))
    return len(request), len(everything) - len(request), sql


@pytest.fixture
def warm(admin_client):
    ContentType.objects.get_for_model(Meeting)  # the admin log's, cached per process


def test_adding_a_meeting_costs_the_same_for_1_and_20_people(
    admin_client, warm, django_capture_on_commit_callbacks
):
    # given
    organizer = UserFactory()
    counts = {}
    for size in (1, 20):
        people = UserFactory.create_batch(size)
        data = meeting_form(organizer=organizer, title=f"For {size}", invite=people)
        # when
        counts[size] = post_counting(admin_client, ADD, data, django_capture_on_commit_callbacks)
        # then
        meeting = Meeting.objects.get(title=f"For {size}")
        assert set(meeting.participants.values_list("user_id", flat=True)) == {
            person.pk for person in people
        }
    # session, user; SAVEPOINT; organizer (form field, model check); CHECK constraint
    # (SAVEPOINT, check, RELEASE); the invited people; INSERT the meeting; INSERT the rows;
    # invitees for the event; INSERT the event; the admin log; RELEASE
    assert counts[1][:2] == counts[20][:2], counts[20][2]
    assert counts[20][0] == 15, counts[20][2]


def test_changing_a_meeting_costs_the_same_for_1_and_20_people_each_way(
    admin_client, warm, django_capture_on_commit_callbacks
):
    counts = {}
    for size in (1, 20):
        # given: a meeting with people to keep (their answers changed) and to withdraw
        meeting = MeetingFactory(start_time=NINE + timedelta(days=size))
        kept = ParticipantFactory.create_batch(size, meeting=meeting)
        withdrawn = ParticipantFactory.create_batch(size, meeting=meeting)
        newcomers = UserFactory.create_batch(size)
        data = change_form(meeting, answer=kept, withdraw=withdrawn, invite=newcomers)
        url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
        # when
        counts[size] = post_counting(admin_client, url, data, django_capture_on_commit_callbacks)
        # then
        rows = dict(Participant.objects.filter(meeting=meeting).values_list("user_id", "status"))
        assert rows == {
            **{p.user_id: "accepted" for p in kept},
            **{user.pk: "needs_action" for user in newcomers},
        }
    # session, user; SAVEPOINT; the meeting; organizer (form field, model check); CHECK
    # constraint (3); its saved rows; the invited people; are they invited already?; the
    # organizer before (pre_save); UPDATE the meeting; the rows withdrawn (SELECT, DELETE); one
    # UPDATE of the answers; one INSERT of the invitations; invitees for the events; INSERT
    # the events; the admin log; RELEASE
    assert counts[1][:2] == counts[20][:2], counts[20][2]
    assert counts[20][0] == 22, counts[20][2]
