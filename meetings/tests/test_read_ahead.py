"""A cached read's entry is read in the throttle's round trip (scheduler.caching read ahead):
a warm list, meeting or statistics read makes two round trips to Redis, the answers are the
same as without it, and every lookup is counted once."""

import pytest

from accounts.tests.factories import UserFactory
from meetings import cache as meeting_cache
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler.api.throttling import WindowRateThrottle
from testsupport.redis_calls import redis_calls

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def world(api_as):
    me = UserFactory(timezone="Europe/Paris")
    mine = MeetingFactory(created_by=me, title="Mine")
    ParticipantFactory(meeting=MeetingFactory(title="Invited"), user=me)
    return api_as(me), mine


def paths(meeting):
    return ["/api/meetings/", f"/api/meetings/{meeting.pk}/", "/api/meetings/stats/"]


def test_warm_reads_make_two_round_trips_and_answer_as_cold_ones(world):
    client, mine = world
    for path in paths(mine):
        cold = client.get(path)

        with redis_calls() as calls:
            warm = client.get(path)

        assert (cold.status_code, warm.status_code) == (200, 200)
        assert warm.content == cold.content
        assert calls.round_trips == 2, (path, calls.commands)


def test_each_read_counts_one_lookup(world):
    client, mine = world
    for path in paths(mine):
        for _ in range(3):
            client.get(path)

    rates = meeting_cache.hit_rates()
    for family in (meeting_cache.LIST, meeting_cache.DETAIL, meeting_cache.STATS):
        assert (rates[family]["hits"], rates[family]["misses"]) == (2, 1), family


def test_a_write_is_seen_by_the_next_read(world, api_as):
    client, mine = world
    assert client.get("/api/meetings/").json()["results"][0]["title"] == "Mine"
    client.get("/api/meetings/")  # warm

    assert client.patch(f"/api/meetings/{mine.pk}/", {"title": "Renamed"}).status_code == 200

    titles = {m["title"] for m in client.get("/api/meetings/").json()["results"]}
    assert "Renamed" in titles


def test_a_throttled_read_counts_no_lookup(world, monkeypatch):
    client, _ = world
    monkeypatch.setattr(WindowRateThrottle, "THROTTLE_RATES", {"user": "2/hour", "anon": None})
    client.get("/api/meetings/")
    client.get("/api/meetings/")

    throttled = client.get("/api/meetings/")

    assert throttled.status_code == 429
    assert meeting_cache.hit_rates()[meeting_cache.LIST] == {
        "hits": 1,
        "misses": 1,
        "hit_rate": 0.5,
    }


def test_a_read_in_the_callers_zone_is_not_taken_for_another_zones(world):
    client, mine = world
    paris = client.get(f"/api/meetings/{mine.pk}/").json()["start_time"]
    user = mine.created_by
    user.timezone = "America/New_York"
    user.save()

    new_york = client.get(f"/api/meetings/{mine.pk}/").json()["start_time"]

    assert paris != new_york
    assert paris[-6:] in ("+01:00", "+02:00")
    assert new_york[-6:] in ("-05:00", "-04:00")
