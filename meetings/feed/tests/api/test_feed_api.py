"""The calendar feed over HTTP: the owner's endpoints, the secret URL, conditional requests,
the cache and the query budget."""

import importlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_redis import get_redis_connection
from icalendar import Calendar

from accounts.models import User
from accounts.services import user_feed_token
from accounts.tests.factories import UserFactory
from meetings import cache as meeting_cache
from meetings.feed.api.views import MeetingFeedView
from meetings.models import Meeting, Participant, Room
from meetings.services.lifecycle import meeting_update
from meetings.services.participants import meeting_rsvp
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler import caching
from scheduler.api.throttling import FeedMissRateThrottle, FeedRateThrottle
from scheduler.settings.components import drf as drf_settings

pytestmark = pytest.mark.django_db

ME_FEED = "/api/users/me/feed/"
ROTATE = "/api/users/me/feed/rotate/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block as a committed transaction would (on_commit runs)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def olga(committed):
    with committed():
        return UserFactory(username="olga", first_name="Olga", last_name="Berg")


def soon(days: int = 1):
    return timezone.now() + timedelta(days=days)


def feed_path(client) -> str:
    """The owner's feed, as a path the test client can GET."""
    url = client.get(ME_FEED).json()["url"]
    return url.removeprefix("http://testserver")


def titles(response) -> list[str]:
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]


# -- the owner's endpoints -------------------------------------------------------------------


def test_the_owner_gets_a_feed_url_made_on_first_request_then_the_same(api_as, olga):
    # given
    client = api_as(olga)

    # when
    first, second = client.get(ME_FEED), client.get(ME_FEED)

    # then
    assert first.status_code == 200
    olga.refresh_from_db()
    assert len(olga.feed_token) == 43
    assert first.json() == {
        "url": f"http://testserver/api/feeds/{olga.feed_token}.ics",
        "webcal_url": f"webcal://testserver/api/feeds/{olga.feed_token}.ics",
    }
    assert second.json() == first.json()


def test_behind_https_the_url_is_https(api_as, olga):
    # given
    client = api_as(olga)

    # when
    body = client.get(ME_FEED, secure=True).json()

    # then
    assert body["url"].startswith("https://testserver/api/feeds/")
    assert body["webcal_url"].startswith("webcal://testserver/api/feeds/")


def test_the_owner_endpoints_need_a_login(anonymous):
    assert anonymous.get(ME_FEED).status_code == 401
    assert anonymous.post(ROTATE).status_code == 401
    assert anonymous.delete(ME_FEED).status_code == 401


def test_rotating_kills_the_old_url_at_once(api_as, anonymous, olga):
    # given
    client = api_as(olga)
    old = feed_path(client)
    assert anonymous.get(old).status_code == 200

    # when
    rotated = client.post(ROTATE)

    # then
    assert rotated.status_code == 200
    new = rotated.json()["url"].removeprefix("http://testserver")
    assert new != old
    assert rotated.json()["webcal_url"] == "webcal://testserver" + new
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert feed_path(client) == new


def test_deleting_turns_the_feed_off_and_asking_again_makes_a_new_url(api_as, anonymous, olga):
    # given
    client = api_as(olga)
    old = feed_path(client)

    # when
    deleted = client.delete(ME_FEED)

    # then
    assert deleted.status_code == 204
    assert User.objects.get(pk=olga.pk).feed_token is None
    assert anonymous.get(old).status_code == 404
    assert feed_path(client) not in (old, None)


def test_two_first_requests_agree_on_one_token(olga):
    # given: a second request loaded the user before the first one saved its token
    stale = User.objects.get(pk=olga.pk)

    # when
    first = user_feed_token(user=olga)
    second = user_feed_token(user=stale)

    # then
    assert first == second == User.objects.get(pk=olga.pk).feed_token


# -- the feed --------------------------------------------------------------------------------


def test_the_feed_is_an_icalendar_document_of_the_owner_s_meetings(api_as, anonymous, olga):
    # given
    MeetingFactory(created_by=olga, title="Mine", start_time=soon(), end_time=soon(2))
    path = feed_path(api_as(olga))

    # when
    response = anonymous.get(path)
    head = anonymous.head(path)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]{64}"', response["ETag"])
    assert set(response["Cache-Control"].split(", ")) == {"private", "max-age=300"}
    assert titles(response) == ["Mine"]
    assert head.status_code == 200
    assert head["ETag"] == response["ETag"]


@pytest.mark.parametrize("accept", ["text/calendar", "application/json", "*/*", "image/png"])
def test_an_unknown_token_is_a_json_404_whatever_the_client_accepts(anonymous, accept):
    # when
    response = anonymous.get("/api/feeds/not-a-token.ics", HTTP_ACCEPT=accept)

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_calendar_application_that_accepts_only_text_calendar_gets_the_feed(
    api_as, anonymous, olga
):
    # given
    path = feed_path(api_as(olga))

    # when
    response = anonymous.get(path, HTTP_ACCEPT="text/calendar")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


def test_a_deactivated_user_s_feed_is_gone(api_as, anonymous, olga):
    # given
    path = feed_path(api_as(olga))

    # when
    User.objects.filter(pk=olga.pk).update(is_active=False)

    # then
    assert anonymous.get(path).status_code == 404


def test_the_feed_is_throttled_per_feed_not_per_address(api_as, anonymous, olga, monkeypatch):
    # given: two feeds fetched from one address (as a calendar service fetches everybody's)
    monkeypatch.setattr(FeedRateThrottle, "THROTTLE_RATES", {"feed": "2/hour"})
    mine, theirs = feed_path(api_as(olga)), feed_path(api_as(UserFactory()))

    # when
    codes = [anonymous.get(mine).status_code for _ in range(3)]
    other = anonymous.get(theirs)

    # then
    assert codes == [200, 200, 429]
    assert other.status_code == 200
    assert MeetingFeedView().get_authenticators() == []


def wrong_secrets(count: int) -> list[str]:
    return [f"/api/feeds/wrong-guess-{n:04d}-{'x' * 30}.ics" for n in range(count)]


@pytest.fixture
def three_misses_an_hour(monkeypatch):
    monkeypatch.setattr(FeedMissRateThrottle, "THROTTLE_RATES", {"feed_miss": "3/hour"})


def test_wrong_secrets_are_throttled_per_address_and_real_feeds_still_served_there(
    api_as, anonymous, olga, three_misses_an_hour, django_assert_num_queries
):
    # given: an address that guessed wrong as often as it may (a calendar service polling the
    # old URLs of rotated feeds looks the same)
    real = feed_path(api_as(olga))
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    misses = [anonymous.get(path, **guesser).status_code for path in wrong_secrets(3)]

    # when
    with django_assert_num_queries(1):  # the lookup, then the refusal
        refused = anonymous.get(wrong_secrets(4)[-1], **guesser)
    real_feed = anonymous.get(real, **guesser)

    # then: more wrong secrets are refused, the real feed is served; other addresses unaffected
    assert misses == [404, 404, 404]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert real_feed.status_code == 200
    assert anonymous.get(wrong_secrets(1)[0], REMOTE_ADDR="198.51.100.2").status_code == 404


def test_the_budget_for_wrong_secrets_is_20_an_hour_unless_the_environment_says(monkeypatch):
    # given
    default = FeedMissRateThrottle().rate

    # when
    monkeypatch.setenv("THROTTLE_FEED_MISS", "7/minute")
    try:
        configured = importlib.reload(drf_settings).REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    finally:
        monkeypatch.delenv("THROTTLE_FEED_MISS")
        importlib.reload(drf_settings)

    # then
    assert default == "20/hour"
    assert configured["feed_miss"] == "7/minute"


def test_fetching_a_real_feed_is_no_miss(api_as, anonymous, olga, three_misses_an_hour):
    # given
    real = feed_path(api_as(olga))

    # when
    codes = [anonymous.get(real).status_code for _ in range(5)]

    # then
    assert codes == [200] * 5
    assert anonymous.get(wrong_secrets(1)[0]).status_code == 404


def cache_keys() -> set[str]:
    """Every key of this run's cache: Redis's keyspace under the run's prefix, or the
    local-memory cache's keys."""
    if hasattr(cache, "delete_pattern"):
        redis = get_redis_connection("default")
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        return {key.decode() for key in redis.scan_iter(f"{prefix}:*")}
    return set(cache._cache)


def test_wrong_secrets_leave_no_cache_key_of_their_own(anonymous, three_misses_an_hour):
    # given: one miss, which makes the address's counter
    first, *others = wrong_secrets(10)
    anonymous.get(first)
    keys = cache_keys()

    # when: nine more, refused or not
    codes = [anonymous.get(path).status_code for path in others]

    # then: not one more key, and none names a guess
    assert codes == [404, 404] + [429] * 7
    assert cache_keys() == keys
    assert not [key for key in keys if "wrong-guess" in key]


def test_a_feed_s_secret_is_not_in_any_cache_key(api_as, anonymous, olga):
    # given
    path = feed_path(api_as(olga))
    secret = re.search(r"/feeds/(.+)\.ics$", path)[1]

    # when
    assert anonymous.get(path).status_code == 200

    # then
    assert cache_keys()
    assert not [key for key in cache_keys() if secret in key]


# -- conditional requests --------------------------------------------------------------------


@pytest.fixture
def fed(api_as, anonymous, olga, committed):
    """The owner's feed path and its current ETag."""
    with committed():
        MeetingFactory(created_by=olga, title="Mine", start_time=soon(), end_time=soon(2))
    path = feed_path(api_as(olga))
    return path, anonymous.get(path)["ETag"]


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", '"other", {etag}', "W/{etag}", "*"],
    ids=["the tag", "in a list", "weak", "any"],
)
def test_a_current_copy_is_answered_304_with_its_etag_and_no_body(anonymous, fed, if_none_match):
    # given
    path, etag = fed

    # when
    response = anonymous.get(path, HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))

    # then
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert "private" in response["Cache-Control"]
    assert response.content == b""


def test_another_tag_gets_the_feed(anonymous, fed):
    # given
    path, _ = fed

    # when
    response = anonymous.get(path, HTTP_IF_NONE_MATCH='"0123", "4567"')

    # then
    assert response.status_code == 200
    assert titles(response) == ["Mine"]


def test_a_change_gives_a_new_etag_and_the_old_one_gets_the_feed(anonymous, fed, olga, committed):
    # given
    path, old_etag = fed
    meeting = Meeting.objects.get(title="Mine")

    # when
    with committed():
        meeting_update(meeting=meeting, by=olga, title="Renamed")
    response = anonymous.get(path, HTTP_IF_NONE_MATCH=old_etag)

    # then
    assert response.status_code == 200
    assert response["ETag"] != old_etag
    assert titles(response) == ["Renamed"]


# -- the cache -------------------------------------------------------------------------------


@pytest.fixture
def shared(committed, olga):
    """A meeting of Olga's that Paul is invited to, and both feeds' paths."""
    with committed():
        paul = UserFactory(username="paul")
        meeting = MeetingFactory(
            created_by=olga, title="Before", start_time=soon(), end_time=soon(2)
        )
        ParticipantFactory(meeting=meeting, user=paul)
    return meeting, paul


def test_a_second_read_comes_from_the_cache(
    api_as, anonymous, olga, shared, django_assert_num_queries
):
    # given
    path = feed_path(api_as(olga))
    cold = anonymous.get(path)
    hits = meeting_cache.hit_rates()[meeting_cache.FEED]["hits"]

    # when
    with django_assert_num_queries(1):  # the token lookup
        warm = anonymous.get(path)

    # then
    assert warm.content == cold.content
    assert meeting_cache.hit_rates()[meeting_cache.FEED]["hits"] == hits + 1


def test_renaming_a_meeting_changes_the_next_feed_of_everyone_in_it(
    api_as, anonymous, olga, shared, committed
):
    # given
    meeting, paul = shared
    paths = [feed_path(api_as(olga)), feed_path(api_as(paul))]
    for path in paths:
        assert titles(anonymous.get(path)) == ["Before"]

    # when
    with committed():
        meeting_update(meeting=meeting, by=olga, title="After")

    # then
    for path in paths:
        assert titles(anonymous.get(path)) == ["After"]


def test_an_answer_changes_the_organizer_s_feed_and_a_decline_empties_the_guest_s(
    api_as, anonymous, olga, shared, committed
):
    # given
    meeting, paul = shared
    olga_path, paul_path = feed_path(api_as(olga)), feed_path(api_as(paul))
    assert b"PARTSTAT=NEEDS-ACTION" in anonymous.get(olga_path).content
    assert titles(anonymous.get(paul_path)) == ["Before"]

    # when
    with committed():
        meeting_rsvp(meeting=meeting, user=paul, status=Participant.Status.DECLINED)

    # then
    assert b"PARTSTAT=DECLINED" in anonymous.get(olga_path).content
    assert titles(anonymous.get(paul_path)) == []


def test_renaming_the_booked_room_changes_the_feed(api_as, anonymous, olga, shared, committed):
    # given
    meeting, _ = shared
    with committed():
        room = Room.objects.create(name="Ada", capacity=4)
        Meeting.objects.filter(pk=meeting.pk).update(room=room)
        meeting_cache.flush_meetings(meeting_ids=[meeting.pk])  # update() sends no signal
    path = feed_path(api_as(olga))
    assert b"LOCATION:Ada\\, Room Ada" in anonymous.get(path).content.replace(b"\r\n ", b"")

    # when
    with committed():
        room.name = "Hopper"
        room.save()

    # then
    assert b"Hopper" in anonymous.get(path).content.replace(b"\r\n ", b"")


# -- queries ---------------------------------------------------------------------------------


def grow(owner: User, *, meetings: int, participants: int) -> None:
    """Bulk-add meetings of `owner` in the window, each inviting `participants` people."""
    people = User.objects.bulk_create(
        User(username=f"{owner.username}-guest{i}") for i in range(participants)
    )
    start = soon()
    made = Meeting.objects.bulk_create(
        Meeting(
            created_by=owner,
            title=f"M{i}",
            start_time=start + timedelta(hours=i),
            end_time=start + timedelta(hours=i, minutes=30),
        )
        for i in range(meetings)
    )
    Participant.objects.bulk_create(
        Participant(meeting=meeting, user=person) for meeting in made for person in people
    )


@pytest.mark.parametrize(("meetings", "participants"), [(1, 1), (50, 20)])
def test_a_feed_costs_three_queries_whatever_its_size(api_as, anonymous, meetings, participants):
    # given
    owner = UserFactory()
    grow(owner, meetings=meetings, participants=participants)
    path = feed_path(api_as(owner))
    caching.bump_everything()  # cold: bulk writes are unseen by the cache

    # when
    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(path)

    # then: the owner by token, the meetings with organizer and room, their participants
    assert response.status_code == 200
    assert len(titles(response)) == meetings
    sql = "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(queries.captured_queries, 1))
    assert len(queries) == 3, sql


def test_a_304_costs_what_the_feed_costs(anonymous, fed, django_assert_num_queries):
    # given: the feed is in the cache
    path, etag = fed

    # when
    with django_assert_num_queries(1):
        response = anonymous.get(path, HTTP_IF_NONE_MATCH=etag)

    # then
    assert response.status_code == 304


OWNER_CALLS = {
    # the token lookup (a token not used before), then fill the empty feed token (one UPDATE)
    "first get": (2, None, "get", ME_FEED),
    # then the token is cached, its user without the feed token (a secret): that one column
    "later get": (1, True, "get", ME_FEED),
    # SAVEPOINT, UPDATE, RELEASE
    "rotate": (3, True, "post", ROTATE),
    "delete": (3, True, "delete", ME_FEED),
}


@pytest.mark.parametrize(
    ("budget", "has_feed", "method", "url"), OWNER_CALLS.values(), ids=OWNER_CALLS.keys()
)
def test_the_owner_endpoints_have_a_fixed_query_budget(
    api_as, olga, budget, has_feed, method, url, django_assert_num_queries
):
    # given
    client = api_as(olga)
    if has_feed:
        client.get(ME_FEED)

    # when
    with django_assert_num_queries(budget):
        response = getattr(client, method)(url)

    # then
    assert response.status_code < 300
