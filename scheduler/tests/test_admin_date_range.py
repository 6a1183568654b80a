import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

MEETINGS = reverse("admin:meetings_meeting_changelist")


def hierarchy_of(response) -> list[str]:
    """The periods the date hierarchy offers, in order (links, or plain text for a day)."""
    html = response.text
    start = html.index('<nav class="toplinks">')
    section = html[start : html.index("</nav>", start)]
    section = re.sub(r'<a [^>]*class="date-back"[^>]*>.*?</a>', "", section)
    return [text.strip() for text in re.split(r"<[^>]+>", section.split(">", 1)[1]) if text.strip()]


def meeting_on(year, month, day):
    return MeetingFactory(start_time=datetime(year, month, day, 9, tzinfo=UTC))


def test_years_run_from_the_first_meeting_to_the_last_without_a_distinct_scan(admin_client):
    # given: nothing in 2026
    meeting_on(2025, 3, 3)
    meeting_on(2027, 6, 7)
    # when
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(MEETINGS)
    # then
    assert hierarchy_of(response) == ["2025", "2026", "2027"]
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]


def test_a_year_offers_the_months_between_its_first_and_last_meeting(admin_client):
    meeting_on(2026, 2, 10)
    meeting_on(2026, 4, 1)
    meeting_on(2027, 1, 1)

    response = admin_client.get(MEETINGS + "?start_time__year=2026")

    assert hierarchy_of(response) == ["February 2026", "March 2026", "April 2026"]
    assert len(response.context["cl"].result_list) == 2


def test_a_month_offers_its_days_and_a_list_in_one_year_starts_there(admin_client):
    meeting_on(2026, 2, 27)
    meeting_on(2026, 3, 2)

    response = admin_client.get(MEETINGS + "?start_time__year=2026&start_time__month=2")
    assert hierarchy_of(response) == ["February 27"]

    response = admin_client.get(MEETINGS)  # all in 2026: Django opens at the months
    assert hierarchy_of(response) == ["February 2026", "March 2026"]


def test_an_empty_list_has_no_dates_to_offer(admin_client):
    response = admin_client.get(MEETINGS)

    assert response.status_code == 200
    assert hierarchy_of(response) == []
