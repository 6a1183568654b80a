"""A recurrence written back as lines, and cut in two at an occurrence: the two halves make
exactly the occurrences the whole did."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetings.recurrence.expand import expand
from meetings.recurrence.rules import parse_recurrence
from meetings.recurrence.split import ending_before, recurrence_lines, starting_at

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FAR = datetime(2100, 1, 1, tzinfo=UTC)
FIRST = datetime(2027, 3, 1, 9, tzinfo=AMSTERDAM)


def made(recurrence, first=FIRST):
    return expand(recurrence, first_start=first, zone=AMSTERDAM, limit=5000, horizon=FAR).starts


@pytest.mark.parametrize(
    "lines",
    [
        ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=10;BYDAY=MO,WE;WKST=SU"],
        ["RRULE:FREQ=MONTHLY;UNTIL=20280101T000000Z;BYDAY=-1FR", "EXDATE:20270430T070000Z"],
        ["RRULE:FREQ=YEARLY;COUNT=5;BYMONTH=3,9;BYMONTHDAY=1", "RDATE;VALUE=DATE:20270704"],
        ["RRULE:FREQ=MONTHLY;COUNT=12;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
    ],
)
def test_lines_read_back_into_the_same_recurrence(lines):
    recurrence = parse_recurrence(lines, zone=AMSTERDAM)
    again = parse_recurrence(recurrence_lines(recurrence), zone=AMSTERDAM)
    assert again == recurrence


@pytest.mark.parametrize(
    "lines",
    [
        ["RRULE:FREQ=WEEKLY;COUNT=20;BYDAY=MO,WE", "EXDATE:20270317T080000Z"],
        ["RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20271231T000000Z;BYDAY=TH"],
        ["RRULE:FREQ=MONTHLY;COUNT=12;BYMONTHDAY=31"],
        ["RRULE:FREQ=DAILY;COUNT=40", "RDATE:20270505T100000Z"],
    ],
)
@pytest.mark.parametrize("at", [0, 1, 5, -1])
def test_the_two_halves_make_what_the_whole_did(lines, at):
    whole = parse_recurrence(lines, zone=AMSTERDAM)
    everything = made(whole)
    pivot = everything[at]
    before = made(ending_before(whole, pivot, first_start=FIRST, zone=AMSTERDAM)) if at else []
    later, first = starting_at(
        whole, first_start=FIRST, moment=pivot, zone=AMSTERDAM, limit=5000, horizon=FAR
    )
    after = made(later, first)
    assert before + after == everything
    assert after[0] == pivot


def test_a_shift_moves_the_later_half_by_wall_clock_time():
    whole = parse_recurrence(["RRULE:FREQ=WEEKLY;COUNT=8;BYDAY=MO"], zone=AMSTERDAM)
    pivot = made(whole)[2]
    later, first = starting_at(
        whole, first_start=FIRST, moment=pivot, zone=AMSTERDAM, limit=5000, horizon=FAR,
        shift=timedelta(hours=1),
    )  # fmt: skip
    moved = made(later, first)
    assert len(moved) == 6
    assert {m.astimezone(AMSTERDAM).strftime("%a %H:%M") for m in moved} == {"Mon 10:00"}
