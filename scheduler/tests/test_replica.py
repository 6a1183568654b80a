"""Which reads the replica serves, and the rules that keep anyone from their own stale data.

The replica itself (streaming, stopped, lagging) is exercised by deploy/fault-replica against
the deployed topology; here the router's decisions, with the replica's lag given."""

import re
import time

import pytest
from django.db import DatabaseError, OperationalError, connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from scheduler.cache_backend import ResilientRedisCache
from scheduler.db import replica

router = replica.ReplicaRouter()


@pytest.fixture
def replica_at(monkeypatch):
    """A configured replica whose lag (seconds, or None: not answering) the test sets."""
    state = {"lag": 0.0, "measured": 0, "closed": 0, "replica_failed": True}

    def measure():
        state["measured"] += 1
        return state["lag"]

    def close():
        state["closed"] += 1

    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "_measure_lag", measure)
    monkeypatch.setattr(replica, "_close_replica", close)
    monkeypatch.setattr(replica, "_replica_failed", lambda error: state["replica_failed"])
    monkeypatch.setattr(replica, "_health", replica._Health())
    return state


def _read_in_scope(user_id=None, model=Meeting) -> str:
    with replica.reading_from_replica(lambda: user_id):
        return router.db_for_read(model)


def test_reads_outside_a_replica_scope_go_to_the_primary(replica_at):
    assert router.db_for_read(Meeting) == "default"


def test_meeting_data_in_a_replica_scope_is_read_from_the_replica(replica_at):
    assert _read_in_scope() == "replica"


def test_identity_is_always_read_from_the_primary(replica_at):
    # A login (session, token, user) must work on the next request, whatever the lag.
    assert _read_in_scope(model=User) == "default"


def test_writes_go_to_the_primary(replica_at):
    with replica.reading_from_replica(lambda: None):
        assert router.db_for_write(Meeting) == "default"
    assert router.allow_migrate("replica", "meetings") is False
    assert router.allow_migrate("default", "meetings") is True


@override_settings(REPLICA_MAX_LAG_SECONDS=2.0)
def test_a_replica_too_far_behind_is_skipped(replica_at):
    replica_at["lag"] = 2.5
    assert _read_in_scope() == "default"
    replica.replica_skip_until_next_check()  # measured again at the next read
    replica._health.checked_at = float("-inf")
    replica_at["lag"] = 1.5
    assert _read_in_scope() == "replica"


def test_a_replica_that_does_not_answer_is_skipped(replica_at):
    replica_at["lag"] = None
    assert _read_in_scope() == "default"


@override_settings(REPLICA_CHECK_SECONDS=60)
def test_each_process_measures_the_lag_at_most_every_check_interval(replica_at):
    for _ in range(5):
        _read_in_scope()
    assert replica_at["measured"] == 1


def test_one_scope_decides_once(replica_at):
    with replica.reading_from_replica(lambda: None):
        first = router.db_for_read(Meeting)
        replica_at["lag"] = None  # the replica goes away mid-request: no mixed answers
        replica._health.checked_at = float("-inf")
        assert router.db_for_read(Meeting) == first == "replica"


@pytest.mark.django_db
def test_whoever_wrote_reads_from_the_primary(replica_at):
    # given
    writer, other = UserFactory(), UserFactory()
    # when
    replica.pin_to_primary(writer.pk)
    # then
    assert _read_in_scope(writer.pk) == "default"
    assert _read_in_scope(other.pk) == "replica"


@override_settings(READ_YOUR_WRITES_SECONDS=0.05)
def test_the_pin_lasts_the_window(replica_at):
    replica.pin_to_primary(7)
    assert replica.pinned_to_primary(7)
    time.sleep(0.1)
    assert not replica.pinned_to_primary(7)


def test_without_redis_everyone_reads_from_the_primary(replica_at, monkeypatch):
    # given: a cache whose Redis does not answer
    unreachable = ResilientRedisCache(
        "redis://127.0.0.1:1/0",
        {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True}},
    )
    monkeypatch.setattr(replica, "cache", unreachable)
    # then: whether someone wrote cannot be known, so nobody reads the replica
    assert replica.pinned_to_primary(7)
    assert _read_in_scope(7) == "default"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_request_pins_its_sender(replica_at, method):
    # given
    user = UserFactory()
    request = getattr(RequestFactory(), method)("/admin/meetings/meeting/1/change/")
    request.user = user
    middleware = replica.ReadYourWritesMiddleware(lambda request: HttpResponse())
    # when
    middleware(request)
    # then
    assert replica.pinned_to_primary(user.pk)


@pytest.mark.django_db
def test_an_api_write_pins_its_sender_though_the_token_is_read_in_the_view(replica_at, api_as):
    # given: the API authenticates inside the view (DRF), after the middleware looked
    user, other = UserFactory(), UserFactory()
    # when
    response = api_as(user).post(
        "/api/meetings/",
        {"title": "Pinned", "start_time": "2031-05-05T09:00:00Z",
         "end_time": "2031-05-05T10:00:00Z", "participant_ids": [other.pk]},
        format="json",
    )  # fmt: skip
    # then: they read the admin's lists from the primary a while; the guest did not write
    assert response.status_code == 201
    assert replica.pinned_to_primary(user.pk)
    assert not replica.pinned_to_primary(other.pk)


@pytest.mark.django_db
def test_a_read_request_pins_nobody(replica_at):
    user = UserFactory()
    request = RequestFactory().get("/admin/meetings/meeting/")
    request.user = user
    replica.ReadYourWritesMiddleware(lambda request: HttpResponse())(request)
    assert not replica.pinned_to_primary(user.pk)


def _view_failing_on(database: str, calls: list):
    def view(request):
        where = router.db_for_read(Meeting)
        calls.append(where)
        if where == database:
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse(where)

    return replica.replica_reads(view)


def _anonymous_get():
    request = RequestFactory().get("/admin/meetings/meeting/")
    request.user = None
    return request


def test_a_read_that_fails_on_the_replica_is_run_again_on_the_primary(replica_at):
    # given: the replica dies under the request
    calls = []
    view = _view_failing_on("replica", calls)
    # when
    response = view(_anonymous_get())
    # then: the answer comes from the primary; the replica is skipped until measured again
    assert response.content == b"default"
    assert response["X-Read-From"] == "primary"
    assert calls == ["replica", "default"]
    assert replica_at["closed"] == 1
    assert _read_in_scope() == "default"


def test_a_failure_elsewhere_while_reading_the_replica_is_not_retried(replica_at):
    # The scope chose the replica, but the error came from the primary (or was the statement
    # timeout, which the primary would meet as well): running the list again helps nobody.
    replica_at["replica_failed"] = False
    calls = []
    with pytest.raises(OperationalError):
        _view_failing_on("replica", calls)(_anonymous_get())
    assert calls == ["replica"]


@override_settings(REPLICA_CHECK_SECONDS=0.05)
def test_a_replica_that_did_not_answer_is_looked_at_less_often(replica_at):
    # given: it did not answer
    replica_at["lag"] = None
    _read_in_scope()
    # when: one check interval later, and then past the backoff
    time.sleep(0.06)
    _read_in_scope()
    measured_within_backoff = replica_at["measured"]
    time.sleep(0.05 * replica.FAILED_CHECK_BACKOFF)
    _read_in_scope()
    # then
    assert measured_within_backoff == 1
    assert replica_at["measured"] == 2


def test_a_failure_on_the_primary_is_not_retried(replica_at):
    replica_at["lag"] = None  # no replica: the read is on the primary
    calls = []
    with pytest.raises(OperationalError):
        _view_failing_on("default", calls)(_anonymous_get())
    assert calls == ["default"]


def test_a_template_response_is_rendered_inside_the_scope(replica_at):
    # The admin's list runs its queries while rendering, after the view has returned.
    seen = []

    class Lazy(HttpResponse):
        is_rendered = False

        def render(self):
            seen.append(router.db_for_read(Meeting))
            self.is_rendered = True
            return self

    response = replica.replica_reads(lambda request: Lazy())(_anonymous_get())
    assert seen == ["replica"]
    assert response.is_rendered
    assert response["X-Read-From"] == "replica"


@pytest.mark.django_db
@override_settings(DATABASE_ROUTERS=["scheduler.db.replica.ReplicaRouter"])
@pytest.mark.parametrize(
    "path",
    ["/admin/meetings/meeting/", "/admin/meetings/participant/", "/admin/webhooks/delivery/"],
)
def test_the_admins_lists_go_through_the_router(replica_at, admin_client, path):
    # given: a replica that does not answer
    replica_at["lag"] = None
    # when
    response = admin_client.get(path)
    # then: the list was asked where to read, and read from the primary
    assert response.status_code == 200
    assert response["X-Read-From"] == "primary"
    assert replica_at["measured"] == 1


@pytest.fixture
def replica_alias(db):
    """A "replica" connection (to the test database itself) for the test's length, connected
    already: the test case allows only the aliases it knew when it began."""
    connections.settings["replica"] = {**connections.settings["default"]}
    connections["replica"].connect()
    yield connections["replica"]
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


@pytest.mark.django_db
@override_settings(DATABASE_ROUTERS=["scheduler.db.replica.ReplicaRouter"])
def test_every_response_counts_the_replicas_statements_too(
    replica_at, replica_alias, admin_client, monkeypatch
):
    # given: the lag measured for real, on the replica's connection
    monkeypatch.setattr(replica, "_measure_lag", lambda: _lag_once(replica_alias))
    # when
    response = admin_client.get("/admin/meetings/meeting/")
    # then: the statement sent to the replica is in the request's cost
    assert re.search(r'db;dur=[0-9.]+;desc="\d+ queries, 1 on replica"', response["Server-Timing"])


def _lag_once(database) -> float | None:
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None  # then read from the primary: only the count matters here


@pytest.mark.django_db
def test_a_primary_is_no_replica(replica_alias):
    # The "replica" here is the test database itself: not in recovery, so not to be used.
    assert replica._measure_lag() is None


@pytest.mark.django_db
def test_only_an_error_of_the_replicas_connection_counts_as_the_replica_failing(replica_alias):
    # given: the replica's connection has not failed
    assert not replica._replica_failed(OperationalError("elsewhere"))
    # when: a statement on it fails
    with pytest.raises(DatabaseError) as failure, replica_alias.cursor() as cursor:
        cursor.execute("SELECT * FROM a_table_that_is_not_there")  # noqa: S608
    # then
    assert replica._replica_failed(failure.value)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_statement_timeout_on_the_replica_is_not_read_again(replica_alias):
    with pytest.raises(OperationalError) as failure, replica_alias.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', '50', true); SELECT pg_sleep(1)")
    assert replica_alias.errors_occurred
    assert not replica._replica_failed(failure.value)
