"""Cached entries are kept per release; the generations that make them stale are shared, so a
write served by either release of a rolling deploy reaches what both have cached."""

import pytest

from scheduler import caching
from scheduler.caching import Computed

pytestmark = pytest.mark.django_db


def cached(computed: list[str], release: str, settings) -> bytes:
    settings.RELEASE_ID = release

    def compute() -> Computed:
        computed.append(release)
        return Computed(f"shape of {release}".encode(), None)

    return caching.cached_for_user(
        family="meeting_list", user_id=7, key="meetings:meeting_list:u7:x", timeout=300,
        compute=compute,
    )  # fmt: skip


def test_a_new_release_does_not_serve_the_old_ones_entries(settings):
    computed: list[str] = []
    # given: the old release cached the entry
    assert cached(computed, "old", settings) == b"shape of old"
    # when: the new release reads it
    body = cached(computed, "new", settings)
    # then: its own shape, computed by itself; each release then hits its own entry
    assert body == b"shape of new"
    assert cached(computed, "old", settings) == b"shape of old"
    assert cached(computed, "new", settings) == b"shape of new"
    assert computed == ["old", "new"]


def test_a_write_in_one_release_makes_the_others_entries_stale(settings):
    computed: list[str] = []
    cached(computed, "old", settings)
    cached(computed, "new", settings)
    # when: a process of the new release bumps the user's generation after a write
    settings.RELEASE_ID = "new"
    caching.bump_users([7])
    # then: the old release's processes compute anew too
    cached(computed, "old", settings)
    assert computed == ["old", "new", "old"]
