"""Occurrences keep their wall-clock time in the series' zone across daylight-saving changes
(django-scheduler #109 and Radicale #1621 drifted an hour), and follow the rule exactly."""

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.recurrence.expand import expand, occurrence_end
from meetings.recurrence.rules import WEEKDAYS, parse_recurrence

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
FAR = datetime(2100, 1, 1, tzinfo=UTC)
# Fixed examples unless asked for fresh ones: CI must be deterministic (HYPOTHESIS_FRESH=1
# explores with a new seed each run).
PROPERTY = settings(
    max_examples=300,
    derandomize=os.environ.get("HYPOTHESIS_FRESH") != "1",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def starts(lines, first, zone=AMSTERDAM, limit=1000, horizon=FAR):
    recurrence = parse_recurrence(lines, zone=zone)
    return expand(recurrence, first_start=first, zone=zone, limit=limit, horizon=horizon)


def local(moments, zone=AMSTERDAM):
    return [m.astimezone(zone).strftime("%Y-%m-%d %H:%M %a") for m in moments]


def test_a_weekly_meeting_keeps_its_local_time_when_the_clocks_change():
    # given: Mondays 09:00 in Amsterdam, from before summer time ends to after it begins
    first = datetime(2026, 10, 19, 9, tzinfo=AMSTERDAM)
    # when
    found = starts(["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270405T235959Z"], first)
    # then: 09:00 local every time, so 07:00 UTC in summer and 08:00 UTC in winter
    assert {m.astimezone(AMSTERDAM).hour for m in found.starts} == {9}
    assert found.starts[0].hour == 7
    assert found.starts[2].hour == 8
    assert found.starts[-1] == datetime(2027, 4, 5, 7, tzinfo=UTC)  # CEST again
    assert len(found.starts) == 25
    assert found.complete


def test_a_time_the_clocks_skip_moves_forward_by_the_gap():
    # given: daily at 02:30 in Amsterdam; 28 March 2027 has no 02:30 (02:00 -> 03:00)
    first = datetime(2027, 3, 27, 2, 30, tzinfo=AMSTERDAM)
    # when
    found = starts(["RRULE:FREQ=DAILY;COUNT=3"], first)
    # then: RFC 5545 3.3.5, the offset from before the gap: 03:30 on the clock that day
    assert local(found.starts) == [
        "2027-03-27 02:30 Sat",
        "2027-03-28 03:30 Sun",
        "2027-03-29 02:30 Mon",
    ]


def test_a_time_the_clocks_repeat_is_its_first():
    first = datetime(2026, 10, 24, 2, 30, tzinfo=AMSTERDAM)
    found = starts(["RRULE:FREQ=DAILY;COUNT=2"], first)
    # 25 Oct 2026, 02:30 happens twice: the first is still summer time (00:30 UTC)
    assert found.starts[1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_hour_long_meeting_ends_an_hour_later_on_the_clock():
    start = datetime(2027, 3, 28, 1, 30, tzinfo=AMSTERDAM)
    end = occurrence_end(start, duration=timedelta(hours=1), zone=AMSTERDAM)
    # 01:30 + 1 h on the clock is 02:30, which that night does not exist: 03:30 (CEST)
    assert end.astimezone(AMSTERDAM).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_meeting_that_starts_in_the_gap_still_ends_after_it_starts():
    # 02:30 does not exist on 28 March 2027 in Amsterdam: it is read as 03:30 (01:30 UTC),
    # and 03:00 on the clock would be 01:00 UTC, before the start
    start = datetime(2027, 3, 28, 2, 30, tzinfo=AMSTERDAM).astimezone(UTC)
    end = occurrence_end(start, duration=timedelta(minutes=30), zone=AMSTERDAM)
    assert end - start == timedelta(minutes=30)


def test_the_last_friday_of_the_month():
    first = datetime(2026, 12, 1, 16, tzinfo=NEW_YORK)
    found = starts(["RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4"], first, zone=NEW_YORK)
    assert local(found.starts, NEW_YORK) == [
        "2026-12-25 16:00 Fri",
        "2027-01-29 16:00 Fri",
        "2027-02-26 16:00 Fri",
        "2027-03-26 16:00 Fri",  # after New York's clocks changed on 14 March: still 16:00
    ]


def test_the_last_working_day_of_the_month_by_setpos():
    first = datetime(2027, 1, 1, 17, tzinfo=AMSTERDAM)
    found = starts(["RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3"], first)
    assert local(found.starts) == [
        "2027-01-29 17:00 Fri",
        "2027-02-26 17:00 Fri",
        "2027-03-31 17:00 Wed",
    ]


def test_exdate_takes_one_out_and_count_still_counts_it():
    # RFC 5545: COUNT counts the rule's instances; EXDATE removes from that set
    first = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)
    found = starts(
        ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4", "EXDATE;TZID=Europe/Amsterdam:20260810T090000"],
        first,
    )
    assert local(found.starts) == [
        "2026-08-03 09:00 Mon",
        "2026-08-17 09:00 Mon",
        "2026-08-24 09:00 Mon",
    ]


def test_exdate_in_utc_and_as_a_date_and_rdate_adds():
    first = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)
    found = starts(
        [
            "RRULE:FREQ=DAILY;COUNT=5",
            "EXDATE:20260804T070000Z",  # 09:00 in Amsterdam
            "EXDATE;VALUE=DATE:20260806",
            "RDATE;TZID=America/New_York:20260810T060000",  # 12:00 in Amsterdam
            "RDATE;VALUE=DATE:20260812",  # at the series' time
        ],
        first,
    )
    assert local(found.starts) == [
        "2026-08-03 09:00 Mon",
        "2026-08-05 09:00 Wed",
        "2026-08-07 09:00 Fri",
        "2026-08-10 12:00 Mon",
        "2026-08-12 09:00 Wed",
    ]


def test_until_is_inclusive_and_a_date_means_the_whole_day():
    first = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)
    by_time = starts(["RRULE:FREQ=DAILY;UNTIL=20260805T070000Z"], first)
    by_date = starts(["RRULE:FREQ=DAILY;UNTIL=20260805"], first)
    assert len(by_time.starts) == len(by_date.starts) == 3


def test_a_start_off_the_rule_is_not_an_occurrence():
    first = datetime(2026, 8, 5, 9, tzinfo=AMSTERDAM)  # a Wednesday
    found = starts(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2"], first)
    assert local(found.starts) == ["2026-08-10 09:00 Mon", "2026-08-17 09:00 Mon"]


def test_an_unbounded_rule_is_cut_at_the_limit_or_the_horizon():
    first = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)
    by_limit = starts(["RRULE:FREQ=DAILY"], first, limit=10)
    by_horizon = starts(["RRULE:FREQ=DAILY"], first, horizon=first + timedelta(days=30))
    assert (len(by_limit.starts), by_limit.complete) == (10, False)
    assert (len(by_horizon.starts), by_horizon.complete) == (31, False)
    bounded = starts(["RRULE:FREQ=DAILY;COUNT=10"], first, limit=10)
    assert (len(bounded.starts), bounded.complete) == (10, True)


def test_an_rdate_in_the_hour_the_clocks_repeat_stays_that_instant():
    # 01:15 UTC on 25 October 2026 is the second 02:15 in Amsterdam (winter time)
    first = datetime(2026, 10, 24, 9, tzinfo=AMSTERDAM)
    found = starts(["RDATE:20261025T011500Z"], first)
    assert datetime(2026, 10, 25, 1, 15, tzinfo=UTC) in found.starts


def test_a_rule_that_ends_after_the_horizon_is_not_complete():
    first = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)
    horizon = first + timedelta(days=10)
    later = starts(["RRULE:FREQ=DAILY;UNTIL=20261231"], first, horizon=horizon)
    sooner = starts(["RRULE:FREQ=DAILY;UNTIL=20260807"], first, horizon=horizon)
    counted = starts(["RRULE:FREQ=DAILY;COUNT=5"], first, horizon=horizon)
    assert (len(later.starts), later.complete) == (11, False)
    assert (len(sooner.starts), sooner.complete) == (5, True)
    assert (len(counted.starts), counted.complete) == (5, True)


def test_rdates_count_against_the_limit():
    first = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)
    found = starts(["RRULE:FREQ=DAILY;COUNT=3", "RDATE:20260901T070000Z"], first, limit=3)
    assert (len(found.starts), found.complete) == (3, False)


# -- the rule against a brute-force reading of it ---------------------------------------------

ZONES = [AMSTERDAM, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("Asia/Kolkata")]


def weekly_by_brute_force(first_local: datetime, days: set[int], interval: int, wkst: int, n: int):
    """Walk the calendar day by day: a day is in when its weekday is listed and its week
    (weeks start on WKST) is a multiple of INTERVAL weeks from DTSTART's week."""
    week_of_start = first_local.date() - timedelta(days=(first_local.weekday() - wkst) % 7)
    found, day = [], first_local.date()
    while len(found) < n:
        week = (day - week_of_start).days // 7
        if day.weekday() in days and week % interval == 0:
            found.append(day)
        day += timedelta(days=1)
    return found


@PROPERTY
@given(
    zone=st.sampled_from(ZONES),
    start_day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 4 - 1).map(lambda q: q * 15),
    days=st.sets(st.integers(min_value=0, max_value=6), min_size=1),
    interval=st.integers(min_value=1, max_value=4),
    wkst=st.integers(min_value=0, max_value=6),
    count=st.integers(min_value=1, max_value=60),
)
def test_weekly_rules_match_the_calendar_walk(zone, start_day, minute, days, interval, wkst, count):
    # given: DTSTART on one of the rule's days, so it is the first occurrence
    while start_day.weekday() not in days:
        start_day += timedelta(days=1)
    first_local = datetime.combine(start_day, datetime.min.time()) + timedelta(minutes=minute)
    first = first_local.replace(tzinfo=zone)
    byday = ",".join(WEEKDAYS[d] for d in sorted(days))
    rule = (
        f"RRULE:FREQ=WEEKLY;INTERVAL={interval};BYDAY={byday};WKST={WEEKDAYS[wkst]};COUNT={count}"
    )
    # when
    found = starts([rule], first, zone=zone)
    # then: the same days, each at the series' wall-clock time unless the clocks skipped it
    expected = weekly_by_brute_force(first_local, days, interval, wkst, count)
    assert [m.astimezone(zone).date() for m in found.starts] == expected
    for moment in found.starts:
        wall = moment.astimezone(zone)
        intended = datetime.combine(wall.date(), first_local.time())
        skipped = (
            intended.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
            != intended
        )
        if not skipped:
            assert wall.time() == first_local.time()
    assert found.complete


@PROPERTY
@given(
    zone=st.sampled_from(ZONES),
    month=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 1)).map(
        lambda d: d.replace(day=1)
    ),
    weekday=st.integers(min_value=0, max_value=6),
    ordinal=st.sampled_from([1, 2, 3, 4, -1, -2]),
    count=st.integers(min_value=1, max_value=24),
)
def test_numbered_weekdays_of_the_month(zone, month, weekday, ordinal, count):
    # given: e.g. the second Tuesday or the last Friday of every month, at 10:00
    first = datetime(month.year, month.month, 1, 10, tzinfo=zone)
    rule = f"RRULE:FREQ=MONTHLY;BYDAY={ordinal}{WEEKDAYS[weekday]};COUNT={count}"
    # when
    found = starts([rule], first, zone=zone)
    # then: one a month, in consecutive months, the right weekday at the right place
    assert len(found.starts) == count
    for i, moment in enumerate(found.starts):
        wall = moment.astimezone(zone)
        year, month_index = divmod(month.month - 1 + i, 12)
        assert (wall.year, wall.month) == (month.year + year, month_index + 1)
        assert wall.weekday() == weekday
        assert wall.hour == 10
        same_weekdays = [
            d
            for d in range(1, 32)
            if _real(wall.year, wall.month, d)
            and date(wall.year, wall.month, d).weekday() == weekday
        ]
        assert wall.day == same_weekdays[ordinal - 1 if ordinal > 0 else ordinal]


def _real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def test_the_31st_of_every_month_skips_the_months_without_one():
    first = datetime(2027, 1, 31, 9, tzinfo=AMSTERDAM)
    found = starts(["RRULE:FREQ=MONTHLY;COUNT=7"], first)
    assert [m[:10] for m in local(found.starts)] == [
        "2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31", "2027-08-31", "2027-10-31",
        "2027-12-31",
    ]  # fmt: skip


def test_29_february_yearly_comes_in_leap_years_only():
    first = datetime(2028, 2, 29, 9, tzinfo=AMSTERDAM)
    found = starts(["RRULE:FREQ=YEARLY;COUNT=3"], first)
    assert [m[:10] for m in local(found.starts)] == ["2028-02-29", "2032-02-29", "2036-02-29"]
