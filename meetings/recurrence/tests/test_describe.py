"""A series' rule in words, as staff read it in the admin."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from meetings.recurrence.describe import describe
from meetings.recurrence.rules import parse_recurrence

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Monday, 3 August 2026, 09:00 in Amsterdam
FIRST = datetime(2026, 8, 3, 9, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (
            ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z"],
            "every Monday and Wednesday until 30 June 2027",
        ),
        (["RRULE:FREQ=WEEKLY"], "every Monday"),
        (
            ["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH,FR"],
            "every 2 weeks on Tuesday, Thursday and Friday",
        ),
        (["RRULE:FREQ=DAILY;COUNT=10"], "every day, 10 times"),
        (["RRULE:FREQ=DAILY;INTERVAL=3;COUNT=1"], "every 3 days, once"),
        (
            ["RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"],
            "every day on Monday, Tuesday, Wednesday, Thursday and Friday",
        ),
        (["RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4"], "every month on the last Friday, 4 times"),
        (["RRULE:FREQ=MONTHLY;BYDAY=2TU"], "every month on the second Tuesday"),
        (["RRULE:FREQ=MONTHLY"], "every month on the 3rd"),
        (["RRULE:FREQ=MONTHLY;BYMONTHDAY=1,-1"], "every month on the 1st and the last day"),
        (["RRULE:FREQ=MONTHLY;BYMONTHDAY=-2"], "every month on the second-to-last day"),
        (
            ["RRULE:FREQ=MONTHLY;BYMONTHDAY=11,12,13,21,22,23"],
            "every month on the 11th, the 12th, the 13th, the 21st, the 22nd and the 23rd",
        ),
        (
            ["RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
            "every month on the last weekday",
        ),
        (
            ["RRULE:FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1"],
            "every month on the first of Saturday or Sunday",
        ),
        (["RRULE:FREQ=YEARLY"], "every year on 3 August"),
        (["RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"], "every year in March on the last Sunday"),
        (["RRULE:FREQ=YEARLY;BYMONTH=3,9"], "every year on 3 March and September"),
        (["RRULE:FREQ=YEARLY;BYMONTHDAY=15"], "every year, on the 15th of every month"),
        (["RRULE:FREQ=YEARLY;BYDAY=MO"], "every year, on every Monday"),
        (
            ["RRULE:FREQ=YEARLY;BYDAY=20MO,-1FR"],
            "every year, on the 20th Monday of the year and the last Friday of the year",
        ),
        (["RRULE:FREQ=DAILY;BYMONTH=3"], "every day in March"),
        (["RRULE:FREQ=WEEKLY;BYMONTH=6,7,8"], "every Monday in June, July and August"),
        (["RRULE:FREQ=MONTHLY;BYDAY=1MO;BYMONTH=1"], "every month on the first Monday in January"),
        (
            ["RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;UNTIL=20271231"],
            "every 3 months on the first Monday until 31 December 2027",
        ),
        (
            ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20260810T070000Z", "RDATE:20260812T070000Z"],
            "every Monday, and on 1 more date, except 1 date",
        ),
        (["RDATE:20260812T070000Z,20260819T070000Z"], "on 2 chosen dates"),
    ],
)
def test_rules_read_as_people_say_them(lines, words):
    recurrence = parse_recurrence(lines, zone=AMSTERDAM)
    assert describe(recurrence, first_start=FIRST, zone=AMSTERDAM) == words


def test_until_is_the_date_in_the_series_zone():
    # 23:30 UTC on 30 June is already 1 July in Amsterdam
    recurrence = parse_recurrence(["RRULE:FREQ=DAILY;UNTIL=20270630T233000Z"], zone=AMSTERDAM)
    assert describe(recurrence, first_start=FIRST, zone=AMSTERDAM).endswith("until 1 July 2027")
