import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings import cache as meeting_cache
from scheduler import caching

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_traffic():
    caching.reset_hit_rates(meeting_cache.FAMILIES)
    for _ in range(3):
        caching.count(meeting_cache.LIST, hit=True)
    caching.count(meeting_cache.LIST, hit=False)
    caching.count(meeting_cache.STATS, hit=False)


def test_staff_read_hit_rates_per_family(api_as, some_traffic):
    staff = UserFactory(is_staff=True)

    body = api_as(staff).get("/api/metrics/cache/").json()

    assert body["families"] == {
        "meeting_list": {"hits": 3, "misses": 1, "hit_rate": 0.75},
        "meeting_stats": {"hits": 0, "misses": 1, "hit_rate": 0.0},
        "meeting_detail": {"hits": 0, "misses": 0, "hit_rate": None},
        "meeting_feed": {"hits": 0, "misses": 0, "hit_rate": None},
        "busy_month": {"hits": 0, "misses": 0, "hit_rate": None},
    }


def test_other_users_may_not_read_them(api_as, anonymous, some_traffic):
    assert api_as(UserFactory()).get("/api/metrics/cache/").status_code == 403
    assert anonymous.get("/api/metrics/cache/").status_code == 401


def test_the_admin_index_shows_them(admin_client, some_traffic, django_assert_num_queries):
    with django_assert_num_queries(3):  # session, user, recent actions: none for the rates
        response = admin_client.get(reverse("admin:index"))

    html = response.text
    section = html[html.index('id="cache-hit-rates"') :]
    assert "<td>meeting_list</td>" in section
    assert "<td>75%</td>" in section
    assert "<td>–</td>" in section
