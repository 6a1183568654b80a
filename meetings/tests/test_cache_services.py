"""The cache against real services: two server processes sharing Redis, and a Redis that stalls
and dies in the middle of requests."""

import json
import logging
import time
import urllib.request

import pytest
from django.db import connection

from accounts.services import token_create
from accounts.tests.factories import UserFactory
from meetings import cache as meeting_cache
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from testsupport.servers import private_redis, server_process, shared_environment


def http(base, method, path, token, body=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


@pytest.mark.postgres
@pytest.mark.redis
def test_a_write_through_one_server_is_read_at_once_through_another(transactional_db, api_as):
    # given: committed data, and a second server process on the same database and Redis
    organizer, guest = UserFactory(), UserFactory()
    meeting = MeetingFactory(created_by=organizer, title="Before")
    ParticipantFactory(meeting=meeting, user=guest)
    guest_token = token_create(user=guest)[1]
    organizer_token = token_create(user=organizer)[1]
    env = shared_environment()
    here = api_as(guest)
    with server_process(env) as there:
        # when: the guest's list is cached, by the other server and by this one
        for _ in range(2):
            assert http(there, "GET", "/api/meetings/", guest_token)["results"][0]["title"] == (
                "Before"
            )
            assert here.get("/api/meetings/").json()["results"][0]["title"] == "Before"
        # a write here is read there...
        api_as(organizer).patch(f"/api/meetings/{meeting.pk}/", {"title": "Written here"})
        assert http(there, "GET", "/api/meetings/", guest_token)["results"][0]["title"] == (
            "Written here"
        )
        # ...and a write there is read here
        http(there, "PATCH", f"/api/meetings/{meeting.pk}/", organizer_token, {"title": "There"})
        assert here.get("/api/meetings/").json()["results"][0]["title"] == "There"
    # then: both processes counted their hits in the shared counters
    assert meeting_cache.hit_rates()[meeting_cache.LIST]["hits"] >= 2
    assert connection.vendor == "postgresql"


@pytest.fixture
def flaky_redis(settings):
    with private_redis() as redis:
        flaky = {
            **settings.CACHES["default"],
            "BACKEND": "scheduler.cache_backend.ResilientRedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "CONNECTION_POOL_KWARGS": {"retry": None},
                "IGNORE_EXCEPTIONS": True,
                "CIRCUIT_BREAKER_PAUSE": 1.0,
            },
        }
        settings.CACHES = {"default": flaky}
        yield redis


def timed_get(client, url):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


@pytest.mark.redis
def test_requests_go_on_from_the_database_while_redis_stalls_or_dies(
    db, django_capture_on_commit_callbacks, flaky_redis, api_as, caplog
):
    # given: a warm cache
    with django_capture_on_commit_callbacks(execute=True):
        me = UserFactory()
        MeetingFactory(created_by=me, title="Still here")
    client = api_as(me)
    client.get("/api/meetings/")
    assert client.get("/api/meetings/").json()["results"][0]["title"] == "Still here"
    hits = meeting_cache.hit_rates()[meeting_cache.LIST]["hits"]
    assert hits == 1

    # when Redis stalls: the first request waits out one socket timeout, the next ones none
    flaky_redis.pause()
    with caplog.at_level(logging.WARNING, logger="scheduler.cache_backend"):
        first, first_took = timed_get(client, "/api/meetings/")
        second, second_took = timed_get(client, "/api/meetings/")
    assert first.status_code == second.status_code == 200
    assert first.json()["results"][0]["title"] == "Still here"
    assert first_took < 2.0
    assert second_took < first_took
    assert "Cache unavailable" in caplog.text

    # when it comes back: the cache serves again once the breaker's pause is over
    flaky_redis.resume()
    time.sleep(1.1)
    client.get("/api/meetings/")
    client.get("/api/meetings/")
    assert meeting_cache.hit_rates()[meeting_cache.LIST]["hits"] > hits

    # when it dies: still answered from the database
    flaky_redis.kill()
    dead, _ = timed_get(client, "/api/meetings/")
    assert dead.status_code == 200
    assert dead.json()["results"][0]["title"] == "Still here"
    assert client.get("/api/meetings/stats/").status_code == 200


@pytest.mark.redis
def test_a_write_while_this_process_skips_redis_still_invalidates_for_the_others(
    db, django_capture_on_commit_callbacks, flaky_redis, api_as
):
    from django.core.cache import cache

    # given: my list is cached in Redis
    with django_capture_on_commit_callbacks(execute=True):
        me = UserFactory()
        meeting = MeetingFactory(created_by=me, title="Before")
    client = api_as(me)
    client.get("/api/meetings/")
    # when: this process's breaker is open (it saw Redis fail a moment ago) as it renames
    cache.breaker.trip(ConnectionError("a moment ago"))
    with django_capture_on_commit_callbacks(execute=True):
        renamed = client.patch(f"/api/meetings/{meeting.pk}/", {"title": "After"})
    assert renamed.status_code == 200
    # then: a process whose breaker is closed reads the new title, not the cached one
    cache.breaker._open_until = 0
    assert client.get("/api/meetings/").json()["results"][0]["title"] == "After"
