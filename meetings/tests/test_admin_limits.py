"""The admin's change form keeps the rules the API keeps: a meeting lasts at most
MEETING_MAX_DAYS days (Meeting.clean, which the form calls)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings.models import Meeting

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 1, 9, tzinfo=UTC)  # wall-clock times are entered; no DST in June


def add_form(admin_client, end: datetime) -> dict:
    """The add page's fields, with no inline rows (whatever the inlines are called)."""
    page = admin_client.get(reverse("admin:meetings_meeting_add"))
    data = {
        "title": "Retreat",
        "description": "",
        "location": "",
        "start_time_0": START.strftime("%Y-%m-%d"),
        "start_time_1": START.strftime("%H:%M:%S"),
        "end_time_0": end.strftime("%Y-%m-%d"),
        "end_time_1": end.strftime("%H:%M:%S"),
        "created_by": UserFactory().pk,
        "status": "scheduled",
    }
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


@pytest.mark.parametrize(
    ("length", "saved"),
    [(timedelta(days=31), True), (timedelta(days=31, seconds=1), False)],
)
def test_the_admin_saves_a_meeting_of_31_days_and_not_a_second_more(
    admin_client, settings, length, saved
):
    # given
    settings.MEETING_MAX_DAYS = 31
    data = add_form(admin_client, START + length)
    # when
    response = admin_client.post(reverse("admin:meetings_meeting_add"), data)
    # then
    assert Meeting.objects.exists() is saved
    if saved:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {
            "end_time": ["A meeting lasts at most 31 days; this one ends too late."]
        }
