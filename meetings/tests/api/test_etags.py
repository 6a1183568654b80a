"""Every meeting has an ETag; reads answer If-None-Match with 304, writes If-Match with 412.

The tag is a digest of what the API shows of the meeting, so any write changes it, however it
is made. Reads of it here go around the cache (`fresh_etag`): a write that no service made (a
raw UPDATE) flushes nothing, and the cached answer would still show the old tag, while the
conditional writes compare with the database.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.api.etags import meeting_etag
from meetings.api.render import meeting_dict
from meetings.models import Meeting, Participant, Room
from meetings.selectors import meeting_list
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from scheduler import caching

pytestmark = pytest.mark.django_db

PAST = "2000-01-01T00:00:00Z"


def url(meeting, action=""):
    return f"/api/meetings/{meeting.pk}/{action}"


def fresh_etag(client, meeting) -> str:
    caching.bump_everything()  # the cache aside: what the database holds now
    response = client.get(url(meeting))
    assert response.status_code == 200, response.content
    assert response.json()["etag"] == response["ETag"]
    return response["ETag"]


# --- the tag ---------------------------------------------------------------------------------


def test_a_list_items_etag_is_the_detail_etag_header(cast, api_as):
    # given
    client = api_as(cast.organizer)

    # when
    [item] = client.get("/api/meetings/").json()["results"]
    detail = client.get(url(cast.meeting))

    # then
    assert item["etag"] == detail["ETag"] == detail.json()["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', item["etag"])  # a strong tag, quoted


def test_the_etag_stays_the_same_while_nothing_changes(cast, api_as):
    # given
    client = api_as(cast.organizer)
    first = fresh_etag(client, cast.meeting)

    # when
    again = fresh_etag(client, cast.meeting)

    # then
    assert again == first


def test_the_etag_names_the_meeting_not_the_zone_its_times_are_written_in(cast, api_as):
    # given: the organizer reads in UTC, the participant in Kolkata
    cast.participant.timezone = "Asia/Kolkata"
    cast.participant.save(update_fields=["timezone"])

    # when
    by_organizer = api_as(cast.organizer).get(url(cast.meeting))
    by_participant = api_as(cast.participant).get(url(cast.meeting))

    # then
    assert by_organizer.json()["start_time"] != by_participant.json()["start_time"]
    assert by_organizer["ETag"] == by_participant["ETag"]


def _patch(cast, api_as):
    api_as(cast.organizer).patch(url(cast.meeting), {"title": "Renamed"})


def _invite(cast, api_as):
    api_as(cast.organizer).post(url(cast.meeting, "participants/"), {"user_id": UserFactory().pk})


def _rsvp(cast, api_as):
    api_as(cast.participant).post(url(cast.meeting, "rsvp/"), {"status": "accepted"})


def _bulk_status(cast, api_as):
    body = {"ids": [cast.meeting.pk], "status": "cancelled"}
    assert api_as(cast.organizer).post("/api/meetings/bulk-status/", body).json()["updated"] == 1


def _raw_update(cast, api_as):
    Meeting.objects.filter(pk=cast.meeting.pk).update(location="Elsewhere")


def _room_renamed_in_the_admin(cast, api_as):
    room = RoomFactory(name="Hopper")
    Meeting.objects.filter(pk=cast.meeting.pk).update(room=room)
    Room.objects.filter(pk=room.pk).update(name="Lovelace")


@pytest.mark.parametrize(
    "change",
    [_patch, _invite, _rsvp, _bulk_status, _raw_update, _room_renamed_in_the_admin],
)
def test_the_etag_changes_with_any_write(cast, api_as, change):
    # given
    client = api_as(cast.organizer)
    before = fresh_etag(client, cast.meeting)

    # when
    change(cast, api_as)

    # then
    assert fresh_etag(client, cast.meeting) != before


T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
# One change to each field of the representation, made as raw SQL would make it.
FIELD_CHANGES = {
    "id": None,  # names the meeting: another meeting is another tag (below)
    "title": lambda m: Meeting.objects.filter(pk=m.pk).update(title="Other"),
    "description": lambda m: Meeting.objects.filter(pk=m.pk).update(description="Other"),
    "location": lambda m: Meeting.objects.filter(pk=m.pk).update(location="Other"),
    "start_time": lambda m: Meeting.objects.filter(pk=m.pk).update(
        start_time=T0 - timedelta(microseconds=1)
    ),
    "end_time": lambda m: Meeting.objects.filter(pk=m.pk).update(
        end_time=T0 + timedelta(hours=1, microseconds=1)
    ),
    "status": lambda m: Meeting.objects.filter(pk=m.pk).update(status="cancelled"),
    "cancellation_reason": lambda m: Meeting.objects.filter(pk=m.pk).update(
        cancellation_reason="Other"
    ),
    "room": lambda m: Room.objects.filter(meetings=m).update(location="Other"),
    "organizer": lambda m: User.objects.filter(pk=m.created_by_id).update(username="other"),
    "participants": lambda m: Participant.objects.filter(meeting=m).update(comment="Other"),
    "created_at": lambda m: Meeting.objects.filter(pk=m.pk).update(created_at=T0),
    "updated_at": lambda m: Meeting.objects.filter(pk=m.pk).update(updated_at=T0),
    "series_id": None,  # a single meeting has none; an occurrence is another meeting
    "original_start_time": lambda m: Meeting.objects.filter(pk=m.pk).update(original_start_time=T0),
}


def _loaded(meeting):
    return meeting_list(user=meeting.created_by).get(pk=meeting.pk)


def test_every_field_of_the_representation_is_in_the_etag():
    # given: a field added to the representation must be added here, and to the tag
    meeting = MeetingFactory(start_time=T0, end_time=T0 + timedelta(hours=1), room=RoomFactory())
    ParticipantFactory(meeting=meeting)
    assert set(meeting_dict(_loaded(meeting))) == {*FIELD_CHANGES, "etag"}

    for field, change in FIELD_CHANGES.items():
        if change is None:
            continue
        before = meeting_dict(_loaded(meeting))
        # when
        change(meeting)
        after = meeting_dict(_loaded(meeting))
        # then
        assert after[field] != before[field], field
        assert after["etag"] != before["etag"], field


def test_two_meetings_alike_in_all_but_their_id_have_different_etags():
    # given
    one = MeetingFactory(title="Same", start_time=T0, end_time=T0 + timedelta(hours=1))
    other = MeetingFactory(
        title="Same", start_time=T0, end_time=T0 + timedelta(hours=1), created_by=one.created_by
    )
    Meeting.objects.filter(pk=other.pk).update(created_at=one.created_at, updated_at=one.updated_at)

    # when / then
    assert meeting_etag(_loaded(one)) != meeting_etag(_loaded(other))


# --- If-None-Match ---------------------------------------------------------------------------


@pytest.mark.parametrize("sent", ["{tag}", "W/{tag}", "*", '"other", {tag}', 'W/"other",W/{tag}'])
def test_a_read_naming_the_current_etag_is_a_304_without_a_body(cast, api_as, sent):
    # given
    client = api_as(cast.participant)
    tag = client.get(url(cast.meeting))["ETag"]

    # when
    response = client.get(url(cast.meeting), HTTP_IF_NONE_MATCH=sent.format(tag=tag))

    # then
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag


@pytest.mark.parametrize("sent", ['"stale"', 'W/"stale"', "not-quoted", "{bare}"])
def test_a_read_naming_another_etag_is_a_200(cast, api_as, sent):
    # given: a tag from before a change, and malformed fields
    client = api_as(cast.organizer)
    old = client.get(url(cast.meeting))["ETag"]
    client.patch(url(cast.meeting), {"title": "Renamed"})

    # when
    response = client.get(url(cast.meeting), HTTP_IF_NONE_MATCH=sent.format(bare=old.strip('"')))
    with_old = client.get(url(cast.meeting), HTTP_IF_NONE_MATCH=old)

    # then
    assert response.status_code == with_old.status_code == 200
    assert with_old.json()["title"] == "Renamed"
    assert with_old["ETag"] != old


def test_a_304_on_a_warm_cache_costs_what_a_warm_read_costs(
    api_as, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given: a warm entry
    with django_capture_on_commit_callbacks(execute=True):  # as if committed
        invitation = ParticipantFactory()
    client = api_as(invitation.user)
    tag = client.get(url(invitation.meeting))["ETag"]
    with django_assert_num_queries(1):  # the token
        warm = client.get(url(invitation.meeting))

    # when
    with django_assert_num_queries(1):  # the token, and nothing more
        not_modified = client.get(url(invitation.meeting), HTTP_IF_NONE_MATCH=tag)

    # then
    assert warm.status_code == 200
    assert not_modified.status_code == 304


def test_a_stranger_naming_the_etag_still_gets_a_404(cast, api_as):
    tag = api_as(cast.organizer).get(url(cast.meeting))["ETag"]

    response = api_as(cast.stranger).get(url(cast.meeting), HTTP_IF_NONE_MATCH=tag)

    assert response.status_code == 404


# --- the schema ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _header_names(operation):
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_the_schema_documents_if_none_match_304_and_etag_on_the_detail(schema):
    operation = schema["paths"]["/api/meetings/{id}/"]["get"]

    assert "If-None-Match" in _header_names(operation)
    assert "content" not in operation["responses"]["304"]
    for code in ("200", "304"):
        assert operation["responses"][code]["headers"]["ETag"]["required"] is True


def test_the_schema_shows_the_etag_field_of_a_meeting(schema):
    field = schema["components"]["schemas"]["Meeting"]["properties"]["etag"]

    assert field["type"] == "string"
    assert field["readOnly"] is True
