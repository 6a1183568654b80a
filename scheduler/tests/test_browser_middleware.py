"""A request that brings an API token skips session logins and messages; every other request
goes through them as before (scheduler.browser_middleware)."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

from accounts.services import token_create
from accounts.tests.factories import UserFactory
from scheduler.browser_middleware import brings_an_api_token

pytestmark = pytest.mark.django_db

SESSIONS_AND_CSRF = {"SessionMiddleware", "CsrfViewMiddleware"}  # Django's, run for everyone

BROWSER_MIDDLEWARE = [
    name
    for name in settings.MIDDLEWARE
    if ".browser_middleware." in name or name.rsplit(".", 1)[-1] in SESSIONS_AND_CSRF
]


@pytest.mark.parametrize(
    ("path", "header", "skips"),
    [
        ("/api/meetings/", "Token abc", True),
        ("/api/meetings/", "token   abc", True),  # knox reads the scheme in any case
        ("/api/meetings/", "", False),  # the API called with a session
        ("/api/meetings/", "Bearer abc", False),
        ("/admin/", "Token abc", False),  # the admin logs in by session, whatever is sent
        ("/meetings/1/", "Token abc", False),
    ],
)
def test_which_requests_count_as_bringing_a_token(path, header, skips):
    request = RequestFactory().get(path, **({"HTTP_AUTHORIZATION": header} if header else {}))

    assert brings_an_api_token(request) is skips


def _through_the_browser_middleware(request):
    seen = {}

    def view(request):
        seen["attributes"] = {
            name for name in ("session", "user", "_messages") if hasattr(request, name)
        }
        return HttpResponse("ok")

    handler = view
    for name in reversed(BROWSER_MIDDLEWARE):
        handler = import_string(name)(handler)
    handler(request)
    return seen


def test_a_token_request_gets_no_session_login_nor_messages():
    request = RequestFactory().get("/api/meetings/", HTTP_AUTHORIZATION="Token abc")

    seen = _through_the_browser_middleware(request)

    # The session is Django's, lazy: nothing reads it.
    assert seen == {"attributes": {"session"}}


def test_any_other_request_gets_them_as_before():
    request = RequestFactory().get("/api/meetings/")

    seen = _through_the_browser_middleware(request)

    assert seen == {"attributes": {"session", "user", "_messages"}}


def test_a_token_request_answers_with_the_same_security_headers_and_no_cookie(api_as):
    # given: a browser's request with a session, and a client's with a token
    user = UserFactory()
    browser = APIClient()
    browser.force_login(user)
    client = api_as(user)
    # when
    by_session = browser.get("/api/meetings/")
    by_token = client.get("/api/meetings/")
    # then
    assert by_session.status_code == by_token.status_code == 200
    for header in (
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert by_token[header] == by_session[header], header
    assert "Server-Timing" in by_token
    assert not by_token.cookies


def test_the_api_called_with_a_session_still_checks_csrf_on_writes():
    # given: a browser logged in by session, which checks CSRF as a real one would
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    # when: a write without the CSRF token
    response = browser.post("/api/notifications/read-all/")
    # then: refused, by DRF's session authentication
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_token_write_needs_no_csrf_token(db):
    _, key = token_create(user=UserFactory())
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")

    assert client.post("/api/notifications/read-all/").status_code == 200


def test_a_token_sent_to_the_admin_leaves_its_session_login_alone():
    staff = Client(HTTP_AUTHORIZATION="Token abc")
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert staff.get("/admin/").status_code == 200
