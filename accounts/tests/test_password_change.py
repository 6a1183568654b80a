"""A changed password ends every token and session of its user, whichever way it changed.

The tokens were used before (the fixture checks them), so they are cached: the change reaches
the cache when its transaction commits, which the tests run (django_capture_on_commit_callbacks).
"""

import getpass
import hashlib

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AuthToken, User
from accounts.services import token_create
from accounts.tests.factories import UserFactory
from scheduler.api.throttling import WindowRateThrottle

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-Passphrase-42"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def logged_in():
    """ada, logged in with two tokens and a browser session; and bob, with a token."""
    ada = UserFactory(username="ada", password="pass-word-123")
    keys = [token_create(user=ada, client=name)[1] for name in ("phone", "laptop")]
    browser = Client()
    browser.force_login(ada)
    _, bob = token_create(user=UserFactory(username="bob"))

    def still_in() -> dict:
        return {
            "tokens": [token_client(key).get("/api/users/me/").status_code for key in keys],
            "session": browser.get("/api/users/me/").status_code,
            "bob": token_client(bob).get("/api/users/me/").status_code,
        }

    assert still_in() == {"tokens": [200, 200], "session": 200, "bob": 200}
    return ada, keys, still_in


LOGGED_OUT = {"tokens": [401, 401], "session": 401, "bob": 200}


def test_set_password_and_save_ends_tokens_and_sessions(
    logged_in, django_capture_on_commit_callbacks
):
    ada, _, still_in = logged_in

    with django_capture_on_commit_callbacks(execute=True):
        ada.set_password(NEW_PASSWORD)
        ada.save()

    assert still_in() == LOGGED_OUT


def test_the_changepassword_command_ends_tokens_and_sessions(
    logged_in, monkeypatch, django_capture_on_commit_callbacks
):
    _, _, still_in = logged_in
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": NEW_PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("changepassword", "ada", stdout=None)

    assert still_in() == LOGGED_OUT


@pytest.mark.parametrize(
    "form",
    [
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {"usable_password": "false", "unset-password": "1"},  # password logins turned off
    ],
)
def test_the_admins_password_form_ends_tokens_and_sessions(
    logged_in, form, django_capture_on_commit_callbacks
):
    # given
    ada, _, still_in = logged_in
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/accounts/user/{ada.pk}/password/", form)
    # then
    assert response.status_code == 302
    assert still_in() == LOGGED_OUT


def test_changing_my_password_through_the_api_ends_the_rest_and_gives_a_new_token(
    logged_in, django_capture_on_commit_callbacks
):
    # given
    ada, keys, still_in = logged_in
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(keys[1]).post(
            "/api/auth/password/", {"old_password": "pass-word-123", "new_password": NEW_PASSWORD}
        )
    # then: every old token and session is over; the answer is a new token for this client
    assert response.status_code == 200
    assert still_in() == LOGGED_OUT
    fresh = response.json()
    assert fresh["client"] == "laptop"
    assert token_client(fresh["token"]).get("/api/users/me/").status_code == 200
    assert list(AuthToken.objects.filter(user=ada).values_list("pk", flat=True)) == [fresh["id"]]
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)


def test_changing_my_password_in_a_session_keeps_that_session(db):
    me = UserFactory(password="pass-word-123")
    browser = APIClient()
    browser.force_login(me)

    response = browser.post(
        "/api/auth/password/", {"old_password": "pass-word-123", "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert browser.get("/api/users/me/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "wrong", "new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": "pass-word-123", "new_password": "123"}, "new_password"),
        ({"old_password": "pass-word-123", "new_password": "password"}, "new_password"),
        ({"old_password": "pass-word-123", "new_password": "ada@example.com"}, "new_password"),
        ({"old_password": "pass-word-123"}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "old_password"),
    ],
)
def test_a_refused_password_change_names_the_field_and_changes_nothing(logged_in, body, field):
    # given
    ada, keys, still_in = logged_in
    # when
    response = token_client(keys[0]).post("/api/auth/password/", body)
    # then
    assert response.status_code == 400
    assert field in response.json()
    assert still_in() == {"tokens": [200, 200], "session": 200, "bob": 200}
    ada.refresh_from_db()
    assert ada.check_password("pass-word-123")


def test_wrong_old_passwords_count_as_failed_logins(logged_in, monkeypatch):
    # given: 2 failures an hour per username
    monkeypatch.setattr(
        WindowRateThrottle,
        "THROTTLE_RATES",
        {"anon": "100/hour", "user": "100/hour", "login": "100/hour", "login_failures": "2/hour"},
    )
    _, keys, _ = logged_in
    client = token_client(keys[0])
    body = {"old_password": "guess", "new_password": NEW_PASSWORD}
    # when: someone with ada's token guesses her password
    codes = [client.post("/api/auth/password/", body).status_code for _ in range(3)]
    # then: no more guesses here than at the login
    assert codes == [400, 400, 429]
    login = {"username": "ada", "password": "pass-word-123"}
    assert APIClient().post("/api/auth/token/", login).status_code == 429


def test_a_new_hash_of_the_same_password_at_login_is_no_password_change(db):
    # given: a password stored with a salt too short for today's hasher, and a token
    ada = UserFactory(username="ada")
    ada.password = "md5$ab$" + hashlib.md5(b"ab" + b"pass-word-123").hexdigest()  # noqa: S324
    ada.save(update_fields=["password"])
    _, key = token_create(user=ada)
    # when: logging in upgrades the hash
    login = {"username": "ada", "password": "pass-word-123"}
    response = APIClient().post("/api/auth/token/", login)
    # then: the stored hash changed, and the old token still works
    assert response.status_code == 200
    assert User.objects.get(pk=ada.pk).password.split("$")[1] != "ab"
    assert token_client(key).get("/api/users/me/").status_code == 200


def test_saving_other_fields_after_set_password_changes_nothing(logged_in):
    ada, _, still_in = logged_in

    ada.set_password(NEW_PASSWORD)
    ada.save(update_fields=["first_name"])

    assert still_in()["tokens"] == [200, 200]
