"""Silk at a sample: a request that is not sampled never enters Silk, its SQL included, even
after Silk has recorded others; a sampled one is recorded as before, with its SQL, scrubbed.
Who may see it: test_silk.py; what it keeps: test_silk_secrets.py."""

import threading
from types import SimpleNamespace

import pytest
from django.db.models.sql.compiler import SQLCompiler
from silk import middleware as silk_middleware
from silk import sql as silk_sql
from silk.collector import DataCollector
from silk.config import SilkyConfig
from silk.models import Profile, Request, SQLQuery

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler.silk_scrub import HIDDEN
from scheduler.tests.test_silk import silk_on  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

SECRET = "Sh0uld-never-be-kept"


@pytest.fixture
def sample(silk_on):  # noqa: F811 - the fixture imported above
    """sample(percent): the share of requests Silk records, for this test."""
    config = SilkyConfig()
    saved = config.SILKY_INTERCEPT_PERCENT

    def set_percent(percent: int) -> None:
        config.SILKY_INTERCEPT_PERCENT = percent

    yield set_percent
    config.SILKY_INTERCEPT_PERCENT = saved


@pytest.fixture
def silk_calls(monkeypatch):
    """Each entry into Silk's request and SQL code, in order: its sampling and URL check, its
    collector, and its SQL hook past compiling and formatting (with the formatted text)."""
    calls: list[str] = []

    def spy(name, function):
        def record(*args, **kwargs):
            calls.append(name)
            return function(*args, **kwargs)

        return record

    def formatted(sql):
        calls.append(f"SQL formatted: {sql}")
        return should_wrap(sql)

    should_wrap = silk_sql._should_wrap
    monkeypatch.setattr(silk_sql, "_should_wrap", formatted)
    intercept = silk_middleware._should_intercept
    monkeypatch.setattr(silk_middleware, "_should_intercept", spy("should intercept", intercept))
    for method in ("clear", "configure", "register_objects"):
        function = getattr(DataCollector, method)
        monkeypatch.setattr(DataCollector, method, spy(f"collector.{method}", function))
    return calls


def test_an_unsampled_request_never_enters_silk(sample, silk_calls, api_as):
    # given: Silk has recorded a request (it hooks into Django's SQL compiler with the first)
    sample(100)
    api_as(UserFactory()).get("/api/users/me/")
    assert Request.objects.count() == 1
    recorded_queries = SQLQuery.objects.count()
    assert any(call.startswith("SQL formatted") for call in silk_calls)
    # and then samples none; a person with meetings asks for statistics (profiled, with SQL)
    sample(0)
    ada = UserFactory()
    ParticipantFactory(meeting=MeetingFactory(created_by=ada))
    api = api_as(ada)
    silk_calls.clear()

    # when
    response = api.get("/api/meetings/stats/")

    # then: no row, and no call into Silk, its SQL hook and its profiler included
    assert response.status_code == 200
    assert Request.objects.count() == 1
    assert SQLQuery.objects.count() == recorded_queries
    assert silk_calls == []


def test_silks_pages_open_to_a_request_that_is_not_sampled(sample, client, api_as):
    # given: one request recorded, then none sampled
    sample(100)
    api_as(UserFactory()).get("/api/users/me/")
    sample(0)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # when / then: Silk's own pages do not need its middleware to have run
    for page in ("/silk/", "/silk/requests/", f"/silk/request/{Request.objects.get().pk}/sql/"):
        assert client.get(page).status_code == 200, page


def test_a_sampled_request_is_recorded_with_its_sql_scrubbed(sample, api_as):
    # given: a search for a secret the request also carries in a header
    sample(100)
    ada = UserFactory()
    ParticipantFactory(meeting=MeetingFactory(created_by=ada, title=f"About {SECRET}"))

    # when
    response = api_as(ada).get("/api/meetings/", {"search": SECRET}, HTTP_X_API_KEY=SECRET)

    # then: the request and its SQL are kept, with the secret hidden wherever it was
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    request = Request.objects.get(path="/api/meetings/")
    queries = list(request.queries.values_list("query", flat=True))
    searches = [query for query in queries if "LIKE" in query and "meetings_meeting" in query]
    assert searches, queries
    assert all(HIDDEN in query for query in searches)
    kept = [request.query_params, request.encoded_headers, *queries]
    assert not [text for text in kept if SECRET in text]


def test_the_statistics_of_a_sampled_request_are_profiled(sample, api_as):
    # given
    sample(100)

    # when
    api_as(UserFactory()).get("/api/meetings/stats/")

    # then
    profiles = Profile.objects.filter(request=Request.objects.get(), name="meeting statistics")
    assert profiles.count() == 1


def test_sampling_draws_once_per_request(sample, api_as, monkeypatch):
    # given: a draw that says "record" the first time it is asked and "do not" afterwards;
    # the middleware asks first, then Silk asks again
    sample(50)
    draws = iter([0.1, 0.9, 0.9])
    monkeypatch.setattr("scheduler.silk.random", SimpleNamespace(random=lambda: next(draws)))

    # when
    api_as(UserFactory()).get("/api/users/me/")

    # then: recorded, as the first draw said
    assert Request.objects.filter(path="/api/users/me/").count() == 1


def test_other_threads_sql_passes_by_silk_while_a_request_is_recorded(
    sample, silk_calls, api_as, monkeypatch
):
    # given: Silk's hook in place, and this thread recording a request (as mid-request)
    sample(100)
    api_as(UserFactory()).get("/api/users/me/")
    monkeypatch.setattr(SQLCompiler, "_execute_sql", lambda compiler, *args, **kwargs: None)
    DataCollector().configure(Request(path="/being-recorded/"), should_profile=False)
    silk_calls.clear()

    # when: another thread (of a gunicorn worker with threads) runs a query
    try:
        other = threading.Thread(target=lambda: User.objects.filter(pk=1).exists())
        other.start()
        other.join()
        seen_from_other_thread = list(silk_calls)
        User.objects.filter(pk=1).exists()  # and this thread, which records
    finally:
        DataCollector().clear()

    # then: Silk saw only this thread's query
    assert seen_from_other_thread == []
    assert any("SQL formatted" in call for call in silk_calls)
