"""Silk: staff only, nothing in its tables that could log someone in, its profiler on the
statistics, and garbage collection by a periodic task."""

import base64
import contextlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
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
    at = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: at + 1],
        "silk.middleware.SilkyMiddleware",
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


@pytest.mark.parametrize("page", SILK_PAGES)
def test_staff_see_silk(client, recorded, page):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(page.format(**recorded)).status_code == 200


def _every_text_in_silks_tables() -> str:
    texts = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("silk").get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            texts += [str(value) for row in cursor.fetchall() for value in row]
    decoded = []
    for text in texts:  # Silk keeps raw bodies base64-encoded
        with contextlib.suppress(ValueError):
            decoded.append(base64.b64decode(text, validate=True).decode("utf-8", "replace"))
    return "\n".join(texts + decoded)


def test_silk_stores_no_token_password_or_session_key(silk_on):
    # given: a person who logs in to the admin and to the API, and uses both
    password = "s3cret-Pa55word!"
    user = UserFactory(username="ada", password=password, is_staff=True, is_superuser=True)
    ParticipantFactory(meeting=MeetingFactory(created_by=user))
    browser = Client()
    browser.post("/admin/login/", {"username": "ada", "password": password, "next": "/admin/"})
    browser.get("/admin/meetings/meeting/")
    api = APIClient()
    token = api.post("/api/auth/token/", {"username": "ada", "password": password}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    api.get("/api/meetings/")
    api.post(
        "/api/meetings/",
        {
            "title": "Profiled",
            "start_time": "2026-05-04T09:00:00Z",
            "end_time": "2026-05-04T10:00:00Z",
        },
        format="json",
    )
    api.patch("/api/users/me/", {"first_name": "Ada", "password": password}, format="json")
    session_key = browser.cookies["sessionid"].value
    # when
    stored = _every_text_in_silks_tables()
    # then: Silk did record the session, and none of the secrets
    assert "/api/meetings/" in stored
    assert "/admin/meetings/meeting/" in stored
    assert api.get("/api/users/me/").status_code == 200  # the token was a real one
    for secret in (token, password, session_key):
        assert secret not in stored


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
    client.force_login(UserFactory(is_staff=True))

    for page in ("/silk/requests/", "/silk/", "/silk/profiling/"):
        assert client.get(page).status_code == 200
