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
    with django_assert_num_queries(0):  # the token and the meeting, both cached
        warm = client.get(url(invitation.meeting))

    # when
    with django_assert_num_queries(0):  # nothing more
        not_modified = client.get(url(invitation.meeting), HTTP_IF_NONE_MATCH=tag)

    # then
    assert warm.status_code == 200
    assert not_modified.status_code == 304


def test_a_stranger_naming_the_etag_still_gets_a_404(cast, api_as):
    tag = api_as(cast.organizer).get(url(cast.meeting))["ETag"]

    response = api_as(cast.stranger).get(url(cast.meeting), HTTP_IF_NONE_MATCH=tag)

    assert response.status_code == 404


# --- If-Match --------------------------------------------------------------------------------

WRITES = {
    "patch": ("organizer", "patch", "", {"title": "Mine"}),
    "delete": ("organizer", "delete", "", None),
    "cancel": ("organizer", "post", "cancel/", {"reason": "Ill"}),
    "rsvp": ("participant", "post", "rsvp/", {"status": "declined"}),
}


def write(cast, api_as, name, if_match, query=""):
    role, method, action, body = WRITES[name]
    client = api_as(getattr(cast, role))
    return getattr(client, method)(url(cast.meeting, action) + query, body, HTTP_IF_MATCH=if_match)


def unchanged(cast) -> bool:
    meeting = Meeting.objects.filter(pk=cast.meeting.pk).first()
    invitation = Participant.objects.filter(pk=cast.invitation.pk).first()
    return (
        meeting is not None
        and meeting.title == "Roadmap review"
        and meeting.status == Meeting.Status.SCHEDULED
        and invitation is not None
        and invitation.status == Participant.Status.NEEDS_ACTION
    )


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("query", ["", "?dry_run=true"])
def test_a_write_based_on_a_stale_etag_is_a_412_and_changes_nothing(cast, api_as, name, query):
    # given: someone changed the meeting after our read
    stale = fresh_etag(api_as(cast.organizer), cast.meeting)
    Meeting.objects.filter(pk=cast.meeting.pk).update(description="Changed meanwhile")
    current = fresh_etag(api_as(cast.organizer), cast.meeting)

    # when
    response = write(cast, api_as, name, stale, query)

    # then
    assert response.status_code == 412, response.content
    assert response.json() == {
        "detail": response.json()["detail"],
        "code": "precondition_failed",
        "etag": current,
    }
    assert current in response.json()["detail"]
    assert response["ETag"] == current
    assert unchanged(cast)


@pytest.mark.parametrize("name", WRITES)
def test_a_write_based_on_the_current_etag_is_done(cast, api_as, name):
    # given
    tag = fresh_etag(api_as(cast.organizer), cast.meeting)

    # when
    response = write(cast, api_as, name, tag)

    # then
    assert response.status_code in (200, 204), response.content
    assert not unchanged(cast)
    if name != "delete":
        new = fresh_etag(api_as(cast.organizer), cast.meeting)
        assert response["ETag"] == new != tag
    if name in ("patch", "cancel"):
        assert response.json()["etag"] == response["ETag"]


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("sent", ["*", '"other", {tag}', " {tag} "])
def test_any_etag_or_a_list_naming_the_current_one_matches(cast, api_as, name, sent):
    tag = fresh_etag(api_as(cast.organizer), cast.meeting)

    response = write(cast, api_as, name, sent.format(tag=tag))

    assert response.status_code in (200, 204), response.content
    assert not unchanged(cast)


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("sent", ["W/{tag}", "{bare}", "{tag}x", '"", W/{tag}'])
def test_a_weak_or_malformed_etag_never_matches(cast, api_as, name, sent):
    # given: If-Match compares strongly (RFC 9110 13.1.1); a field naming no tag names nothing
    tag = fresh_etag(api_as(cast.organizer), cast.meeting)

    # when
    response = write(cast, api_as, name, sent.format(tag=tag, bare=tag.strip('"')))

    # then
    assert response.status_code == 412, response.content
    assert response["ETag"] == tag
    assert unchanged(cast)


@pytest.mark.parametrize("name", WRITES)
def test_a_blank_if_match_is_no_condition(cast, api_as, name):
    response = write(cast, api_as, name, "  ")

    assert response.status_code in (200, 204), response.content
    assert not unchanged(cast)


def test_a_dry_run_with_the_current_etag_says_what_would_happen_and_changes_nothing(cast, api_as):
    # given
    tag = fresh_etag(api_as(cast.organizer), cast.meeting)

    # when
    response = write(cast, api_as, "patch", tag, "?dry_run=true")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["dry_run"] is True
    assert response.json()["meeting"]["title"] == "Mine"
    assert "ETag" not in response  # nothing changed: the tag is still `tag`
    assert unchanged(cast)
    assert fresh_etag(api_as(cast.organizer), cast.meeting) == tag


def test_the_organizer_can_patch_twice_with_the_etag_each_answer_gives(cast, api_as):
    # given
    client = api_as(cast.organizer)
    tag = client.get(url(cast.meeting))["ETag"]

    # when
    first = client.patch(url(cast.meeting), {"title": "One"}, HTTP_IF_MATCH=tag)
    second = client.patch(url(cast.meeting), {"title": "Two"}, HTTP_IF_MATCH=first["ETag"])
    replayed = client.patch(url(cast.meeting), {"title": "Three"}, HTTP_IF_MATCH=first["ETag"])

    # then
    assert (first.status_code, second.status_code, replayed.status_code) == (200, 200, 412)
    assert Meeting.objects.get(pk=cast.meeting.pk).title == "Two"


@pytest.mark.parametrize("scope", ["this", "following", "all"])
def test_an_occurrence_is_changed_in_its_scope_only_with_its_current_etag(api_as, scope):
    # given: a weekly meeting; If-Match names the occurrence asked about
    organizer = UserFactory(timezone="UTC")
    client = api_as(organizer)
    first = client.post(
        "/api/meetings/",
        {
            "title": "Weekly",
            "start_time": "2030-01-07T09:00:00Z",
            "end_time": "2030-01-07T10:00:00Z",
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
        },
    ).json()
    patch = f"/api/meetings/{first['id']}/?scope={scope}"

    # when
    stale = client.patch(patch, {"title": "Renamed"}, HTTP_IF_MATCH='"stale"')
    current = client.patch(patch, {"title": "Renamed"}, HTTP_IF_MATCH=first["etag"])

    # then
    assert stale.status_code == 412
    assert current.status_code == 200, current.content
    assert current["ETag"] == current.json()["etag"] != first["etag"]
    renamed = Meeting.objects.filter(created_by=organizer, title="Renamed").count()
    assert renamed == (1 if scope == "this" else 4)


def test_a_participant_with_a_stale_etag_still_gets_a_403_for_a_patch(cast, api_as):
    # Preconditions come after the checks that would refuse the request anyway (RFC 9110 13.2.1)
    response = api_as(cast.participant).patch(
        url(cast.meeting), {"title": "Mine"}, HTTP_IF_MATCH='"stale"'
    )

    assert response.status_code == 403


def test_a_conditional_write_adds_the_lock_and_the_read_it_compares_with(
    api_as, django_assert_num_queries
):
    # given: the unconditional rename costs 9 (test_query_counts.py)
    organizer = UserFactory(timezone="UTC")
    meeting = MeetingFactory(created_by=organizer)
    ParticipantFactory(meeting=meeting)
    client = api_as(organizer)
    tag = fresh_etag(client, meeting)

    # when / then: + SAVEPOINT and RELEASE of the outer transaction, the row locked with its
    # organizer and room, its participants; - the token, cached since fresh_etag() used it
    with django_assert_num_queries(12):
        response = client.patch(url(meeting), {"title": "Renamed"}, HTTP_IF_MATCH=tag)
    assert response.status_code == 200


# --- the schema ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _header_names(operation):
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/meetings/{id}/", "patch"),
        ("/api/meetings/{id}/", "delete"),
        ("/api/meetings/{id}/cancel/", "post"),
        ("/api/meetings/{id}/rsvp/", "post"),
    ],
)
def test_the_schema_documents_if_match_and_412_on_each_conditional_write(schema, path, method):
    operation = schema["paths"][path][method]

    assert "If-Match" in _header_names(operation)
    failed = operation["responses"]["412"]["content"]["application/json"]["schema"]
    assert failed == {"$ref": "#/components/schemas/PreconditionFailed"}
    if method != "delete":
        assert "ETag" in operation["responses"]["200"]["headers"]
    assert set(schema["components"]["schemas"]["PreconditionFailed"]["required"]) == {
        "detail",
        "code",
        "etag",
    }


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
