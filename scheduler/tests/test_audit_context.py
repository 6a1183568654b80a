"""The audit context's wrapper on PostgreSQL stays one, whenever connections open."""

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from scheduler.audit import _tell_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_connections_opened_inside_requests_leave_no_wrapper_behind(api_as):
    # given: a client, and the request-cost middleware's wrapper pushed around each request
    client = api_as(UserFactory())
    connection.execute_wrappers.remove(_tell_postgres)  # as on a thread's first connection
    # when: each request opens its connection afresh (CONN_MAX_AGE 0, or one gone stale)
    for _ in range(30):
        connection.close()
        assert client.get("/api/meetings/").status_code == 200
    # then: ours is on the list once, first, and nothing else was left on it
    assert connection.execute_wrappers == [_tell_postgres]
