import json
import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler import perfstats

pytestmark = pytest.mark.django_db


def timing(response) -> dict:
    header = response["Server-Timing"]
    found = {
        "total_ms": float(re.search(r"total;dur=([\d.]+)", header).group(1)),
        "db_ms": float(re.search(r"db;dur=([\d.]+)", header).group(1)),
        "queries": int(re.search(r'db;dur=[\d.]+;desc="(\d+) queries"', header).group(1)),
        "hits": int(re.search(r'cache;desc="(\d+) hits', header).group(1)),
        "misses": int(re.search(r'(\d+) misses"', header).group(1)),
    }
    return found


@pytest.mark.parametrize(
    "url", ["/api/meetings/", "/api/meetings/stats/", "/api/users/me/", "/api/notifications/"]
)
def test_server_timing_counts_the_queries_the_database_saw(api_as, url):
    me = UserFactory()
    for _ in range(3):
        ParticipantFactory(meeting=MeetingFactory(created_by=me))
    client = api_as(me)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert timing(response)["queries"] == len(queries) > 0
    assert timing(response)["total_ms"] >= timing(response)["db_ms"] >= 0


def test_server_timing_counts_cache_hits_and_misses(api_as):
    client = api_as(UserFactory())

    cold = timing(client.get("/api/meetings/"))
    warm = timing(client.get("/api/meetings/"))

    assert (cold["hits"], cold["misses"]) == (0, 1)
    assert (warm["hits"], warm["misses"]) == (1, 0)
    assert warm["queries"] == 1  # the token


def test_each_request_is_one_structured_log_line(api_as, caplog):
    me = UserFactory()
    client = api_as(me)

    with caplog.at_level(logging.INFO, logger="scheduler.requests"):
        client.get("/api/meetings/?status=scheduled")

    [record] = [r for r in caplog.records if r.name == "scheduler.requests"]
    line = json.loads(record.getMessage())
    assert line["endpoint"] == "GET meeting-list"
    assert line["path"] == "/api/meetings/"
    assert line["status"] == 200
    assert line["user"] == me.pk
    assert line["queries"] == 2  # the token, an empty page (no participants to load)
    assert record.levelno == logging.INFO


def test_a_calendar_feeds_secret_never_reaches_the_log(api_as, anonymous, caplog):
    url = api_as(UserFactory()).get("/api/users/me/feed/").json()["url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    token = path.rsplit("/", 1)[1].removesuffix(".ics")

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="scheduler.requests"):
        anonymous.get("/" + path)

    [record] = [r for r in caplog.records if r.name == "scheduler.requests"]
    assert json.loads(record.getMessage())["path"] == "/api/feeds/[secret].ics"
    assert token not in caplog.text


def test_slow_or_costly_requests_are_warnings(api_as, caplog, settings):
    settings.REQUEST_QUERY_BUDGET = 1
    client = api_as(UserFactory())  # the middleware reads its thresholds when it starts

    with caplog.at_level(logging.INFO, logger="scheduler.requests"):
        client.get("/api/meetings/")

    [record] = [r for r in caplog.records if r.name == "scheduler.requests"]
    assert record.levelno == logging.WARNING
    assert json.loads(record.getMessage())["warning"] == "over query budget"


def test_endpoint_figures_are_kept_for_the_performance_page(api_as):
    perfstats.reset()
    client = api_as(UserFactory())
    for _ in range(3):
        client.get("/api/meetings/")
    client.get("/api/users/me/")

    rows = {row["endpoint"]: row for row in perfstats.slowest()}

    assert rows["GET meeting-list"]["requests"] == 3
    assert rows["GET meeting-list"]["avg_queries"] == pytest.approx((2 + 1 + 1) / 3)  # cold, warm
    assert rows["GET api-me"]["requests"] == 1
    assert rows["GET meeting-list"]["max_ms"] >= rows["GET meeting-list"]["avg_ms"] > 0


def test_in_process_figures_keep_two_hours_at_most(monkeypatch):
    perfstats.reset()
    clock = [1_000_000.0]
    monkeypatch.setattr(perfstats.time, "time", lambda: clock[0])
    for _ in range(100):  # eight hours, a request every five minutes
        perfstats._write(int(clock[0]) // perfstats.BUCKET_SECONDS, {"GET x|n": 1}, {"GET x": 1})
        clock[0] += perfstats.BUCKET_SECONDS

    assert len(perfstats._local) <= perfstats.KEEP_SECONDS // perfstats.BUCKET_SECONDS + 1


def test_the_log_handler_hides_a_feed_secret_whoever_logs_it():
    from scheduler.log_filters import HideSecrets

    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s: %s",
        ("Too Many Requests", "/api/feeds/AbC-_123.ics"), None,
    )  # fmt: skip

    assert HideSecrets().filter(record) is True
    assert record.getMessage() == "Too Many Requests: /api/feeds/[secret].ics"
