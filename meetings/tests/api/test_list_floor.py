"""The load test's bare floor (benchmarks.floors) answers the page the API answers, so that the
list's share of it measures the framework and nothing less: the same meetings, fields, zone,
people and links. Only the entity tags' values differ (each a digest of the meeting)."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from accounts.models import User
from benchmarks import floors
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
LIST = "/api/meetings/"
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d")


@pytest.fixture
def floor(monkeypatch):
    """floor(token) -> (status, body) of the floor's list, on the test's own connection (its
    transaction holds the test's rows)."""
    connection.ensure_connection()
    monkeypatch.setattr(floors, "_cursor", lambda: connection.connection.cursor())

    def answer(token: str) -> tuple[str, bytes]:
        status = {}
        body = b"".join(
            floors.application(
                {
                    "PATH_INFO": "/list/",
                    "HTTP_AUTHORIZATION": f"Token {token}",
                    "HTTP_HOST": "testserver",
                },
                lambda line, headers: status.update(line=line),
            )
        )
        return status["line"], body

    return answer


def _without_tags(page: dict) -> dict:
    return {**page, "results": [_same_instants({**m, "etag": None}) for m in page["results"]]}


def _same_instants(value):
    """PostgreSQL writes 17:32:35.17888 where Python writes 17:32:35.178880: the same instant,
    offset included."""
    if isinstance(value, dict):
        return {key: _same_instants(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_same_instants(item) for item in value]
    if isinstance(value, str) and INSTANT.fullmatch(value):
        return (datetime.fromisoformat(value), value[-6:])
    return value


def test_the_floor_answers_the_apis_first_page(floor, api_as):
    # given a caller in Chicago who organizes 40 meetings and is invited to 40 others, their
    # times interleaved, with people, answers and a room
    caller = User.objects.create_user("caller", timezone="America/Chicago")
    room = RoomFactory()
    start = datetime(2026, 3, 1, 15, tzinfo=UTC)
    for n in range(80):
        mine = n % 2 == 0
        meeting = MeetingFactory(
            start_time=start + timedelta(hours=n),
            end_time=start + timedelta(hours=n, minutes=45),
            room=room if n % 3 == 0 else None,
            **({"created_by": caller} if mine else {}),
        )
        ParticipantFactory(meeting=meeting, status="accepted", comment=f"note {n}")
        if not mine:
            ParticipantFactory(meeting=meeting, user=caller)
    client = api_as(caller)
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    # when
    api = client.get(LIST).json()
    status, body = floor(token)
    # then
    assert status == "200 OK"
    page = json.loads(body)
    assert len(page["results"]) == 50
    assert _without_tags(page) == _without_tags(api)
    assert all(m["etag"].startswith('"') for m in page["results"])


def test_the_floor_refuses_an_unknown_token(floor, db):
    status, _ = floor("a" * 64)

    assert status.startswith("401")
