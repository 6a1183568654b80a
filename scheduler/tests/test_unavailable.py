import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection

from accounts.tests.factories import UserFactory
from meetings import selectors


@pytest.mark.postgres
def test_a_runaway_query_is_cut_and_answered_503(transactional_db, api_as, monkeypatch):
    # given: the statistics query runs for ever, and PostgreSQL cuts it after 100 ms (set for
    # its transaction only, as DB_STATEMENT_TIMEOUT_MS is behind PgBouncer)
    client = api_as(UserFactory())
    client.raise_request_exception = False

    def runaway(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', '100', true); SELECT pg_sleep(30)"
            )

    monkeypatch.setattr(selectors, "meeting_stats", runaway)
    # when
    response = client.get("/api/meetings/stats/")
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "unavailable" in response.json()["detail"]
    assert client.get("/api/users/me/").status_code == 200  # the next request is fine


@pytest.mark.django_db
def test_a_database_that_cannot_be_reached_is_a_503_not_a_500(api_as, monkeypatch, client):
    api = api_as(UserFactory())
    api.raise_request_exception = False

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(selectors, "meeting_list", unreachable)
    monkeypatch.setattr(selectors, "meeting_stats", unreachable)

    assert api.get("/api/meetings/").status_code == 503
    assert api.get("/api/meetings/stats/").json()["detail"].startswith("The service")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/meetings/meeting/", "/admin/", "/meetings/"])
def test_a_staff_page_whose_session_cannot_be_loaded_is_a_503(admin_client, monkeypatch, path):
    # given: signed in, then the database goes away; the session is loaded by middleware,
    # before any view runs (PgBouncer restarted under the admin, deploy/fault-pgbouncer)
    admin_client.raise_request_exception = False

    def unreachable(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 6433 failed")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    # when
    response = admin_client.get(path)
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_a_server_error_that_is_not_an_outage_stays_a_500(admin_client, monkeypatch):
    admin_client.raise_request_exception = False

    def broken(self, *args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    assert admin_client.get("/admin/meetings/meeting/").status_code == 500


def test_production_sets_connect_and_statement_timeouts_from_the_environment():
    from scheduler.tests.test_settings import REAL_SECRET, run

    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    result = run(
        ["-c", script],
        DJANGO_ENV="production",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="a.test",
        DATABASE_URL="postgres://app@db.internal:5432/scheduler",
        DB_STATEMENT_TIMEOUT_MS="5000",
    )

    assert result.returncode == 0, result.stderr
    assert '"connect_timeout": 5' in result.stdout
    assert "statement_timeout=5000" in result.stdout
