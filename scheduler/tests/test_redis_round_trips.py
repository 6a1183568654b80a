"""What a warm read asks of Redis: one round trip per thing it must know, and no Lua."""

import pytest
from django.core.cache import cache

from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def test_a_throttle_window_expires(api_as):
    client = api_as(UserFactory())

    client.get("/api/meetings/")

    windows = cache.keys("throttle_user_*")
    assert len(windows) == 1
    assert 0 < cache.ttl(windows[0]) <= 3600 + 1
    assert cache.get(windows[0]) == 1
