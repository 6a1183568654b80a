"""A token cached by one server process stops working there the moment another process revokes
it (the generation lives in Redis, which both share)."""

import json
import urllib.error
import urllib.request

import pytest

from accounts.services import token_create
from accounts.tests.factories import UserFactory
from testsupport.servers import server_process, shared_environment


def call(base: str, key: str, path: str = "/api/users/me/", method: str = "GET", body=None):
    """(status, the number of queries the server says it made)."""
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            timing = response.headers["Server-Timing"]
            return response.status, int(timing.split('desc="')[1].split(" queries")[0])
    except urllib.error.HTTPError as error:
        return error.code, None


@pytest.mark.postgres
@pytest.mark.redis
def test_a_revocation_in_one_process_ends_the_token_cached_in_another(transactional_db):
    # given: ada's two tokens, each used twice on the second server (cold, then from its cache)
    ada = UserFactory(username="ada", password="pass-word-123")
    _, phone = token_create(user=ada, client="phone")
    _, laptop = token_create(user=ada, client="laptop")
    with (
        server_process(shared_environment()) as first,
        server_process(shared_environment()) as second,
    ):
        for key in (phone, laptop):
            assert call(second, key)[0] == 200
            assert call(second, key) == (200, 0)
        # when: the phone logs out through the first server
        assert call(first, phone, "/api/auth/logout/", "POST")[0] == 204
        # then: the second server refuses it; the laptop works, read again once (the logout
        # made all of ada's cached tokens stale: one generation per person), then cached
        assert call(second, phone)[0] == 401
        assert call(second, laptop) == (200, 1)
        assert call(second, laptop) == (200, 0)
        # when: the laptop changes the password through the first server
        body = {"old_password": "pass-word-123", "new_password": "a-new-Passphrase-42"}
        assert call(first, laptop, "/api/auth/password/", "POST", body)[0] == 200
        # then
        assert call(second, laptop)[0] == 401
