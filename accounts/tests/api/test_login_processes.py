"""The per-username limit of failed logins holds across server processes (counters in Redis)."""

import pytest

from accounts.tests.factories import UserFactory
from testsupport.servers import (
    clear_of_the_window_edge,
    post_login,
    server_process,
    shared_environment,
)


def login(base: str, password: str) -> int:
    return post_login(base, "victim", password)


@pytest.mark.postgres
@pytest.mark.redis
def test_failed_logins_per_username_are_counted_across_two_server_processes(transactional_db):
    # given: 4 failures an hour per username; the address limit out of the way
    UserFactory(username="victim", password="correct horse")
    env = shared_environment(THROTTLE_LOGIN="1000/minute", THROTTLE_LOGIN_FAILURES="4/hour")
    with server_process(env) as first, server_process(env) as second:
        clear_of_the_window_edge(3600)  # the failures' window is a fixed hour
        # when: the right password, then two wrong guesses through each server
        right = login(first, "correct horse")
        codes = [login(base, "guess") for base in (first, second) * 2]
        # then: the fifth failure is refused, whichever server gets it, the right password too
        assert right == 200
        assert codes == [400] * 4
        assert login(second, "guess") == 429
        assert login(first, "correct horse") == 429
