import pytest

from accounts.tests.factories import UserFactory
from testsupport.servers import (
    clear_of_the_window_edge,
    post_login,
    server_process,
    shared_environment,
)


def login(base: str) -> int:
    return post_login(base, "victim", "guess")


@pytest.mark.postgres
@pytest.mark.redis
def test_the_login_throttle_holds_across_two_server_processes(transactional_db):
    UserFactory(username="victim")
    env = shared_environment(THROTTLE_LOGIN="6/minute")
    with server_process(env) as first, server_process(env) as second:
        clear_of_the_window_edge(60)  # the window is a fixed minute
        # three guesses through each server: six in all, the limit
        codes = [login(base) for base in (first, second) * 3]
        # the seventh is refused, whichever server gets it
        assert codes == [400] * 6
        assert login(first) == 429
        assert login(second) == 429
