"""What the API will accept as a recurrence, and how it refuses the rest: the field, the line
and the part, never a 500 and never a part silently ignored."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from meetings.recurrence.rules import WeekdayRule, parse_recurrence

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def refusal(lines) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_recurrence(lines, zone=AMSTERDAM)
    [message] = caught.value.message_dict["recurrence"]
    return message


def test_googles_example_reads_as_a_rule_with_an_exception():
    # given / when
    recurrence = parse_recurrence(
        [
            "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z",
            "EXDATE;TZID=Europe/Amsterdam:20260810T090000",
        ],
        zone=ZoneInfo("UTC"),
    )
    # then
    rule = recurrence.rule
    assert (rule.freq, rule.interval, rule.count) == ("WEEKLY", 1, None)
    assert rule.until == datetime(2027, 6, 30, tzinfo=UTC)
    assert rule.by_day == (WeekdayRule(0), WeekdayRule(2))
    assert recurrence.exdates == (datetime(2026, 8, 10, 9, tzinfo=AMSTERDAM),)
    assert recurrence.rdates == ()


def test_every_supported_part_is_read():
    recurrence = parse_recurrence(
        [
            "rrule:freq=monthly;interval=2;count=10;byday=-1fr,2TU;bymonthday=1,-1;"
            "bymonth=1,6,12;bysetpos=1,-1;wkst=SU",
            "RDATE;VALUE=DATE:20261224,20261231",
            "EXDATE:20261106T080000Z",
        ],
        zone=AMSTERDAM,
    )
    rule = recurrence.rule
    assert (rule.freq, rule.interval, rule.count, rule.week_start) == ("MONTHLY", 2, 10, 6)
    assert rule.by_day == (WeekdayRule(4, -1), WeekdayRule(1, 2))
    assert (rule.by_month_day, rule.by_month, rule.by_set_pos) == ((1, -1), (1, 6, 12), (1, -1))
    assert recurrence.rdates == (date(2026, 12, 24), date(2026, 12, 31))
    assert recurrence.exdates == (datetime(2026, 11, 6, 8, tzinfo=UTC),)


def test_a_floating_time_is_read_in_the_series_zone():
    recurrence = parse_recurrence(
        ["RRULE:FREQ=DAILY;UNTIL=20270101T090000", "EXDATE:20261201T090000"], zone=AMSTERDAM
    )
    assert recurrence.rule.until == datetime(2027, 1, 1, 9, tzinfo=AMSTERDAM)
    assert recurrence.exdates[0].utcoffset().total_seconds() == 3600


def test_rdates_alone_make_a_series():
    recurrence = parse_recurrence(["RDATE:20261201T090000Z,20261215T090000Z"], zone=AMSTERDAM)
    assert recurrence.rule is None
    assert len(recurrence.rdates) == 2


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ("RRULE:FREQ=DAILY", "Send a list of RFC 5545 lines"),
        ([], "at least one line"),
        (["RRULE:FREQ=DAILY", 7], "Line 2 is not text"),
        (["FREQ=DAILY"], "Line 1 is not NAME:VALUE"),
        (["RRULE:"], "Line 1 is not NAME:VALUE"),
        (["EXRULE:FREQ=DAILY"], "Line 1: EXRULE is not supported"),
        (["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"], "Send one RRULE"),
        (["EXDATE:20261201T090000Z"], "Send an RRULE, or RDATE lines"),
        (["RRULE;X-NAME=1:FREQ=DAILY"], "RRULE takes no parameters"),
        (["RRULE:INTERVAL=2"], "needs FREQ"),
        (["RRULE:FREQ=HOURLY"], "FREQ=HOURLY is not supported"),
        (["RRULE:FREQ=MINUTELY;BYMINUTE=5"], "RRULE part BYMINUTE is not supported"),
        (["RRULE:FREQ=DAILY;BYHOUR=9"], "RRULE part BYHOUR is not supported"),
        (["RRULE:FREQ=YEARLY;BYWEEKNO=20"], "RRULE part BYWEEKNO is not supported"),
        (["RRULE:FREQ=DAILY;FREQ=WEEKLY"], "FREQ is given twice"),
        (["RRULE:FREQ=DAILY;COUNT"], "'COUNT' is not NAME=VALUE"),
        (["RRULE:FREQ=DAILY;COUNT=3;UNTIL=20270101"], "has COUNT and UNTIL"),
        (["RRULE:FREQ=DAILY;COUNT=0"], "COUNT must be 1 or more; it is 0"),
        (["RRULE:FREQ=DAILY;COUNT=ten"], "COUNT must be a whole number, not 'TEN'"),
        (["RRULE:FREQ=DAILY;INTERVAL=0"], "INTERVAL must be 1 to 1000; it is 0"),
        (["RRULE:FREQ=DAILY;INTERVAL=1001"], "INTERVAL must be 1 to 1000"),
        (["RRULE:FREQ=DAILY;INTERVAL=99999999999"], "INTERVAL must be a whole number"),
        (["RRULE:FREQ=WEEKLY;BYDAY=MON"], "BYDAY value 'MON' is not a weekday"),
        (["RRULE:FREQ=WEEKLY;BYDAY=-1FR"], "a numbered weekday needs FREQ=MONTHLY or YEARLY"),
        (["RRULE:FREQ=MONTHLY;BYDAY=6MO"], "the number must be 1 to 5"),
        (["RRULE:FREQ=MONTHLY;BYDAY=0MO"], "the number must be 1 to 5"),
        (["RRULE:FREQ=MONTHLY;BYDAY=-MO"], "has a sign but no number"),
        (["RRULE:FREQ=YEARLY;BYDAY=54MO"], "the number must be 1 to 53"),
        (["RRULE:FREQ=MONTHLY;BYMONTHDAY=32"], "BYMONTHDAY must be -31 to 31, not 0; it is 32"),
        (["RRULE:FREQ=MONTHLY;BYMONTHDAY=0"], "BYMONTHDAY must be -31 to 31, not 0; it is 0"),
        (["RRULE:FREQ=WEEKLY;BYMONTHDAY=1"], "BYMONTHDAY cannot be used with FREQ=WEEKLY"),
        (["RRULE:FREQ=YEARLY;BYMONTH=13"], "BYMONTH must be 1 to 12; it is 13"),
        (["RRULE:FREQ=MONTHLY;BYSETPOS=1"], "BYSETPOS needs another BY part"),
        (["RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=400"], "BYSETPOS must be -366 to 366"),
        (["RRULE:FREQ=WEEKLY;WKST=XX"], "WKST=XX is not a weekday"),
        (["RRULE:FREQ=DAILY;UNTIL=2027"], "UNTIL=2027 is not a date"),
        (["RRULE:FREQ=DAILY;UNTIL=20270231"], "20270231 is not a real date"),
        (["RRULE:FREQ=DAILY;UNTIL=20270101T250000Z"], "is not a real time"),
        (["RRULE:FREQ=DAILY", "EXDATE;TZID=Mars/Olympus:20261201T090000"], "TZID=Mars/Olympus"),
        (["RRULE:FREQ=DAILY", "EXDATE;TZID=../../etc:20261201T090000"], "is not an IANA"),
        (["RRULE:FREQ=DAILY", "EXDATE;VALUE=PERIOD:20261201T090000Z/PT1H"], "VALUE=PERIOD"),
        (["RRULE:FREQ=DAILY", "EXDATE;VALUE=DATE:20261201T090000"], "is not a date such as"),
        (["RRULE:FREQ=DAILY", "RDATE:2026-12-01"], "'2026-12-01' is not a time"),
        (["RRULE:FREQ=DAILY", *["EXDATE:20261201T090000Z"] * 100], "at most 100 lines"),
        (
            ["RRULE:FREQ=DAILY", *["EXDATE:" + ",".join(["20261201T090000Z"] * 20)] * 60],
            "at most 1000 dates in EXDATE and RDATE lines together",
        ),
        (["RRULE:FREQ=DAILY", "EXDATE;TZID=America:20261201T090000"], "TZID=America is not"),
        (["RRULE:FREQ=DAILY", "EXDATE;TZID=" + "x" * 300 + ":20261201T090000"], "is not an IANA"),
        (["RRULE:FREQ=DAILY;UNTIL=99991231T235959Z"], "use a year between 1900 and 2200"),
        (["RRULE:FREQ=DAILY;UNTIL=00010101"], "use a year between 1900 and 2200"),
        (["RDATE;TZID=America/New_York:99991231T230000"], "use a year between"),
        (["RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"], "no listed day falls in the listed months"),
        (["RRULE:FREQ=WEEKLY;BYMONTH=2;BYDAY=MO;BYSETPOS=366"], "a weekly set has at most 7"),
        (["RRULE:FREQ=DAILY;BYDAY=MO;BYSETPOS=2"], "a daily set has at most 1"),
        (
            ["RRULE:FREQ=DAILY", "EXDATE:" + ",".join(["20261201T090000Z"] * 1001)],
            "send at most 1000",
        ),
    ],
)
def test_what_is_refused_is_named(lines, says):
    assert says in refusal(lines)
