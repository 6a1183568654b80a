"""The token cache: a token used a moment ago costs no query, holds no secret in the cache, and
stops working at once however it is revoked (accounts.cache).

Each revocation test first makes sure the token is served from the cache (a request without a
query), so that it fails if that revocation path stops flushing the cache. Revocations reach
the cache when their transaction commits: the tests run the commit's callbacks.
"""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from accounts import cache as token_cache
from accounts import services
from accounts.authentication import _live_token
from accounts.models import AuthToken, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/users/me/"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def status(key: str) -> int:
    return client_with(key).get(ME).status_code


@pytest.fixture
def cached(django_assert_num_queries):
    """cached(user) -> (token, key): a token of the user, used once, so served from the cache."""

    def make(user: User, client: str = "phone") -> tuple[AuthToken, str]:
        token, key = services.token_create(user=user, client=client)
        assert status(key) == 200
        with django_assert_num_queries(0):
            assert status(key) == 200
        return token, key

    return make


def cache_contents() -> list[bytes]:
    """Every key and stored value of this run's cache, as bytes (values as the backend stores
    them: pickled, where a string shows as its UTF-8 bytes)."""
    if hasattr(cache, "_cache"):  # local memory: {key: pickled value}
        return [key.encode() + b"\0" + value for key, value in cache._cache.items()]
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return [key + b"\0" + _stored(redis, key) for key in redis.scan_iter(f"{prefix}:*")]


def _stored(redis, key: bytes) -> bytes:
    """A key's value whatever its type: the request figures (perfstats) are hashes, written
    by each process at most once a second, so one may appear in the middle of the scan."""
    kind = redis.type(key)
    if kind == b"hash":
        return b"\0".join(k + b"=" + v for k, v in redis.hgetall(key).items())
    if kind == b"list":
        return b"\0".join(redis.lrange(key, 0, -1))
    if kind == b"set":
        return b"\0".join(redis.smembers(key))
    if kind == b"zset":
        return b"\0".join(redis.zrange(key, 0, -1))
    return redis.get(key) or b""


def seconds_to_live(key: str) -> float:
    if hasattr(cache, "_expire_info"):
        return cache._expire_info[cache.make_key(key)] - time.time()
    return cache.ttl(key)


# -- what is cached ----------------------------------------------------------------------------


def test_a_token_used_a_moment_ago_costs_no_query(django_assert_num_queries):
    # given
    _, key = services.token_create(user=UserFactory(timezone="Asia/Tokyo"))
    client = client_with(key)
    # when
    with django_assert_num_queries(1):  # the token with its user
        cold = client.get(ME)
    with django_assert_num_queries(0):
        warm = client.get(ME)
    # then: the same answer, the user's zone and all
    assert cold.status_code == warm.status_code == 200
    assert warm.json() == cold.json()
    assert warm.json()["timezone"] == "Asia/Tokyo"


def test_the_cache_holds_neither_the_token_nor_any_other_secret(anonymous):
    # given: a login through the API, a feed URL, and requests with the token
    UserFactory(username="ada", password="correct horse")
    login = {"username": "ada", "password": "correct horse"}
    key = anonymous.post("/api/auth/token/", login).json()["token"]
    client = client_with(key)
    client.get("/api/users/me/feed/")
    for _ in range(3):
        assert client.get(ME).status_code == 200
    ada = User.objects.get(username="ada")
    token = AuthToken.objects.get(user=ada)
    # when: every key and value of the cache is read
    contents = b"\n".join(cache_contents())
    # then: the user is there (the scan saw the entry); no secret is
    assert b"ada@example.com" in contents
    secrets = {
        "token": key,
        "its digest": token.digest,
        "its first characters": token.token_key,
        "digest of the token": hash_token(key),
        "password hash": ada.password,
        "feed token": ada.feed_token,
    }
    assert ada.feed_token
    found = [name for name, secret in secrets.items() if secret.encode() in contents]
    assert found == []


def test_a_user_from_the_cache_reads_a_secret_field_with_a_query(cached, django_assert_num_queries):
    # given
    user = UserFactory(password="pass-word-123")
    _, key = cached(user)
    token = token_cache.token_authenticated(key=key, digest=hash_token(key), load=lambda: None)
    # when / then: built without a query; the password's hash, left out, costs one
    assert token is not None
    assert token.hit
    with django_assert_num_queries(1):
        assert token.token.user.check_password("pass-word-123")


# -- revocation, by every path -------------------------------------------------------------


def _logout(user, key, other):
    assert client_with(key).post("/api/auth/logout/").status_code == 204


def _logout_all(user, key, other):
    assert client_with(other).post("/api/auth/logout-all/").status_code == 204


def _revoked_from_my_token_list(user, key, other):
    token_id = AuthToken.objects.get(digest=hash_token(key)).pk
    assert client_with(other).delete(f"/api/auth/tokens/{token_id}/").status_code == 204


def _password_changed_through_the_api(user, key, other):
    body = {"old_password": "pass-word-123", "new_password": "a-new-Passphrase-42"}
    assert client_with(other).post("/api/auth/password/", body).status_code == 200


def _password_set_and_saved(user, key, other):
    user.set_password("a-new-Passphrase-42")
    user.save()


def _deactivated(user, key, other):
    user.is_active = False
    user.save(update_fields=["is_active"])


def _deactivated_in_the_admin(user, key, other):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = staff.get(f"/admin/accounts/user/{user.pk}/change/").context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"is_active", "groups", "user_permissions", "password"}
    }
    data.update(
        date_joined_0=user.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=user.date_joined.strftime("%H:%M:%S"),
    )
    response = staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active


def _deleted(user, key, other):
    user.delete()


def _deleted_in_bulk(user, key, other):
    User.objects.filter(pk=user.pk).delete()


def _deleted_in_the_admin(user, key, other):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = staff.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def _all_tokens_revoked_by_the_service(user, key, other):
    services.user_revoke_tokens(user=user)


def _ended_by_a_login_beyond_the_limit(user, key, other):
    # The cached token is the least recently used of two; the limit is two: a login ends it.
    AuthToken.objects.filter(digest=hash_token(key)).update(
        last_used=timezone.now() - timedelta(days=1)
    )
    with override_settings(REST_KNOX={**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}):
        services.token_create(user=user, client="tablet")


REVOCATIONS = {
    "logout": _logout,
    "logout everywhere": _logout_all,
    "revoked from the token list": _revoked_from_my_token_list,
    "password changed through the API": _password_changed_through_the_api,
    "password set and saved": _password_set_and_saved,
    "deactivated": _deactivated,
    "deactivated in the admin": _deactivated_in_the_admin,
    "deleted": _deleted,
    "deleted in bulk": _deleted_in_bulk,
    "deleted in the admin": _deleted_in_the_admin,
    "all tokens revoked by the service": _all_tokens_revoked_by_the_service,
    "ended by a login beyond the limit": _ended_by_a_login_beyond_the_limit,
}


@pytest.mark.parametrize("revoke", REVOCATIONS.values(), ids=REVOCATIONS.keys())
def test_a_cached_token_stops_working_at_once_however_it_is_revoked(
    cached, revoke, django_capture_on_commit_callbacks
):
    # given: a token served from the cache, and another of the same person
    user = UserFactory(password="pass-word-123")
    _, key = cached(user, "phone")
    _, other = cached(user, "laptop")
    _, someone_elses = cached(UserFactory())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        revoke(user, key, other)
    # then
    assert status(key) == 401
    assert status(someone_elses) == 200


def test_logout_leaves_my_other_tokens_working(cached, django_capture_on_commit_callbacks):
    user = UserFactory()
    _, phone = cached(user, "phone")
    _, laptop = cached(user, "laptop")

    with django_capture_on_commit_callbacks(execute=True):
        client_with(phone).post("/api/auth/logout/")

    assert (status(phone), status(laptop)) == (401, 200)


def test_a_changed_user_is_read_again(cached, django_capture_on_commit_callbacks):
    # given
    user = UserFactory(timezone="UTC", first_name="Ada")
    _, key = cached(user)
    # when: the API changes one field, a save another
    with django_capture_on_commit_callbacks(execute=True):
        client_with(key).patch(ME, {"timezone": "Europe/Paris"})
        user.refresh_from_db()
        user.first_name = "Augusta"
        user.save(update_fields=["first_name"])
    # then
    me = client_with(key).get(ME).json()
    assert (me["timezone"], me["first_name"]) == ("Europe/Paris", "Augusta")


def test_a_login_leaves_the_users_cached_tokens_cached(
    cached, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory()
    _, key = cached(user)
    # when: a login notes its time (last_login, which the cache does not hold)
    with django_capture_on_commit_callbacks(execute=True):
        update_last_login(None, user)
    # then
    with django_assert_num_queries(0):
        assert status(key) == 200


def test_a_revocation_made_while_a_reader_looks_is_not_undone_by_it(
    django_capture_on_commit_callbacks,
):
    # given: a token whose cache entry a slow reader is about to store: it read the cache (a
    # miss) and the database (the token, still there)
    user = UserFactory()
    _, key = services.token_create(user=user)
    digest = hash_token(key)
    slow = token_cache.token_authenticated(
        key=key, digest=digest, load=lambda: _live_token(key, digest)
    )
    assert slow is not None
    assert not slow.hit
    # when: the token is revoked and committed, then the reader stores what it read
    with django_capture_on_commit_callbacks(execute=True):
        services.user_revoke_tokens(user=user)
    token_cache.token_store(slow)
    # then
    assert status(key) == 401


def test_a_reader_between_a_revocation_and_its_commit_does_not_undo_it(
    django_capture_on_commit_callbacks,
):
    # given: a token, read from the database before its revocation
    user = UserFactory()
    token, key = services.token_create(user=user)
    digest = hash_token(key)
    as_read = _live_token(key, digest)
    # when: revoked; before the commit, another connection (which still sees the row) reads
    # the cache and stores the token
    with django_capture_on_commit_callbacks(execute=True):
        services.user_revoke_tokens(user=user)
        between = token_cache.token_authenticated(key=key, digest=digest, load=lambda: as_read)
        token_cache.token_store(between)
    # then: the commit made that entry stale
    assert status(key) == 401


def test_no_admin_page_deletes_tokens_behind_the_caches_back():
    # Knox registers an admin for its own token model, which accounts.AuthToken replaces: the
    # admin skips it (swapped out). An admin for ours would have to flush the owners' tokens
    # (accounts.cache.flush_user_tokens) in delete_model() and delete_queryset(), as the
    # services do: deleting the rows tells the cache nothing.
    assert [m for m in admin.site._registry if m._meta.model_name == "authtoken"] == []


# -- expiry and renewal ------------------------------------------------------------------------


def test_a_cached_token_never_outlives_its_expiry():
    # given: a token with 30 seconds to live, used once
    token, key = services.token_create(user=UserFactory())
    soon = timezone.now() + timedelta(seconds=30)
    AuthToken.objects.filter(pk=token.pk).update(expiry=soon)
    assert status(key) == 200
    # then: the entry goes when the token does
    entry = token_cache.token_key(token_cache._token_hash(hash_token(key)))
    assert 0 < seconds_to_live(entry) <= 30
    # and with the clock past the expiry, the entry is not taken
    with mock.patch("django.utils.timezone.now", return_value=soon + timedelta(seconds=1)):
        assert status(key) == 401


def test_a_cached_token_is_renewed_once_a_minute(cached, django_assert_num_queries):
    # given: a cached token
    token, key = cached(UserFactory())
    later = timezone.now() + timedelta(minutes=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        # when: used two minutes later, twice
        with django_assert_num_queries(1):  # the new expiry and last use
            assert status(key) == 200
        with django_assert_num_queries(0):  # noted in the cache too
            assert status(key) == 200
    # then
    token.refresh_from_db()
    assert token.last_used == later
    assert token.expiry == later + settings.REST_KNOX["TOKEN_TTL"]


def test_a_renewal_keeps_the_entry_no_longer_than_its_user_was_read_for(cached):
    # given: a token cached a moment ago, its user read from the database then
    token, key = cached(UserFactory())
    entry = token_cache.token_key(token_cache._token_hash(hash_token(key)))
    assert seconds_to_live(entry) > settings.TOKEN_CACHE_SECONDS - 5
    # when: renewed four minutes later, from the cache
    later = timezone.now() + timedelta(minutes=4)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert status(key) == 200
    # then: stored again with the new expiry, but for what remains of the five minutes (were a
    # flush lost, the user as read then would not be served for ever)
    token.refresh_from_db()
    assert token.last_used == later
    assert 0 < seconds_to_live(entry) <= settings.TOKEN_CACHE_SECONDS - 4 * 60 + 1


def test_a_token_deleted_behind_the_caches_back_fails_at_its_renewal(cached):
    # given: a cached token deleted by a raw statement, which tells the cache nothing
    token, key = cached(UserFactory())
    AuthToken.objects.filter(pk=token.pk)._raw_delete(AuthToken.objects.db)
    # when / then: it works until its use is next written, a minute at most
    assert status(key) == 200
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=2)
    ):
        assert status(key) == 401


# -- owners, and the cache off -----------------------------------------------------------------


def test_a_token_whose_owner_the_cache_does_not_know_is_cached_from_its_second_use(
    django_assert_num_queries,
):
    # given: a token made before the cache knew owners (or the note evicted)
    token, key = services.token_create(user=UserFactory())
    token_hash = token_cache._token_hash(token.digest)
    cache.delete(token_cache.owner_key(token_hash))
    token_cache._owners.pop(token_hash)
    # when / then: the first use notes the owner, the second caches the token
    for queries in (1, 1, 0):
        with django_assert_num_queries(queries):
            assert status(key) == 200


def test_with_the_cache_off_every_request_reads_the_token(settings, django_assert_num_queries):
    settings.TOKEN_CACHE_SECONDS = 0
    _, key = services.token_create(user=UserFactory())

    for _ in range(2):
        with django_assert_num_queries(1):
            assert status(key) == 200
    assert not any(b"accounts:token" in item for item in cache_contents())
