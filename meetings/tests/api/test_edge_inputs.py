"""Inputs at the edges: times at the ends of the calendar, crafted cursors, NUL characters, forged
forwarded addresses, the largest valid bulk request, text sent as another type; each once gave a
500 or leaked or bypassed something."""

import base64
import json

import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cursor(*keys) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": list(keys), "b": 0}).encode()).decode()


@pytest.mark.parametrize(
    ("zone", "method", "url", "body", "field"),
    [
        ("America/New_York", "post", "/api/meetings/",
         {"title": "x", "start_time": "9999-12-31T22:00:00", "end_time": "9999-12-31T23:00:00"},
         "start_time"),
        ("America/New_York", "get", "/api/meetings/?to=9999-12-31T23:00:00", None, "to"),
        ("Asia/Tokyo", "get", "/api/meetings/?from=0001-01-01T01:00:00", None, "from"),
        ("UTC", "post", "/api/meetings/",
         {"title": "x", "start_time": "9999-12-31T20:00:00Z", "end_time": "9999-12-31T21:00:00Z"},
         "start_time"),
        ("UTC", "get", "/api/meetings/stats/?from=1800-01-01T00:00:00Z", None, "from"),
    ],
)  # fmt: skip
def test_times_at_the_ends_of_the_calendar_are_a_400(api_as, zone, method, url, body, field):
    response = getattr(api_as(UserFactory(timezone=zone)), method)(url, body)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("url", "keys"),
    [
        ("/api/meetings/", [None, 1]),
        ("/api/meetings/", ["2026-03-02T09:00:00Z", None]),
        ("/api/meetings/", ["9999-12-31T23:59:59-05:00", 1]),
        ("/api/meetings/", ["2026-03-02T09:00:00", 1]),  # no offset
        ("/api/notifications/", [None, 1]),
        ("/api/users/?search=user", ["\x00", 1]),
    ],
)
def test_a_crafted_cursor_is_a_400(api_as, url, keys):
    separator = "&" if "?" in url else "?"
    response = api_as(UserFactory()).get(f"{url}{separator}cursor={cursor(*keys)}")

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}


def test_a_null_character_in_a_search_is_a_400(api_as):
    response = api_as(UserFactory()).get("/api/users/?search=a%00b")

    assert response.status_code == 400
    assert "search" in response.json()


def test_forged_forwarded_addresses_do_not_escape_the_login_throttle(anonymous, settings):
    # one username per guess: failures per username have a limit of their own
    codes = [
        anonymous.post(
            "/api/auth/token/",
            {"username": f"victim{i}", "password": f"guess{i}"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(25)
    ]

    assert codes[:20] == [400] * 20
    assert set(codes[20:]) == {429}


def test_bulk_results_come_back_in_the_order_sent(api_as):
    items = [
        {"title": f"m{i}", "start_time": f"2026-06-0{3 - i}T09:00:00Z",
         "end_time": f"2026-06-0{3 - i}T10:00:00Z"}
        for i in range(3)
    ]  # fmt: skip

    response = api_as(UserFactory()).post("/api/meetings/bulk/", items)

    assert [m["title"] for m in response.json()] == ["m0", "m1", "m2"]


def test_putting_a_cancelled_meeting_back_on_clears_the_reason(api_as):
    from meetings.tests.factories import MeetingFactory

    meeting = MeetingFactory(status="cancelled", cancellation_reason="flu")

    body = (
        api_as(meeting.created_by)
        .patch(f"/api/meetings/{meeting.pk}/", {"status": "scheduled"})
        .json()
    )

    assert (body["status"], body["cancellation_reason"]) == ("scheduled", "")


def test_the_largest_valid_bulk_request_is_not_refused_for_its_size(api_as):
    items = [
        {"title": "t" * 200, "description": "d" * 10_000, "location": "l" * 200,
         "start_time": "2026-06-01T09:00:00Z", "end_time": "2026-06-01T10:00:00Z"}
        for _ in range(500)
    ]  # fmt: skip

    response = api_as(UserFactory()).post("/api/meetings/bulk/", items)

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/users/me/", {"first_name": 3.5}, "first_name"),
        ("/api/meetings/", {"title": 12, "start_time": "2026-06-01T09:00:00Z",
                            "end_time": "2026-06-01T10:00:00Z"}, "title"),
    ],
)  # fmt: skip
def test_text_must_be_sent_as_text(api_as, url, body, field):
    method = "patch" if url.endswith("me/") else "post"

    response = getattr(api_as(UserFactory()), method)(url, body)

    assert response.status_code == 400
    assert field in response.json()
