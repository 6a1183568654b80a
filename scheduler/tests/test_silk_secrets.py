"""The attacker's test of Silk: record every kind of request people and staff make, with Silk
at 100%, then search every text column of every Silk table for each secret made on the way.

Run twice: with the routes Silk is told not to record, and with Silk recording every route, so
that the scrubbing holds on its own wherever the list of routes falls short.
"""

import base64
import binascii
import contextlib
import pprint
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from rest_framework.test import APIClient
from silk.config import SilkyConfig

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler.tests.test_silk import silk_on  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

PASSWORD = "Orig1nal-pa55word!"
API_NEW_PASSWORD = "Ch4nged-through-the-API!"
NEWCOMER_PASSWORD = "Newc0mer-pa55word!"
ADMIN_SET_PASSWORD = "Set-by-the-adm1n!"
CSRF_IN_HTML = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(params=["routes as configured", "every route recorded"])
def recording(request):
    """Silk at 100%; in the second run its choice of routes is switched off."""
    request.getfixturevalue("silk_on")
    config = SilkyConfig()
    names = ("SILKY_INTERCEPT_FUNC", "SILKY_IGNORE_PATHS", "SILKY_INTERCEPT_PERCENT")
    saved = {name: getattr(config, name) for name in names}
    config.SILKY_INTERCEPT_PERCENT = 100
    if request.param == "every route recorded":
        config.SILKY_INTERCEPT_FUNC, config.SILKY_IGNORE_PATHS = (lambda request: True), []
    yield request.param
    for name, value in saved.items():
        setattr(config, name, value)


@pytest.fixture
def sessions_cycled(settings):
    """The admin's password change cycles the session key with two reads of the session,
    which django-zeal takes for an N+1 (the admin's own tests hold that part)."""
    allowed = {"model": "sessions.Session", "field": "get()"}
    settings.ZEAL_ALLOWLIST = [*settings.ZEAL_ALLOWLIST, allowed]


class Secrets:
    def __init__(self):
        self.found: list[tuple[str, str]] = []

    def add(self, label: str, value: str | None) -> None:
        if value and (label, value) not in self.found:
            self.found.append((label, value))

    def add_html(self, response) -> None:
        """The CSRF tokens a page hands out in its forms."""
        if response.get("Content-Type", "").startswith("text/html"):
            for token in CSRF_IN_HTML.findall(response.content.decode()):
                self.add("CSRF token in a form", token)

    def add_cookies(self, browser: Client) -> None:
        for name in ("sessionid", "csrftoken"):
            if name in browser.cookies:
                self.add(f"{name} cookie", browser.cookies[name].value)

    def add_password_hash(self, user: User) -> None:
        user.refresh_from_db(fields=["password"])
        self.add(f"password hash of {user.username}", user.password)


def tokens_at_rest(user: User) -> list[str]:
    """What the database keeps of a user's API tokens: the digest of each (django-rest-knox),
    found by shape so that a token model of another name is searched too."""
    kept = []
    for model in apps.get_models():
        fields = {field.name for field in model._meta.concrete_fields}
        if "user" not in fields:
            continue
        if "digest" in fields:
            kept += model.objects.filter(user=user).values_list("digest", flat=True)
    return kept


def _decoded(value) -> str:
    """The value, and if it is base64 (Silk's raw bodies) what it encodes."""
    with contextlib.suppress(ValueError, TypeError, binascii.Error):
        return f"{value}\n{base64.b64decode(value, validate=True).decode('utf-8', 'replace')}"
    return str(value)


class _PostForm(HTMLParser):
    """The fields a browser would send from a page's post form (the admin's logout form in
    the header aside)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("method") == "post" and attrs.get("id") != "logout-form"
        if not self._in_form or not attrs.get("name") and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.setdefault(attrs["name"], []).append(attrs.get("value") or "on")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def submit(browser: Client, secrets: Secrets, path: str, **changes: str):
    """GET the admin page, then POST its form back as a browser would, with `changes`."""
    page = browser.get(path)
    assert page.status_code == 200, path
    secrets.add_html(page)
    parser = _PostForm()
    parser.feed(page.content.decode())
    fields = {**parser.fields, **{name: [value] for name, value in changes.items()}}
    form = urlencode(fields, doseq=True)  # as browsers send the admin's forms
    response = browser.post(path, form, "application/x-www-form-urlencoded")
    secrets.add_html(response)
    secrets.add_cookies(browser)
    return response


def use_the_api(secrets: Secrets, ada: User) -> APIClient:
    api = APIClient()
    login = api.post("/api/auth/token/", {"username": "ada", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    token = login.json()["token"]
    secrets.add("API token", token)
    for stored in tokens_at_rest(ada):
        secrets.add("API token at rest", stored)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/meetings/").status_code == 200
    created = api.post(
        "/api/meetings/",
        {"title": "Profiled", "start_time": "2026-05-04T09:00Z", "end_time": "2026-05-04T10:00Z"},
        format="json",
    )
    assert created.status_code == 201
    api.patch("/api/users/me/", {"first_name": "Ada", "password": PASSWORD}, format="json")
    return api


def use_the_feed(secrets: Secrets, api: APIClient) -> None:
    anonymous = APIClient()
    url = api.get("/api/users/me/feed/").json()["url"]
    secrets.add("feed secret", re.search(r"/feeds/(.+)\.ics$", url)[1])
    assert anonymous.get(url).status_code == 200
    rotated = api.post("/api/users/me/feed/rotate/").json()["url"]
    secrets.add("rotated feed secret", re.search(r"/feeds/(.+)\.ics$", rotated)[1])
    assert anonymous.get(rotated).status_code == 200
    assert anonymous.get(url).status_code == 404


def use_the_pages(secrets: Secrets, meeting_id: int) -> None:
    """The pages e-mails link to: log in there, open the meeting, answer it, log out."""
    browser = Client(enforce_csrf_checks=True)
    logged_in = submit(browser, secrets, "/login/", username="ada", password=PASSWORD)
    assert logged_in.status_code == 302
    page = browser.get(f"/meetings/{meeting_id}/")
    assert page.status_code == 200
    secrets.add_html(page)
    csrf = browser.cookies["csrftoken"].value
    answered = browser.post(
        f"/meetings/{meeting_id}/rsvp/",
        f"csrfmiddlewaretoken={csrf}&status=accepted",
        "application/x-www-form-urlencoded",
    )
    assert answered.status_code == 302
    secrets.add_cookies(browser)
    browser.post("/logout/", f"csrfmiddlewaretoken={csrf}", "application/x-www-form-urlencoded")


def use_the_admin(secrets: Secrets, ada: User) -> Client:
    browser = Client(enforce_csrf_checks=True)
    logged_in = submit(browser, secrets, "/admin/login/", username="ada", password=PASSWORD)
    assert logged_in.status_code == 302
    secrets.add_html(browser.get("/admin/meetings/meeting/"))
    # the API through the browser's session, with the CSRF token in a header
    csrf = browser.cookies["csrftoken"].value
    patched = browser.patch(
        "/api/users/me/", {"last_name": "Lovelace"}, "application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert patched.status_code == 200
    added = submit(
        browser,
        secrets,
        "/admin/accounts/user/add/",
        username="newcomer",
        password1=NEWCOMER_PASSWORD,
        password2=NEWCOMER_PASSWORD,
    )
    assert added.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    secrets.add_password_hash(newcomer)
    changed = submit(
        browser,
        secrets,
        f"/admin/accounts/user/{newcomer.pk}/password/",
        password1=ADMIN_SET_PASSWORD,
        password2=ADMIN_SET_PASSWORD,
    )
    assert changed.status_code == 302
    secrets.add_password_hash(newcomer)
    saved = submit(browser, secrets, f"/admin/accounts/user/{ada.pk}/change/", first_name="A.")
    assert saved.status_code == 302
    return browser


def change_password_and_log_out(secrets: Secrets, ada: User, api: APIClient, browser: Client):
    # The API's password change answers a fresh token for this client; then log out.
    changed = api.post(
        "/api/auth/password/",
        {"old_password": PASSWORD, "new_password": API_NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 200
    secrets.add("token after the password change", changed.json()["token"])
    secrets.add_password_hash(ada)
    password = API_NEW_PASSWORD if ada.check_password(API_NEW_PASSWORD) else PASSWORD
    again = APIClient().post(
        "/api/auth/token/", {"username": "ada", "password": password}, format="json"
    )
    secrets.add("second API token", again.json().get("token"))
    for stored in tokens_at_rest(ada):
        secrets.add("API token at rest", stored)
    api.credentials(HTTP_AUTHORIZATION=f"Token {again.json().get('token')}")
    api.post("/api/auth/logout/")
    # the password change ended the admin's session too: log in again, with the new password
    assert browser.get("/admin/").status_code == 302
    again_in = submit(browser, secrets, "/admin/login/", username="ada", password=password)
    assert again_in.status_code == 302
    index = browser.get("/admin/")
    secrets.add_html(index)
    csrf = CSRF_IN_HTML.search(index.content.decode())[1]
    logout = browser.post(
        "/admin/logout/", f"csrfmiddlewaretoken={csrf}", "application/x-www-form-urlencoded"
    )
    assert logout.status_code == 200


def every_text_silk_keeps() -> dict[str, str]:
    """{"Model.field": every value of it} for every text column of every Silk model, base64
    (raw bodies) decoded too."""
    kept = {}
    for model in apps.get_app_config("silk").get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.FileField):
                values = model.objects.values_list(field.attname, flat=True)
                kept[f"{model.__name__}.{field.name}"] = "\n".join(map(_decoded, values))
    return kept


def test_silk_keeps_no_credential_of_any_request(recording, sessions_cycled):
    from silk.models import Request, SQLQuery

    # given: a person who uses the API, the calendar feed and the admin
    secrets = Secrets()
    secrets.add("password", PASSWORD)
    secrets.add("API password", API_NEW_PASSWORD)
    secrets.add("newcomer's password", NEWCOMER_PASSWORD)
    secrets.add("password set in the admin", ADMIN_SET_PASSWORD)
    ada = UserFactory(username="ada", password=PASSWORD, is_staff=True, is_superuser=True)
    secrets.add_password_hash(ada)
    ParticipantFactory(meeting=MeetingFactory(created_by=ada))
    invited = ParticipantFactory(user=ada).meeting

    # when
    api = use_the_api(secrets, ada)
    use_the_feed(secrets, api)
    use_the_pages(secrets, invited.pk)
    browser = use_the_admin(secrets, ada)
    change_password_and_log_out(secrets, ada, api, browser)
    stored = every_text_silk_keeps()

    # then: Silk recorded the traffic, with its SQL, and none of the secrets
    paths = set(Request.objects.values_list("path", flat=True))
    assert {"/api/meetings/", "/admin/meetings/meeting/", "/api/users/me/"} <= paths
    assert f"/meetings/{invited.pk}/" in paths
    assert SQLQuery.objects.filter(request__path="/api/meetings/").exists()
    if recording == "every route recorded":
        assert {"/api/auth/token/", "/api/feeds/[secret].ics", "/admin/login/", "/login/"} <= paths
    labels = {label for label, _ in secrets.found}
    assert {"API token", "feed secret", "sessionid cookie", "CSRF token in a form"} <= labels
    leaks = {
        label: columns
        for label, secret in secrets.found
        if (columns := [column for column, text in stored.items() if secret in text])
    }
    assert not leaks, "Silk keeps these secrets:\n" + pprint.pformat(leaks)
