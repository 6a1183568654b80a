"""GET /api/meetings/{id}/history/: the organizer reads every change, newest first, in pages."""

from datetime import UTC, datetime, timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from meetings.changes.history import change_fields, normalize
from meetings.changes.models import MeetingChange
from meetings.models import Meeting, Participant
from meetings.services.lifecycle import meeting_delete, meeting_update
from meetings.services.participants import meeting_rsvp, participant_add
from meetings.tests.factories import MeetingFactory
from scheduler.audit import Actor, acting_as

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def history_url(meeting_id: int) -> str:
    return f"/api/meetings/{meeting_id}/history/"


@pytest.fixture
def organizer():
    return UserFactory(username="olga", timezone="UTC")


@pytest.fixture
def meeting(organizer):
    return MeetingFactory(created_by=organizer, title="Roadmap", start_time=T0,
                          end_time=T0 + timedelta(hours=1))  # fmt: skip


def test_the_organizer_reads_every_change_newest_first(api_as, organizer, meeting):
    # given: the meeting moved, someone invited who then answers
    paul = UserFactory(username="paul")
    with acting_as(Actor(id=organizer.pk, label="olga", source="api")):
        meeting_update(meeting=meeting, by=organizer, title="Roadmap 2027")
        participant_add(meeting=meeting, by=organizer, user_id=paul.pk)
    with acting_as(Actor(id=paul.pk, label="paul", source="api")):
        meeting_rsvp(meeting=meeting, user=paul, status="accepted", comment="")

    # when
    response = api_as(organizer).get(history_url(meeting.pk))

    # then
    assert response.status_code == 200, response.content
    entries = response.json()["results"]
    assert [(e["subject"], e["action"]) for e in entries] == [
        ("participant", "updated"),
        ("participant", "created"),
        ("meeting", "updated"),
        ("meeting", "created"),
    ]
    answered, invited, renamed, created = entries
    assert answered["actor"] == {"id": paul.pk, "name": "paul"}
    assert answered["participant"] == {"id": paul.pk, "username": "paul"}
    assert answered["changes"]["status"] == {"before": "needs_action", "after": "accepted"}
    assert answered["changes"]["responded_at"]["before"] is None
    assert answered["changes"]["responded_at"]["after"].endswith("Z")
    assert invited["changes"] == {
        "status": {"before": None, "after": "needs_action"},
        "responded_at": {"before": None, "after": None},
        "comment": {"before": None, "after": ""},
    }
    assert renamed["actor"] == {"id": organizer.pk, "name": "olga"}
    assert renamed["source"] == "api"
    assert renamed["changes"] == {"title": {"before": "Roadmap", "after": "Roadmap 2027"}}
    assert renamed["participant"] is None
    assert created["changes"]["start_time"] == {"before": None, "after": "2026-03-02T09:00:00Z"}
    assert created["changes"]["created_by_id"] == {"before": None, "after": organizer.pk}
    assert "updated_at" not in created["changes"]
    assert "id" not in created["changes"]
    assert created["source"] == "system"  # the factory wrote it, outside any request


def test_times_are_answered_in_the_callers_zone(api_as, meeting):
    # given
    meeting.created_by.timezone = "Europe/Paris"
    meeting.created_by.save(update_fields=["timezone"])

    # when
    [created] = api_as(meeting.created_by).get(history_url(meeting.pk)).json()["results"]

    # then
    assert created["changes"]["start_time"]["after"] == "2026-03-02T10:00:00+01:00"


def test_an_invitee_is_refused_with_a_reason(api_as, meeting):
    # given
    invitee = Participant.objects.create(meeting=meeting, user=UserFactory()).user

    # when
    response = api_as(invitee).get(history_url(meeting.pk))

    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the organizer can read this meeting's history."}


def test_a_stranger_finds_no_meeting(api_as, meeting):
    assert api_as(UserFactory()).get(history_url(meeting.pk)).status_code == 404


def test_staff_read_it_in_the_admin_not_here(api_as, meeting):
    staff = UserFactory(is_staff=True, is_superuser=True)

    assert api_as(staff).get(history_url(meeting.pk)).status_code == 404


def test_a_deleted_meetings_history_is_not_found_but_kept(api_as, organizer, meeting):
    # given
    meeting_delete(meeting=meeting, by=organizer)

    # when
    response = api_as(organizer).get(history_url(meeting.pk))

    # then
    assert response.status_code == 404
    assert MeetingChange.objects.filter(meeting_id=meeting.pk, action="deleted").exists()


def test_anonymous_callers_are_refused(anonymous, meeting):
    assert anonymous.get(history_url(meeting.pk)).status_code == 401


def test_pages_follow_next_and_previous_without_gaps(api_as, organizer, meeting):
    # given: 1 created + 6 updates
    for n in range(6):
        Meeting.objects.filter(pk=meeting.pk).update(title=f"Roadmap {n}")
    client = api_as(organizer)
    every = [c.pk for c in MeetingChange.objects.filter(meeting_id=meeting.pk).order_by("-id")]

    # when
    seen, url, pages = [], history_url(meeting.pk) + "?page_size=3", []
    while url:
        page = client.get(url).json()
        pages.append(page)
        seen += [entry["id"] for entry in page["results"]]
        url = page["next"]
    back = client.get(pages[-1]["previous"]).json()

    # then
    assert seen == every
    assert len(pages) == 3
    assert [e["id"] for e in back["results"]] == every[3:6]


def test_a_bad_cursor_is_a_400(api_as, organizer, meeting):
    response = api_as(organizer).get(history_url(meeting.pk) + "?cursor=nonsense")

    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize("size", [1, 40])
def test_the_history_costs_the_same_at_any_size(
    api_as, django_assert_num_queries, organizer, meeting, size
):
    # given: `size` people invited and answering, each a row of their own
    people = UserFactory.create_batch(size)
    Participant.objects.bulk_create(Participant(meeting=meeting, user=p) for p in people)
    Participant.objects.filter(meeting=meeting).update(status="accepted")
    client = api_as(organizer)

    # when / then: the token, the meeting (may the caller read it), the page, its people
    with django_assert_num_queries(4):
        response = client.get(history_url(meeting.pk) + "?page_size=100")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(100, 1 + 2 * size)


def test_a_meeting_with_no_invitation_changes_reads_no_people(
    api_as, django_assert_num_queries, organizer, meeting
):
    client = api_as(organizer)

    with django_assert_num_queries(3):  # the token, the meeting, the page
        client.get(history_url(meeting.pk))


def test_both_backends_stored_forms_read_alike():
    # PostgreSQL's to_jsonb and SQLite's naive UTC text: one instant
    assert normalize("start_time", "2026-03-02T10:00:00+01:00") == T0
    assert normalize("start_time", "2026-03-02 09:00:00") == T0
    assert normalize("start_time", "2026-03-02 09:00:00.250000") == T0.replace(microsecond=250000)
    assert normalize("room_id", 7.0) == 7
    assert normalize("title", "09:00") == "09:00"


def test_an_update_shows_only_the_fields_it_made_different():
    change = MeetingChange(
        subject="meeting",
        action="updated",
        before={"title": "A", "start_time": "2026-03-02 09:00:00", "room_id": None},
        after={"title": "A", "start_time": "2026-03-02T10:00:00+01:00", "room_id": 3},
    )

    assert change_fields(change) == {"room_id": {"before": None, "after": 3}}


def test_the_schema_documents_the_route_and_its_refusals():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"]["/api/meetings/{id}/history/"]["get"]

    assert {"200", "401", "403", "404", "429"} <= set(operation["responses"])
    assert "organize" in operation["responses"]["403"]["description"]
    assert "deleted" in operation["responses"]["404"]["description"]
    assert {p["name"] for p in operation["parameters"]} >= {"id", "cursor", "page_size"}
