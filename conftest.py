"""Suite-wide fixtures, and the rule that a service-backed run fails rather than skips."""

import os

import pytest

pytest_plugins = ["notifications.tests.fixtures"]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _database_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _uses_redis() -> bool:
    from django.conf import settings

    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def _rabbitmq_url() -> str:
    from django.conf import settings

    return settings.RABBITMQ_TEST_URL


def _service_problems() -> list[str]:
    problems = []
    if _rabbitmq_url():
        from kombu import Connection

        try:
            with Connection(_rabbitmq_url(), connect_timeout=3) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as exc:  # noqa: BLE001 - any failure to reach RabbitMQ is fatal here
            problems.append(f"RabbitMQ at RABBITMQ_URL does not answer: {exc}")
    if _database_vendor() != "postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not _uses_redis():
        problems.append("REDIS_URL is not set")
    else:
        from django_redis import get_redis_connection

        try:
            get_redis_connection("default").ping()
        except Exception as exc:  # noqa: BLE001 - any failure to reach Redis is fatal here
            problems.append(f"Redis at REDIS_URL does not answer: {exc}")
    return problems


def pytest_sessionstart(session):
    if REQUIRE_SERVICES and (problems := _service_problems()):
        pytest.exit("REQUIRE_SERVICES=1 but: " + "; ".join(problems), returncode=3)


def pytest_collection_modifyitems(config, items):
    missing = {
        "postgres": _database_vendor() != "postgresql",
        "redis": not _uses_redis(),
        "rabbitmq": not _rabbitmq_url(),
    }
    for item in items:
        for marker, is_missing in missing.items():
            if is_missing and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"needs {marker}; run with its URL set"))


@pytest.fixture
def admin_dataset(db):
    """A dataset grown in steps, for query counts that must not change with its size.

    grow(n) brings the users, the meetings, the participants of `focus` (one meeting) and the
    notifications each up to n rows, with bulk writes.
    """
    from testsupport.admin_datasets import AdminDataset

    return AdminDataset()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttle counters included).

    On Redis only this run's keys go (KEY_PREFIX is unique per run), never a neighbour's.
    """
    from django.core.cache import cache

    from meetings.cache import discard_pending

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    discard_pending()


@pytest.fixture
def api_as(db):
    """api_as(user) -> an APIClient that authenticates as `user` with a real token, as API
    consumers do (one query on its first request: the token joined to its user; none on the
    next, the token cached). Each call logs in anew: a token of its own."""
    from rest_framework.test import APIClient

    from accounts.services import token_create

    def client_for(user):
        client = APIClient()
        _, key = token_create(user=user, client="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


@pytest.fixture
def anonymous():
    from rest_framework.test import APIClient

    return APIClient()
