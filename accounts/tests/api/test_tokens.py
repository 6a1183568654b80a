"""API tokens: hashed, expiring, listed and revoked by their owner, one query per request (none
once the token is cached: accounts/tests/test_token_cache.py).

Revocations reach the token cache once their transaction commits: the tests run the commit's
callbacks (django_capture_on_commit_callbacks) where they revoke a token that was used.
"""

import hashlib
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuthToken
from accounts.services import token_create
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key: str) -> bool:
    status = client_with(key).get("/api/users/me/").status_code
    assert status in (200, 401)
    return status == 200


def test_the_database_holds_a_digest_of_the_token_not_the_token(anonymous):
    # given: a login
    UserFactory(username="ada", password="correct horse")
    key = anonymous.post("/api/auth/token/", {"username": "ada", "password": "correct horse"})
    key = key.json()["token"]
    # when: a copy of the table is read, every column
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_authtoken")
        stored = [str(value) for row in cursor.fetchall() for value in row]
    # then: the token is nowhere in it, its SHA-512 is
    assert works(key)
    assert not any(key in value for value in stored)
    assert hashlib.sha512(key.encode()).hexdigest() in stored


def test_tokens_of_django_rest_frameworks_authtoken_no_longer_exist(db):
    tables = connection.introspection.table_names()

    assert "authtoken_token" not in tables
    assert "accounts_authtoken" in tables


@pytest.mark.parametrize(
    "header",
    [
        "Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",  # a DRF token of before
        "Token é",
        "Token a\x00b",
        "Token",
        "Token a b",
    ],
)
def test_a_wrong_token_is_a_401(anonymous, header):
    anonymous.credentials(HTTP_AUTHORIZATION=header)

    assert anonymous.get("/api/users/me/").status_code == 401


def test_a_token_expires_after_the_configured_time_unused(settings):
    # given: tokens that live an hour
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=1)}
    token, key = token_create(user=UserFactory())
    # then
    assert timedelta(minutes=59) < token.expiry - timezone.now() <= timedelta(hours=1)
    assert works(key)  # and now cached
    # when: the hour is over
    later = timezone.now() + timedelta(hours=1, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        # then: neither the cache nor the database takes it
        assert not works(key)


def test_using_a_token_moves_its_expiry_and_notes_the_use_once_a_minute(
    django_assert_num_queries,
):
    # given: a token last used two minutes ago, about to expire
    token, key = token_create(user=UserFactory())
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    soon = timezone.now() + timedelta(minutes=1)
    AuthToken.objects.filter(pk=token.pk).update(last_used=two_minutes_ago, expiry=soon)
    client = client_with(key)
    # when: it is used twice
    with django_assert_num_queries(2):  # the token and its user; the new expiry and last use
        client.get("/api/users/me/")
    with django_assert_num_queries(0):  # used a moment ago: cached, and nothing to write
        client.get("/api/users/me/")
    # then
    token.refresh_from_db()
    assert token.last_used > two_minutes_ago
    assert token.expiry > timezone.now() + timedelta(days=29)


def test_logout_ends_this_token_only(django_capture_on_commit_callbacks):
    # given: one person logged in on two devices
    user = UserFactory()
    _, phone = token_create(user=user, client="phone")
    _, laptop = token_create(user=user, client="laptop")
    assert works(phone)
    assert works(laptop)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_with(phone).post("/api/auth/logout/")
    # then
    assert response.status_code == 204
    assert not works(phone)
    assert works(laptop)


def test_logout_all_ends_all_my_tokens_and_nobody_elses(django_capture_on_commit_callbacks):
    # given
    user = UserFactory()
    keys = [token_create(user=user, client=name)[1] for name in ("phone", "laptop")]
    _, other = token_create(user=UserFactory())
    assert [works(key) for key in (*keys, other)] == [True, True, True]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_with(keys[0]).post("/api/auth/logout-all/")
    # then
    assert response.status_code == 204
    assert [works(key) for key in keys] == [False, False]
    assert works(other)


def test_logout_needs_a_token(client):
    client.force_login(UserFactory())

    assert client.post("/api/auth/logout/").status_code == 401


def test_my_token_list_shows_my_tokens_and_never_a_secret(django_assert_num_queries):
    # given: two tokens of mine, one expired, and someone else's
    me = UserFactory()
    phone, phone_key = token_create(user=me, client="phone")
    laptop, laptop_key = token_create(user=me, client="laptop")
    gone, _ = token_create(user=me, client="old")
    AuthToken.objects.filter(pk=gone.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    token_create(user=UserFactory(), client="theirs")
    client = client_with(laptop_key)
    # when
    with django_assert_num_queries(2):  # the token and its user, the list
        response = client.get("/api/auth/tokens/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert [(t["id"], t["client"], t["current"]) for t in body] == [
        (laptop.pk, "laptop", True),
        (phone.pk, "phone", False),
    ]
    assert set(body[0]) == {"id", "client", "created", "expiry", "last_used", "current"}
    text = response.content.decode()
    for secret in (phone_key, laptop_key, phone.digest, laptop.digest, phone.token_key):
        assert secret not in text


def test_i_revoke_one_of_my_tokens_but_not_someone_elses(db):
    # given
    me, them = UserFactory(), UserFactory()
    _, mine = token_create(user=me, client="laptop")
    phone, phone_key = token_create(user=me, client="phone")
    theirs, their_key = token_create(user=them)
    client = client_with(mine)
    # when
    not_mine = client.delete(f"/api/auth/tokens/{theirs.pk}/")
    too_big = client.delete(f"/api/auth/tokens/{2**64}/")
    revoked = client.delete(f"/api/auth/tokens/{phone.pk}/")
    # then
    assert (not_mine.status_code, too_big.status_code, revoked.status_code) == (404, 404, 204)
    assert works(their_key)
    assert not works(phone_key)
    assert works(mine)
    assert client.delete(f"/api/auth/tokens/{phone.pk}/").status_code == 404


def test_a_login_beyond_the_limit_ends_the_least_recently_used_token(settings):
    # given: two tokens allowed per person, and two of them, the phone's unused for a day
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    user = UserFactory()
    phone, phone_key = token_create(user=user, client="phone")
    _, laptop_key = token_create(user=user, client="laptop")
    AuthToken.objects.filter(pk=phone.pk).update(last_used=timezone.now() - timedelta(days=1))
    # when
    _, tablet_key = token_create(user=user, client="tablet")
    # then
    assert [works(key) for key in (phone_key, laptop_key, tablet_key)] == [False, True, True]
    assert AuthToken.objects.filter(user=user).count() == 2


def test_a_limit_of_one_token_keeps_the_newest_only(settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 1}
    user = UserFactory()
    _, first = token_create(user=user)

    _, second = token_create(user=user)

    assert (works(first), works(second)) == (False, True)


def test_a_token_of_someone_deactivated_is_a_401(db):
    user = UserFactory()
    _, key = token_create(user=user)

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert not works(key)
