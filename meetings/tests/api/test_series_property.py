"""For many rules, the occurrences the API lists are those python-dateutil's rrule makes in the
series' zone, and those recurring-ical-events finds in the project's own calendar feed: software
nobody here wrote is the reference, on both sides.

Zones with daylight-saving changes (both hemispheres) and zones that changed their offsets
(São Paulo dropped summer time in 2019, Samoa in 2021, Tehran in 2022). Fixed examples in CI;
HYPOTHESIS_FRESH=1 explores new ones.
"""

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from dateutil import rrule as du
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from accounts.tests.factories import UserFactory
from meetings.feed import selectors as feed
from meetings.models import Meeting

pytestmark = pytest.mark.django_db

ZONES = (
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Pacific/Apia",
    "Asia/Tehran",
    "UTC",
)
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EXAMPLES = int(os.environ.get("SERIES_PROPERTY_EXAMPLES", "60"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("HYPOTHESIS_FRESH") != "1",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def rules(draw):
    zone = draw(st.sampled_from(ZONES))
    start = datetime(  # noqa: DTZ001 - wall-clock time, read in `zone`
        draw(st.integers(2018, 2028)),
        draw(st.integers(1, 12)),
        draw(st.integers(1, 28)),
        draw(st.integers(0, 23)),
        draw(st.sampled_from([0, 15, 30, 45])),
    )
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if freq == "WEEKLY" and draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        parts.append(f"BYDAY={','.join(days)}")
    if freq == "MONTHLY" and draw(st.booleans()):
        days = draw(st.lists(st.integers(1, 31), min_size=1, max_size=2, unique=True))
        parts.append(f"BYMONTHDAY={','.join(str(d) for d in days)}")
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(1, 25))}")
    else:
        until = start + timedelta(days=draw(st.integers(0, 400)))
        parts.append(f"UNTIL={until.strftime('%Y%m%d')}T235959Z")
    excluded = draw(st.integers(0, 3))
    return zone, start, ";".join(parts), excluded


def dateutil_starts(zone_name, start, rule, exdates):
    zone = ZoneInfo(zone_name)
    made = du.rrulestr(rule, dtstart=start.replace(tzinfo=zone), forceset=True)
    for moment in exdates:
        made.exdate(moment)
    return [m.astimezone(UTC) for m in made]


@given(rules())
@PROPERTY
def test_the_api_and_the_feed_list_what_dateutil_makes(api_as, example):
    zone_name, start, rule, excluded = example
    zone = ZoneInfo(zone_name)
    with transaction.atomic():
        organizer = UserFactory()
        reference = dateutil_starts(zone_name, start, rule, [])
        if len(reference) > 500:
            return
        # Take some out with EXDATE, by their UTC instants.
        exdates = reference[1 : 1 + excluded]
        lines = [f"RRULE:{rule}"]
        if exdates:
            lines.append("EXDATE:" + ",".join(m.strftime("%Y%m%dT%H%M%SZ") for m in exdates))
        expected = [m for m in reference if m not in set(exdates)]
        first = start.replace(tzinfo=zone)
        response = api_as(organizer).post(
            "/api/meetings/",
            {
                "title": "Property",
                "start_time": first.isoformat(),
                "end_time": (first + timedelta(minutes=45)).isoformat(),
                "participant_ids": [],
                "recurrence": lines,
                "time_zone": zone_name,
            },
            format="json",
        )
        if not expected:
            assert response.status_code == 400, response.json()
            assert "recurrence" in response.json()
        else:
            assert response.status_code == 201, (lines, response.json())
            series_id = response.json()["series_id"]
            stored = Meeting.objects.filter(series_id=series_id).order_by("start_time")
            assert [m.start_time for m in stored] == expected, lines
            listed = api_as(organizer).get(
                "/api/meetings/",
                {
                    "from": expected[0].isoformat(),
                    "to": (expected[-1] + timedelta(minutes=1)).isoformat(),
                    "page_size": 100,
                },
            )
            starts = [datetime.fromisoformat(m["start_time"]) for m in listed.json()["results"]]
            assert starts == expected[:100], lines
            assert in_feed(organizer, expected) == expected_in_feed_window(expected), lines
        transaction.set_rollback(True)


def feed_window(expected):
    """The feed's window, its `now` at the first occurrence."""
    now = expected[0]
    return now - feed.FEED_PAST, now + feed.FEED_AHEAD


def expected_in_feed_window(expected):
    start, end = feed_window(expected)
    return [moment for moment in expected if start <= moment < end]


def in_feed(user, expected):
    """What recurring-ical-events finds in the user's feed, in the feed's window."""
    start, end = feed_window(expected)
    calendar = Calendar.from_ical(feed.feed_body(user=user, now=expected[0]))
    found = recurring_ical_events.of(calendar).between(start, end)
    return sorted(event.decoded("DTSTART").astimezone(UTC) for event in found)
