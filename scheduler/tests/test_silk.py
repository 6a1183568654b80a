"""Silk: superusers and staff allowed to profile only, its profiler on the statistics, and
garbage collection by a periodic task. What it stores: test_silk_secrets.py."""

import pytest
from django.contrib.auth.models import Permission

from accounts.tests.factories import UserFactory
from scheduler.settings.components.silk import authentication_index
from scheduler.silk import SILK_MIDDLEWARE
from scheduler.tasks import silk_garbage_collect

pytestmark = pytest.mark.django_db

SILK_PAGES = [
    "/silk/",
    "/silk/requests/",
    "/silk/profiling/",
    "/silk/cleardb/",
    "/silk/request/{request}/",
    "/silk/request/{request}/sql/",
    "/silk/request/{request}/raw/?typ=response&subtyp=raw",
    "/silk/request/{request}/profiling/",
    "/silk/profile/{profile}/",
]


@pytest.fixture
def silk_on(settings):
    at = authentication_index(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: at + 1],
        SILK_MIDDLEWARE,
        *settings.MIDDLEWARE[at + 1 :],
    ]


@pytest.fixture
def recorded(silk_on, api_as):
    """One request recorded by Silk, with a profile (the statistics are profiled)."""
    from silk.models import Profile, Request

    api_as(UserFactory()).get("/api/meetings/stats/")
    return {"request": Request.objects.get().pk, "profile": Profile.objects.get().pk}


@pytest.mark.parametrize("page", SILK_PAGES)
def test_anonymous_people_are_sent_to_log_in(client, recorded, page):
    response = client.get(page.format(**recorded))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("page", SILK_PAGES)
def test_people_who_are_not_staff_are_refused(client, recorded, page):
    client.force_login(UserFactory(is_staff=False))

    assert client.get(page.format(**recorded)).status_code == 403


@pytest.fixture
def may_profile():
    """The permission that opens Silk to staff."""
    return Permission.objects.get(content_type__app_label="accounts", codename="profile")


@pytest.mark.parametrize("page", SILK_PAGES)
def test_staff_without_the_profile_permission_are_refused(client, recorded, page):
    # given: staff with every other permission
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.exclude(codename="profile"))
    client.force_login(staff)

    # when
    response = client.get(page.format(**recorded))

    # then
    assert response.status_code == 403


@pytest.mark.parametrize("page", SILK_PAGES)
def test_staff_with_the_profile_permission_see_silk(client, recorded, page, may_profile):
    # given
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(may_profile)
    client.force_login(staff)

    # when
    response = client.get(page.format(**recorded))

    # then
    assert response.status_code == 200


@pytest.mark.parametrize("page", SILK_PAGES)
def test_superusers_see_silk(client, recorded, page):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(page.format(**recorded)).status_code == 200


def test_the_statistics_view_is_profiled(silk_on, api_as):
    from silk.models import Profile

    api_as(UserFactory()).get("/api/meetings/stats/")

    assert Profile.objects.filter(name="meeting statistics").count() == 1


def test_silk_keeps_a_bounded_number_of_requests(silk_on, settings, api_as):
    from silk.config import SilkyConfig
    from silk.models import Request

    client = api_as(UserFactory())
    for _ in range(6):
        client.get("/api/users/me/")
    assert Request.objects.count() == 6
    SilkyConfig().SILKY_MAX_RECORDED_REQUESTS = 4
    try:
        silk_garbage_collect()
    finally:
        SilkyConfig().SILKY_MAX_RECORDED_REQUESTS = settings.SILKY_MAX_RECORDED_REQUESTS

    assert Request.objects.count() == 4


def test_silks_pages_list_many_requests(client, silk_on, api_as):
    user = api_as(UserFactory())
    for _ in range(5):
        user.get("/api/users/me/")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    for page in ("/silk/requests/", "/silk/", "/silk/profiling/"):
        assert client.get(page).status_code == 200
