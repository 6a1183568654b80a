"""GET /api/meetings/sync/: a full sync, then only what changed, with 410 for a token that
cannot be used any more."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db.models import Max
from django.utils import timezone

from accounts.tests.factories import UserFactory
from meetings.changes.models import MeetingChange, SyncState
from meetings.changes.selectors import change_horizon
from meetings.models import Meeting, Participant
from meetings.services.bulk import meeting_bulk_set_status
from meetings.tasks import delete_sync_tombstones
from meetings.tests.factories import MeetingFactory, ParticipantFactory

# Committed for real: on PostgreSQL a change is synced once its transaction has committed, and
# a test inside one transaction would never see its own.
pytestmark = pytest.mark.django_db(transaction=True)

SYNC = "/api/meetings/sync/"


def _all_pages(client, url: str) -> tuple[list[dict], str]:
    """Follow `next` links to the end: every item and the final sync token."""
    settled()
    items = []
    while True:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        items += body["results"]
        if body["next"] is None:
            assert body["next_sync_token"]
            return items, body["next_sync_token"]
        assert body["next_sync_token"] is None
        url = body["next"]


def settled(timeout: float = 20.0) -> None:
    """Wait until every change recorded so far lies below the horizon. On PostgreSQL the
    horizon is the cluster's oldest running writer: another test run sharing the server may
    hold it back for a moment (a delay sync promises to honour, never a loss)."""
    last = MeetingChange.objects.aggregate(last=Max("position"))["last"] or 0
    deadline = time.monotonic() + timeout
    while change_horizon() <= last:
        assert time.monotonic() < deadline, "another transaction held the horizon back"
        time.sleep(0.05)


def _changes(client, token: str) -> tuple[dict[int, str], str]:
    items, token = _all_pages(client, f"{SYNC}?sync_token={token}")
    return {item["id"]: item["change"] for item in items}, token


@pytest.fixture
def olga(transactional_db):
    return UserFactory(username="olga", timezone="UTC")


def test_a_full_sync_pages_through_every_meeting_the_caller_sees(api_as, olga):
    # given five meetings of olga's, one she is invited to, and a stranger's
    own = MeetingFactory.create_batch(5, created_by=olga)
    invited = ParticipantFactory(user=olga).meeting
    MeetingFactory()  # a stranger's
    # when
    items, token = _all_pages(api_as(olga), f"{SYNC}?page_size=2")
    # then
    assert sorted(item["id"] for item in items) == sorted(m.pk for m in [*own, invited])
    assert {item["change"] for item in items} == {"created"}
    assert items[0]["meeting"]["title"]
    assert token


def test_nothing_new_is_nothing_and_a_fresh_token(api_as, olga):
    # given
    MeetingFactory(created_by=olga)
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    # when
    changes, again = _changes(client, token)
    # then
    assert changes == {}
    assert again


def test_each_kind_of_change_reaches_each_person_as_they_see_it(api_as, olga):
    # given olga's meeting with paul, and both in step
    paul, rita = UserFactory(username="paul"), UserFactory(username="rita")
    meeting = MeetingFactory(created_by=olga)
    ParticipantFactory(meeting=meeting, user=paul)
    as_olga, as_paul, as_rita = api_as(olga), api_as(paul), api_as(rita)
    tokens = {name: _all_pages(c, SYNC)[1] for name, c in [("o", as_olga), ("p", as_paul)]}
    tokens["r"] = _all_pages(as_rita, SYNC)[1]
    # when olga renames it, invites rita and takes paul off
    assert as_olga.patch(f"/api/meetings/{meeting.pk}/", {"title": "New"}).status_code == 200
    assert as_olga.post(
        f"/api/meetings/{meeting.pk}/participants/", {"user_id": rita.pk}
    ).status_code in (200, 201)
    assert as_olga.delete(f"/api/meetings/{meeting.pk}/participants/{paul.pk}/").status_code == 204
    # then olga sees it changed, rita sees it appear, paul sees it go
    olga_sees, tokens["o"] = _changes(as_olga, tokens["o"])
    rita_sees, tokens["r"] = _changes(as_rita, tokens["r"])
    paul_sees, tokens["p"] = _changes(as_paul, tokens["p"])
    assert olga_sees == {meeting.pk: "updated"}
    assert rita_sees == {meeting.pk: "created"}
    assert paul_sees == {meeting.pk: "deleted"}
    # when olga deletes it
    assert as_olga.delete(f"/api/meetings/{meeting.pk}/").status_code == 204
    # then it is deleted for both who could see it, and nothing more for paul
    assert _changes(as_olga, tokens["o"])[0] == {meeting.pk: "deleted"}
    assert _changes(as_rita, tokens["r"])[0] == {meeting.pk: "deleted"}
    assert _changes(as_paul, tokens["p"])[0] == {}


def test_an_updated_item_is_the_meeting_as_it_is_now(api_as, olga):
    # given
    meeting = MeetingFactory(created_by=olga, title="Old")
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    # when
    client.post(f"/api/meetings/{meeting.pk}/cancel/", {"reason": "Ill"})
    items, _ = _all_pages(client, f"{SYNC}?sync_token={token}")
    # then
    [item] = items
    assert item["meeting"]["status"] == "cancelled"
    assert item["meeting"]["cancellation_reason"] == "Ill"


def test_bulk_writes_reach_sync(api_as, olga):
    # given twelve meetings, in step
    meetings = MeetingFactory.create_batch(12, created_by=olga)
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    # when a bulk path (QuerySet.update, no signals) cancels them, and one is deleted in bulk
    meeting_bulk_set_status(
        meetings=Meeting.objects.filter(pk__in=[m.pk for m in meetings]),
        status="cancelled",
        by=olga,
    )
    Meeting.objects.filter(pk=meetings[0].pk).delete()
    # then, in pages of five
    items, _ = _all_pages(client, f"{SYNC}?sync_token={token}&page_size=5")
    seen = {item["id"]: item["change"] for item in items}
    assert seen == {meetings[0].pk: "deleted", **{m.pk: "updated" for m in meetings[1:]}}
    assert len(items) == 12  # once each, however often it changed


def test_a_meeting_made_and_changed_since_the_token_is_created(api_as, olga):
    # given
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    # when a meeting is made, then changed twice
    answer = client.post(
        "/api/meetings/",
        {
            "title": "New",
            "start_time": "2026-05-04T09:00:00Z",
            "end_time": "2026-05-04T10:00:00Z",
        },
    )
    meeting_id = answer.json()["id"]
    client.patch(f"/api/meetings/{meeting_id}/", {"title": "Newer"})
    client.patch(f"/api/meetings/{meeting_id}/", {"title": "Newest"})
    # then
    items, _ = _all_pages(client, f"{SYNC}?sync_token={token}")
    assert [(i["id"], i["change"], i["meeting"]["title"]) for i in items] == [
        (meeting_id, "created", "Newest")
    ]


def test_changes_made_during_a_full_sync_come_in_the_next_one(api_as, olga):
    # given a full sync half done
    meetings = MeetingFactory.create_batch(4, created_by=olga)
    client = api_as(olga)
    first = client.get(f"{SYNC}?page_size=2").json()
    # when a meeting of the first page changes before the last page is read
    seen_first = first["results"][0]["id"]
    Meeting.objects.filter(pk=seen_first).update(title="Changed meanwhile")
    _, token = _all_pages(client, first["next"])
    # then
    changes, _ = _changes(client, token)
    assert changes == {seen_first: "updated"}
    assert {m.pk for m in meetings} >= {seen_first}


def test_a_series_edited_for_all_reaches_sync_once_per_occurrence(api_as, olga):
    # given a weekly series of five, in step
    client = api_as(olga)
    created = client.post(
        "/api/meetings/",
        {
            "title": "Weekly",
            "start_time": "2027-01-04T09:00:00Z",
            "end_time": "2027-01-04T10:00:00Z",
            "time_zone": "UTC",
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=5"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    _, token = _all_pages(client, SYNC)
    # when
    first = created.json()["id"]
    answer = client.patch(f"/api/meetings/{first}/?scope=all", {"title": "Renamed"})
    assert answer.status_code == 200, answer.content
    # then
    items, _ = _all_pages(client, f"{SYNC}?sync_token={token}")
    assert len(items) == 5
    assert {i["change"] for i in items} == {"updated"}
    assert {i["meeting"]["title"] for i in items} == {"Renamed"}


@pytest.mark.parametrize(
    ("token", "why"),
    [("nonsense", "not one we gave"), ("", "not one we gave")],
)
def test_an_unknown_token_is_gone(api_as, olga, token, why):
    answer = api_as(olga).get(f"{SYNC}?sync_token={token}")
    assert answer.status_code == 410
    assert answer.json()["code"] == "full_sync_required"
    assert why in answer.json()["detail"]


def test_someone_elses_token_is_gone(api_as, olga):
    _, token = _all_pages(api_as(UserFactory()), SYNC)
    answer = api_as(olga).get(f"{SYNC}?sync_token={token}")
    assert answer.status_code == 410
    assert answer.json()["code"] == "full_sync_required"


def test_a_token_older_than_the_retention_is_gone(api_as, olga, settings):
    # given a token, and the retention
    settings.SYNC_RETENTION_DAYS = 30
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    later = timezone.now() + timedelta(days=31)
    # when it is used 31 days later
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        answer = client.get(f"{SYNC}?sync_token={token}")
    # then
    assert answer.status_code == 410
    assert answer.json()["code"] == "full_sync_required"
    assert "older than 30 days" in answer.json()["detail"]


def test_a_tampered_page_is_a_400(api_as, olga):
    answer = api_as(olga).get(f"{SYNC}?page=abc")
    assert answer.status_code == 400
    assert "page" in answer.json()


@pytest.mark.parametrize(("meetings", "others"), [(1, 0), (40, 30)])
def test_a_sync_with_nothing_new_costs_the_same_at_any_size(
    api_as, olga, django_assert_num_queries, meetings, others
):
    # given olga's meetings, and other people's changes made after her token
    MeetingFactory.create_batch(meetings, created_by=olga)
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    for meeting in MeetingFactory.create_batch(others):
        Meeting.objects.filter(pk=meeting.pk).update(title="Changed")
    settled()
    # when / then: her changed rows with the horizon in one statement (the token is cached
    # since the first pages)
    with django_assert_num_queries(1):
        answer = client.get(f"{SYNC}?sync_token={token}")
    assert answer.json()["results"] == []


@pytest.mark.parametrize("changed", [1, 30])
def test_a_sync_with_changes_costs_the_same_for_a_page(
    api_as, olga, django_assert_num_queries, changed
):
    # given
    meetings = MeetingFactory.create_batch(changed, created_by=olga)
    for meeting in meetings:
        ParticipantFactory.create_batch(3, meeting=meeting)
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    Meeting.objects.filter(created_by=olga).update(title="Changed")
    Participant.objects.filter(meeting__created_by=olga).update(status="accepted")
    settled()
    # when / then: the changed rows, the meetings, their participants (the token is cached)
    with django_assert_num_queries(3):
        answer = client.get(f"{SYNC}?sync_token={token}")
    assert len(answer.json()["results"]) == changed


def test_the_schema_documents_sync(anonymous):
    schema = anonymous.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/meetings/sync/"]["get"]
    assert {"200", "400", "410"} <= set(operation["responses"])
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"sync_token", "page", "page_size"} <= names


def test_tombstones_past_the_retention_are_deleted_and_the_rest_kept(olga, settings):
    # given a meeting deleted 40 days ago, one deleted today, and one olga still sees
    settings.SYNC_RETENTION_DAYS = 30
    old, recent, kept = MeetingFactory.create_batch(3, created_by=olga)
    old_id, recent_id = old.pk, recent.pk
    old.delete()
    recent.delete()
    SyncState.objects.filter(meeting_id=old_id).update(
        changed_at=timezone.now() - timedelta(days=40)
    )
    # when
    deleted = delete_sync_tombstones()
    # then
    assert deleted == 1
    remaining = set(SyncState.objects.filter(user_id=olga.pk).values_list("meeting_id", "change"))
    assert remaining == {(recent_id, "deleted"), (kept.pk, "created")}
