"""What a warm read asks of Redis: one round trip per thing it must know, and no Lua."""

import pytest
from django.core.cache import cache

from accounts.tests.factories import UserFactory
from meetings import cache as meeting_cache
from meetings.tests.factories import MeetingFactory
from testsupport.redis_calls import redis_calls

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.mark.django_db(transaction=True)  # committed: the cache answers only then
def test_a_warm_list_read_makes_two_round_trips(api_as, django_assert_num_queries):
    user = UserFactory()
    MeetingFactory.create_batch(3, created_by=user)
    client = api_as(user)
    assert client.get("/api/meetings/").status_code == 200  # warms the token and the page

    with redis_calls() as calls, django_assert_num_queries(0):
        response = client.get("/api/meetings/")

    assert response.status_code == 200
    # the token with its owner's generation; the throttle's window, with the page and its
    # generations read ahead and the lookup counted beside them
    assert calls.round_trips == 2, calls.commands
    assert not {"EVAL", "EVALSHA"} & set(calls.commands)
    assert meeting_cache.hit_rates()[meeting_cache.LIST] == {
        "hits": 1,
        "misses": 1,
        "hit_rate": 0.5,
    }


def test_a_throttle_window_expires(api_as):
    client = api_as(UserFactory())

    client.get("/api/meetings/")

    windows = cache.keys("throttle_user_*")
    assert len(windows) == 1
    assert 0 < cache.ttl(windows[0]) <= 3600 + 1
    assert cache.get(windows[0]) == 1


def test_replies_are_parsed_in_c():
    from django_redis import get_redis_connection
    from redis._parsers import _HiredisParser

    pool = get_redis_connection("default").connection_pool
    connection = pool.get_connection()
    try:
        assert isinstance(connection._parser, _HiredisParser)
    finally:
        pool.release(connection)
