"""Incremental sync across app servers: a token minted by one server is good on another, and a
write through either reaches the sync of the people it concerns, read through either."""

import json
import urllib.request

import pytest

from accounts.services import token_create
from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from testsupport.servers import server_process, shared_environment

from .test_sync import SYNC, _all_pages, _changes, settled

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def http(base: str, method: str, path: str, token: str, body=None) -> dict:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sync_there(base: str, token: str, sync_token: str) -> tuple[dict[int, str], str]:
    settled()
    url = f"{SYNC}?sync_token={sync_token}"
    changes: dict[int, str] = {}
    while url:
        body = http(base, "GET", url.removeprefix(base), token)
        changes |= {item["id"]: item["change"] for item in body["results"]}
        url, next_token = body["next"], body["next_sync_token"]
    return changes, next_token


def test_a_write_through_one_server_reaches_sync_through_either(api_as):
    organizer, guest = UserFactory(), UserFactory()
    meeting = MeetingFactory(created_by=organizer, title="Before")
    ParticipantFactory(meeting=meeting, user=guest)
    organizer_key, guest_key = token_create(user=organizer)[1], token_create(user=guest)[1]
    here = api_as(guest)
    _, minted_here = _all_pages(here, SYNC)  # a full sync through this server
    with server_process(shared_environment()) as there:
        # a change written through the other server
        http(there, "PATCH", f"/api/meetings/{meeting.pk}/", organizer_key, {"title": "After"})

        # the token minted here is good there, and both servers tell of the change
        assert sync_there(there, guest_key, minted_here)[0] == {meeting.pk: "updated"}
        assert _changes(here, minted_here)[0] == {meeting.pk: "updated"}

        # a token minted there is good here: nothing new since
        _, minted_there = sync_there(there, guest_key, minted_here)
        assert _changes(here, minted_there)[0] == {}
