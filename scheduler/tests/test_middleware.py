import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler import perfstats

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


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
    assert warm["queries"] == 0  # the token is cached too


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
    # cold (the token, the page), then warm (both cached)
    assert rows["GET meeting-list"]["avg_queries"] == pytest.approx((2 + 0 + 0) / 3)
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


LOCAL_PAGE_WITH_TOOLBAR = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/admin/login/")
print(json.dumps({
    "toolbar": "debug_toolbar" in settings.INSTALLED_APPS,
    "status": response.status_code,
    "server_timing": response["Server-Timing"],
    "html": response.content.decode(),
}))
"""


@pytest.fixture(scope="module")
def local_page_with_toolbar() -> dict:
    """The admin login page as `make run` serves it to 127.0.0.1: local settings, toolbar on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="scheduler.settings",
        DEBUG="true",
        DATABASE_URL="sqlite://:memory:",
        SILK_ENABLED="false",
        ALLOWED_HOSTS="testserver",
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", LOCAL_PAGE_WITH_TOOLBAR],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["toolbar"] is True
    assert shown["status"] == 200
    return shown


def test_the_debug_toolbar_keeps_the_apps_server_timing_entries_first(local_page_with_toolbar):
    # given / when: a page in development with the toolbar on
    header = local_page_with_toolbar["server_timing"]
    entries = re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', header)  # commas outside quotes
    names = [entry.split(";", 1)[0].strip() for entry in entries]

    # then: the app's three entries come first, then the toolbar's (its timer panel's)
    assert names[:3] == ["total", "db", "cache"]
    assert any(name.startswith("TimerPanel_") for name in names[3:]), names


def test_the_debug_toolbar_starts_collapsed(local_page_with_toolbar):
    # given / when
    html = local_page_with_toolbar["html"]

    # then: only its handle shows until opened, not the panel list over the admin's filters
    assert 'id="djDebug"' in html
    assert 'data-default-show="false"' in html
