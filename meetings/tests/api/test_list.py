from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def ids(response):
    assert response.status_code == 200, response.content
    return [meeting["id"] for meeting in response.json()["results"]]


@pytest.fixture
def me():
    return UserFactory(username="me", timezone="UTC")


def at(hours, *, minutes=60, organizer, **fields):
    start = T0 + timedelta(hours=hours)
    return MeetingFactory(
        created_by=organizer,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        **fields,
    )


def test_my_meetings_are_the_ones_i_organize_or_am_invited_to_in_time_order(me, api_as):
    # given
    late_mine = at(5, organizer=me)
    early_invited = ParticipantFactory(user=me, meeting=at(1, organizer=UserFactory())).meeting
    same_time_a, same_time_b = at(3, organizer=me), at(3, organizer=me)  # ties break on id
    at(2, organizer=UserFactory())  # someone else's
    # when
    response = api_as(me).get("/api/meetings/")
    # then
    assert ids(response) == [early_invited.pk, same_time_a.pk, same_time_b.pk, late_mine.pk]


def test_a_meeting_reads_with_its_organizer_and_invitees_but_not_the_organizer_among_them(
    me, api_as
):
    meeting = at(1, organizer=me, title="Planning", location="Room Ada")
    guest = ParticipantFactory(meeting=meeting, user=UserFactory(username="guest")).user

    [body] = api_as(me).get("/api/meetings/").json()["results"]

    assert body["organizer"] == {"id": me.pk, "username": "me"}
    assert body["participants"] == [
        {
            "user": {"id": guest.pk, "username": "guest"},
            "status": "needs_action",
            "responded_at": None,
            "comment": "",
        }
    ]
    assert body["title"] == "Planning"
    assert body["start_time"] == "2026-03-02T10:00:00Z"
    assert set(body) == {
        "id", "title", "description", "location", "start_time", "end_time", "status",
        "cancellation_reason", "room", "organizer", "participants", "created_at", "updated_at",
        "series_id", "original_start_time", "etag",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # meetings: A 10:00-11:00, B 11:00-12:00, C 12:00-14:00
        ("from=2026-03-02T11:00:00Z&to=2026-03-02T12:00:00Z", ["B"]),  # touching is not overlap
        ("from=2026-03-02T10:30:00Z&to=2026-03-02T12:30:00Z", ["A", "B", "C"]),
        ("from=2026-03-02T13:00:00Z", ["C"]),
        ("to=2026-03-02T11:00:00Z", ["A"]),
        ("from=2026-03-02T14:00:00Z", []),
    ],
)
def test_from_and_to_select_meetings_overlapping_the_half_open_window(me, api_as, window, expected):
    named = {
        "A": at(1, organizer=me),
        "B": at(2, organizer=me),
        "C": at(3, minutes=120, organizer=me),
    }

    response = api_as(me).get(f"/api/meetings/?{window}")

    assert ids(response) == [named[name].pk for name in expected]


def test_a_time_without_an_offset_is_read_in_the_callers_time_zone(api_as):
    tokyo = UserFactory(timezone="Asia/Tokyo")
    meeting = at(0, organizer=tokyo)  # 09:00 UTC is 18:00 in Tokyo

    before = api_as(tokyo).get("/api/meetings/?from=2026-03-02T18:30&to=2026-03-02T19:00")
    after = api_as(tokyo).get("/api/meetings/?from=2026-03-02T19:00")

    assert ids(before) == [meeting.pk]
    assert ids(after) == []
    assert before.json()["results"][0]["start_time"] == "2026-03-02T18:00:00+09:00"


def test_status_role_and_search_filters_combine(me, api_as):
    other = UserFactory()
    mine = at(1, organizer=me, title="Budget review")
    at(2, organizer=me, title="Budget cut", status=Meeting.Status.CANCELLED)
    invited = ParticipantFactory(user=me, meeting=at(3, organizer=other, title="budget sync"))
    client = api_as(me)

    assert ids(client.get("/api/meetings/?role=organizer&status=scheduled")) == [mine.pk]
    assert ids(client.get("/api/meetings/?role=participant")) == [invited.meeting_id]
    assert ids(client.get("/api/meetings/?search=BUDGET&status=scheduled")) == [
        mine.pk,
        invited.meeting_id,
    ]
    assert ids(client.get("/api/meetings/?search=sync")) == [invited.meeting_id]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-03-02T10:00:00Z&to=2026-03-02T09:00:00Z", "to"),
        ("status=postponed", "status"),
        ("role=boss", "role"),
        ("search=" + "x" * 101, "search"),
        ("page_size=0", "page_size"),
        ("page_size=lots", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=eyJrIjpbMV0sImIiOjB9", "cursor"),  # valid base64 and JSON, wrong keys
        ("cursor=eyJrIjpbIm5vdCBhIHRpbWUiLDFdLCJiIjowfQ==", "cursor"),  # keys of the wrong type
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(me, api_as, query, field):
    response = api_as(me).get(f"/api/meetings/?{query}")

    assert response.status_code == 400
    assert field in response.json()


def test_following_next_then_previous_walks_every_meeting_once(me, api_as):
    # given: 7 meetings, two of them at the same time
    meetings = [at(hour, organizer=me) for hour in (1, 2, 2, 3, 4, 5, 6)]
    client = api_as(me)
    # when: forwards in pages of 3
    pages, url = [], "/api/meetings/?page_size=3"
    while url:
        body = client.get(url).json()
        pages.append([m["id"] for m in body["results"]])
        url, last = body["next"], body
    # and back again
    back, url = [], last["previous"]
    while url:
        body = client.get(url).json()
        back.insert(0, [m["id"] for m in body["results"]])
        url = body["previous"]
    # then
    expected = [m.pk for m in meetings]
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]
    assert back == [expected[0:3], expected[3:6]]


def test_the_first_page_has_no_previous_and_the_last_no_next(me, api_as):
    at(1, organizer=me)

    body = api_as(me).get("/api/meetings/").json()

    assert body["next"] is None
    assert body["previous"] is None


def test_pages_hold_fifty_by_default_and_never_more_than_a_hundred(me, api_as):
    Meeting.objects.bulk_create(
        Meeting(
            created_by=me,
            title=f"M{i}",
            start_time=T0 + timedelta(hours=i),
            end_time=T0 + timedelta(hours=i, minutes=30),
        )
        for i in range(120)
    )
    client = api_as(me)

    assert len(ids(client.get("/api/meetings/"))) == 50
    assert len(ids(client.get("/api/meetings/?page_size=1000"))) == 100
    assert len(ids(client.get("/api/meetings/?page_size=7"))) == 7


def test_a_cursor_keeps_the_filters_and_never_counts(me, api_as, django_assert_max_num_queries):
    for hour in range(6):
        at(hour, organizer=me, status="cancelled" if hour % 2 else "scheduled")
    client = api_as(me)

    first = client.get("/api/meetings/?status=cancelled&page_size=2").json()
    with django_assert_max_num_queries(3) as queries:
        second = client.get(first["next"]).json()

    statuses = {m["status"] for m in first["results"] + second["results"]}
    assert statuses == {"cancelled"}
    assert len(first["results"]) + len(second["results"]) == 3
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
