import json
import time
import urllib.error
import urllib.request

import pytest

from accounts.tests.factories import UserFactory
from scheduler.testing_services import server_process, shared_environment


def login(base: str) -> int:
    request = urllib.request.Request(
        base + "/api/auth/token/",
        data=json.dumps({"username": "victim", "password": "guess"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.postgres
@pytest.mark.redis
def test_the_login_throttle_holds_across_two_server_processes(transactional_db):
    UserFactory(username="victim")
    env = shared_environment(THROTTLE_LOGIN="6/minute")
    with server_process(env) as first, server_process(env) as second:
        if time.time() % 60 > 50:  # the window is a fixed minute: do not straddle its edge
            time.sleep(61 - time.time() % 60)
        # three guesses through each server: six in all, the limit
        codes = [login(base) for base in (first, second) * 3]
        # the seventh is refused, whichever server gets it
        assert codes == [400] * 6
        assert login(first) == 429
        assert login(second) == 429
