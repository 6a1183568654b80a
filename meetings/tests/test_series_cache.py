"""A series edit makes stale the caches of exactly the people of that series, once, whatever
the scope and however many occurrences it touches."""

from datetime import timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.api.test_series_api import FIRST, series_body
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler import caching

pytestmark = pytest.mark.django_db

TEN = FIRST.replace(hour=10)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def bumped(monkeypatch):
    """The sets of users whose caches each flush made stale, in order."""
    calls: list[set[int]] = []
    real = caching.bump_users

    def record(user_ids):
        calls.append(set(user_ids))
        return real(user_ids)

    monkeypatch.setattr(caching, "bump_users", record)
    return calls


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/?scope=all", {"title": "Renamed"}),
        ("patch", "/?scope=following", {"location": "Ada"}),
        ("patch", "/?scope=all", {"start_time": TEN.isoformat(),
                                  "end_time": (TEN + timedelta(hours=1)).isoformat()}),
        ("post", "/cancel/?scope=all", {"reason": "Off"}),
        ("delete", "/?scope=all", None),
    ],
)  # fmt: skip
def test_an_edit_in_a_scope_flushes_the_series_people_once(
    api_as, committed, bumped, method, path, body
):
    organizer, ada, bob, outsider = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    with committed():
        other = MeetingFactory(created_by=outsider)
        ParticipantFactory(meeting=other, user=UserFactory())
        created = api_as(organizer).post(
            "/api/meetings/", series_body(weeks=20, participant_ids=[ada.pk, bob.pk]),
            format="json",
        )  # fmt: skip
    first = Meeting.objects.filter(series_id=created.json()["series_id"]).order_by("start_time")[0]
    bumped.clear()
    client = api_as(organizer)
    with committed():
        response = getattr(client, method)(f"/api/meetings/{first.pk}{path}", body, format="json")
    assert response.status_code in (200, 204), response.content
    assert bumped == [{organizer.pk, ada.pk, bob.pk}]


def test_an_rsvp_of_all_flushes_the_answerer_and_the_organizer_once(api_as, committed, bumped):
    organizer, ada, bob = UserFactory(), UserFactory(), UserFactory()
    with committed():
        created = api_as(organizer).post(
            "/api/meetings/", series_body(weeks=20, participant_ids=[ada.pk, bob.pk]),
            format="json",
        )  # fmt: skip
    first = Meeting.objects.filter(series_id=created.json()["series_id"]).order_by("start_time")[0]
    bumped.clear()
    with committed():
        api_as(ada).post(
            f"/api/meetings/{first.pk}/rsvp/?scope=all", {"status": "accepted"}, format="json"
        )
    # the answer shows in everyone's copy of these meetings: organizer, ada and bob
    assert bumped == [{organizer.pk, ada.pk, bob.pk}]
