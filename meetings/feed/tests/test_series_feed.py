"""A series in the calendar feed: one master event (RRULE, EXDATE, RDATE in its VTIMEZONE) and
an event with RECURRENCE-ID per occurrence that differs; checked against recurring-ical-events,
a reader nobody here wrote, which must find the meetings the API lists."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from accounts.tests.factories import UserFactory
from meetings.feed import selectors
from meetings.models import Meeting, Participant
from meetings.services.scopes import (
    occurrence_cancel,
    occurrence_delete,
    occurrence_rsvp,
    occurrence_update,
)
from meetings.services.series import series_create
from scheduler import caching

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 2, 15, 12, tzinfo=UTC)
# Mondays from 1 March 2027 at 09:00; summer time starts on Sunday 28 March.
MONDAY = datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM)
STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED"}


@pytest.fixture
def olga():
    return UserFactory(username="olga", timezone="Europe/Amsterdam")


def make(organizer, lines, *, start=MONDAY, title="Stand-up", minutes=30, **extra):
    return series_create(
        organizer=organizer,
        title=title,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        recurrence=lines,
        time_zone="Europe/Amsterdam",
        **extra,
    )


def occurrence(series, number: int) -> Meeting:
    """The series' occurrence `number` (from 0), in the order of the rule."""
    return series.occurrences.order_by("original_start_time")[number]


def feed(user) -> Calendar:
    return Calendar.from_ical(selectors.feed_body(user=user, now=NOW))


def from_feed(user, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
    """(start, title, status) of each event recurring-ical-events finds in [start, end)."""
    found = recurring_ical_events.of(feed(user)).between(start, end)
    return sorted(
        (e.decoded("DTSTART").astimezone(UTC), str(e["SUMMARY"]), str(e.get("STATUS")))
        for e in found
    )


def from_api(client, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
    """The same of the meetings GET /api/meetings/ lists in [start, end), every page."""
    rows, url = [], "/api/meetings/"
    params = {"from": start.isoformat(), "to": end.isoformat(), "page_size": 100}
    while url:
        page = client.get(url, params).json()
        rows += page["results"]
        url, params = (page.get("next") or "").removeprefix("http://testserver"), {}
    return sorted(
        (
            datetime.fromisoformat(row["start_time"]).astimezone(UTC),
            row["title"],
            STATUS[row["status"]],
        )
        for row in rows
    )


def assert_same(api_as, user, start: datetime, end: datetime) -> None:
    expected = from_api(api_as(user), start, end)
    assert expected, "the window holds no meeting: nothing is compared"
    assert from_feed(user, start, end) == expected


WINDOWS = {
    "all of it": (datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)),
    "a part": (datetime(2027, 3, 20, tzinfo=UTC), datetime(2027, 5, 12, tzinfo=UTC)),
}
window = pytest.mark.parametrize(("start", "end"), WINDOWS.values(), ids=WINDOWS.keys())


# -- what calendar applications compute is what the API lists --------------------------------


@window
def test_weekly_across_the_change_to_summer_time(api_as, olga, start, end):
    # given
    make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])

    # when / then: 09:00 in Amsterdam before and after 28 March
    assert_same(api_as, olga, start, end)
    starts = [moment for moment, _, _ in from_feed(olga, *WINDOWS["all of it"])]
    assert {moment.astimezone(AMSTERDAM).hour for moment in starts} == {9}
    assert {moment.hour for moment in starts} == {7, 8}


@window
def test_monthly_on_the_31st_skips_shorter_months(api_as, olga, start, end):
    # given
    make(
        olga,
        ["RRULE:FREQ=MONTHLY;BYMONTHDAY=31;COUNT=6"],
        start=datetime(2027, 1, 31, 10, tzinfo=AMSTERDAM),
    )

    # when / then
    assert_same(api_as, olga, start, end)


@window
def test_an_occurrence_moved_to_another_day_and_one_renamed(api_as, olga, start, end):
    # given
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])
    moved = occurrence(series, 3)  # Monday 22 March, to Wednesday 24 March at 14:00
    to = datetime(2027, 3, 24, 14, tzinfo=AMSTERDAM)
    occurrence_update(meeting=moved, by=olga, start_time=to, end_time=to + timedelta(hours=1))
    occurrence_update(meeting=occurrence(series, 5), by=olga, title="Retro")

    # when / then
    assert_same(api_as, olga, start, end)


@window
def test_a_cancelled_occurrence_stays_as_cancelled(api_as, olga, start, end):
    # given
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])
    occurrence_cancel(meeting=occurrence(series, 4), by=olga, reason="Holiday")

    # when / then
    assert_same(api_as, olga, start, end)


@window
def test_a_deleted_occurrence_is_gone(api_as, olga, start, end):
    # given
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])
    occurrence_delete(meeting=occurrence(series, 2), by=olga)
    occurrence_delete(meeting=occurrence(series, 0), by=olga)  # the master's own start

    # when / then
    assert_same(api_as, olga, start, end)


@window
def test_dates_rules_that_start_off_their_rule_and_local_dates(api_as, olga, start, end):
    # given: DTSTART on a Wednesday for a Monday rule; UNTIL, EXDATE and RDATE as dates
    lines = [
        "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270412",
        "EXDATE;VALUE=DATE:20270322",
        "RDATE;TZID=Europe/Amsterdam:20270417T090000",
    ]
    make(olga, lines, start=datetime(2027, 3, 3, 9, tzinfo=AMSTERDAM))

    # when / then
    assert_same(api_as, olga, start, end)


def test_single_meetings_and_series_together(api_as, olga):
    # given
    make(olga, ["RRULE:FREQ=DAILY;COUNT=5"], title="Daily")
    series = make(
        olga,
        ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"],
        title="Weekly",
        start=MONDAY + timedelta(hours=2),
    )
    occurrence_cancel(meeting=occurrence(series, 1), by=olga)
    Meeting.objects.create(
        created_by=olga, title="Single", start_time=MONDAY, end_time=MONDAY + timedelta(hours=1)
    )

    # when / then
    assert_same(api_as, olga, *WINDOWS["all of it"])


# -- how a series is written -----------------------------------------------------------------


def test_a_series_is_one_master_and_one_event_per_exception(olga):
    # given
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])
    occurrence_update(meeting=occurrence(series, 1), by=olga, title="Special")
    occurrence_delete(meeting=occurrence(series, 2), by=olga)

    # when
    events = feed(olga).walk("VEVENT")

    # then
    master, exception = events
    assert str(master["UID"]) == str(exception["UID"]) == f"series-{series.pk}@meetings.scheduler"
    assert "RECURRENCE-ID" not in master
    assert master["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert master.decoded("DTSTART") == MONDAY
    assert master.decoded("DTEND") == MONDAY + timedelta(minutes=30)
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=8;BYDAY=MO"
    assert master["EXDATE"].params["TZID"] == "Europe/Amsterdam"
    assert [d.dt for d in master["EXDATE"].dts] == [MONDAY + timedelta(weeks=2)]
    assert str(master["SUMMARY"]) == "Stand-up"
    assert exception.decoded("RECURRENCE-ID") == MONDAY + timedelta(weeks=1)
    assert exception["RECURRENCE-ID"].params["TZID"] == "Europe/Amsterdam"
    assert str(exception["SUMMARY"]) == "Special"
    assert exception.decoded("SEQUENCE") == master.decoded("SEQUENCE")


def test_each_zone_used_has_one_vtimezone_that_keeps_its_clock_changes(olga):
    # given
    make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])
    make(olga, ["RRULE:FREQ=DAILY;COUNT=3"], start=MONDAY + timedelta(hours=3))

    # when
    [timezone] = feed(olga).walk("VTIMEZONE")

    # then: the component itself, not the zone the reader knows by name, has the offsets
    assert str(timezone["TZID"]) == "Europe/Amsterdam"
    zone = timezone.to_tz(lookup_tzid=False)
    for day in (
        datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM),
        datetime(2040, 7, 1, 9, tzinfo=AMSTERDAM),
    ):
        assert day.replace(tzinfo=zone).utcoffset() == day.utcoffset()


def test_the_master_lists_the_invited_and_their_answers(olga):
    # given
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"], participant_ids=[ann.pk])
    Participant.objects.filter(user=ann).update(status=Participant.Status.ACCEPTED)

    # when
    [master] = feed(olga).walk("VEVENT")

    # then
    assert str(master["UID"]) == f"series-{series.pk}@meetings.scheduler"
    assert master["ATTENDEE"].params["CN"] == "Ann Lee"
    assert master["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_an_exception_outside_the_window_still_overrides_the_rule(olga):
    # given: a series that runs past the feed's two years ahead, cancelled there
    series = make(olga, ["RRULE:FREQ=MONTHLY;COUNT=40"])
    last = occurrence(series, 39)
    assert last.start_time > NOW + selectors.FEED_AHEAD
    occurrence_cancel(meeting=last, by=olga)

    # when
    events = feed(olga).walk("VEVENT")

    # then
    assert [str(e.get("STATUS")) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert events[1].decoded("RECURRENCE-ID") == last.original_start_time


def test_a_series_is_in_the_feeds_of_those_who_see_it_only(olga):
    # given
    ann, zoe, stranger = (UserFactory(username=name) for name in ("ann", "zoe", "stranger"))
    make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"], participant_ids=[ann.pk, zoe.pk])
    Participant.objects.filter(user=zoe).update(status=Participant.Status.DECLINED)

    # when / then
    assert len(feed(ann).walk("VEVENT")) == 1
    assert feed(zoe).walk("VEVENT") == []
    assert feed(stranger).walk("VEVENT") == []


def test_an_occurrence_declined_or_left_alone_leaves_that_persons_feed(api_as, olga):
    # given: ann declines the second Monday, and is taken off the fourth alone
    ann, zoe = UserFactory(username="ann"), UserFactory(username="zoe")
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5"], participant_ids=[ann.pk, zoe.pk])
    occurrence_rsvp(meeting=occurrence(series, 1), user=ann, status="declined")
    occurrence_update(meeting=occurrence(series, 3), by=olga, participant_ids=[zoe.pk])
    whole = WINDOWS["all of it"]

    # when
    anns = [moment for moment, _, _ in from_feed(ann, *whole)]
    zoes = [moment for moment, _, _ in from_feed(zoe, *whole)]

    # then: calendar applications find what ann attends, and everything for zoe
    everyone = sorted(m.start_time for m in series.occurrences.all())
    assert zoes == everyone
    assert anns == [everyone[0], everyone[2], everyone[4]]
    assert from_feed(olga, *whole) == from_api(api_as(olga), *whole)


def test_a_series_outside_the_window_is_not_in_the_feed(olga):
    # given
    make(olga, ["RRULE:FREQ=WEEKLY;COUNT=4"], start=NOW - selectors.FEED_PAST - timedelta(weeks=8))

    # when / then
    assert feed(olga).walk("VEVENT") == []


def test_the_same_data_gives_the_same_bytes(olga):
    # given
    series = make(olga, ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8"])
    occurrence_cancel(meeting=occurrence(series, 4), by=olga)

    # when
    first = selectors.feed_body(user=olga, now=NOW)
    second = selectors.feed_body(user=olga, now=NOW + timedelta(minutes=5))

    # then
    assert first == second


# -- queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("series", "weeks", "people"), [(1, 2, 1), (6, 30, 8)])
def test_a_feed_of_series_costs_four_queries_whatever_its_size(
    api_as, anonymous, olga, series, weeks, people
):
    # given
    guests = [UserFactory(username=f"guest{n}").pk for n in range(people)]
    start = datetime.now(tz=AMSTERDAM).replace(microsecond=0) + timedelta(days=1)
    for n in range(series):
        made = make(
            olga, [f"RRULE:FREQ=WEEKLY;COUNT={weeks}"], start=start + timedelta(hours=n),
            title=f"S{n}", participant_ids=guests,
        )  # fmt: skip
        occurrence_update(meeting=occurrence(made, 1), by=olga, title=f"S{n} moved")
    url = api_as(olga).get("/api/users/me/feed/").json()["url"]
    caching.bump_everything()

    # when
    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(url.removeprefix("http://testserver"))

    # then: the owner by token, the meetings with organizer, room and series, participants,
    # and the occurrences of those series the owner is not in
    assert response.status_code == 200
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 2 * series
    sql = "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(queries.captured_queries, 1))
    assert len(queries) == 4, sql
