"""Every meetings endpoint runs a fixed number of queries, however much data there is.

Each request is made at two sizes: 1 meeting with 1 participant, then 50 meetings with 200
participants each, with a cold cache and a token never used before. Budgets count everything,
the token lookup included; writes include the SAVEPOINT and RELEASE of their transaction (the
test itself runs in one). A token used a moment ago is cached (accounts.cache): every request
then costs one query less. A cached read, once warm, costs no query at all.
"""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduler import caching

from .dataset import ApiDataset

pytestmark = pytest.mark.django_db

SIZES = [(1, 1), (50, 200)]


@dataclass
class Call:
    method: str
    url: str
    body: dict | list | None = None
    as_guest: bool = False


ENDPOINTS = {
    # token, the page, its participants (with their users)
    "list": (3, lambda d, t: Call("get", "/api/meetings/")),
    "list filtered": (
        3,
        lambda d, t: Call(
            "get",
            "/api/meetings/?from=2026-03-01T00:00Z&to=2026-04-01T00:00Z&status=scheduled"
            "&role=organizer&search=meeting&page_size=100",
        ),
    ),
    "detail": (3, lambda d, t: Call("get", f"/api/meetings/{t.pk}/")),
    "participants": (3, lambda d, t: Call("get", f"/api/meetings/{t.pk}/participants/")),
    "stats": (2, lambda d, t: Call("get", "/api/meetings/stats/")),
    # token, SAVEPOINT, invitees exist, INSERT meeting, INSERT participants, INSERT the event
    # (the outbox), RELEASE, read back, the people's other meetings then (conflicts)
    "create": (
        10,
        lambda d, t: Call(
            "post",
            "/api/meetings/",
            {
                "title": "New",
                "start_time": "2026-05-04T09:00:00Z",
                "end_time": "2026-05-04T10:00:00Z",
                "participant_ids": [p.pk for p in d.people[:3]],
            },
        ),
    ),
    # token, the meeting, SAVEPOINT, lock it (SELECT ... FOR UPDATE), UPDATE, RELEASE, read back,
    # conflicts
    "rename": (9, lambda d, t: Call("patch", f"/api/meetings/{t.pk}/", {"title": "Renamed"})),
    # ... reset the answers, who to tell, INSERT the event
    "move": (
        12,
        lambda d, t: Call(
            "patch", f"/api/meetings/{t.pk}/", {"end_time": "2026-03-01T11:00:00+01:00"}
        ),
    ),
    # ... current invitees, the new exist, DELETE the dropped, INSERT the new, INSERT events
    "replace invitees": (
        13,
        lambda d, t: Call(
            "patch", f"/api/meetings/{t.pk}/", {"participant_ids": [p.pk for p in d.people[-3:]]}
        ),
    ),
    # create, with a room: ... lock the room, is it free, SAVEPOINT and RELEASE around the INSERT
    # (the exclusion constraint's refusal is caught there)
    "create with room": (
        14,
        lambda d, t: Call(
            "post",
            "/api/meetings/",
            {
                "title": "New",
                "start_time": f"2026-05-{1 + d.meetings % 28:02}T09:00:00Z",  # a day for each size
                "end_time": f"2026-05-{1 + d.meetings % 28:02}T10:00:00Z",
                "participant_ids": [p.pk for p in d.people[:3]],
                "room_id": d.room.pk,
            },
        ),
    ),
    # move, with a room: ... lock the room, is it free, SAVEPOINT, RELEASE
    "move booked": (
        16,
        lambda d, t: Call(
            "patch", f"/api/meetings/{d.booked(t).pk}/", {"end_time": "2026-03-01T11:00:00+01:00"}
        ),
    ),
    # create, then everyone's names and a SAVEPOINT/ROLLBACK around it all
    "create dry run": (
        18,
        lambda d, t: Call(
            "post",
            "/api/meetings/?dry_run=true",
            {
                "title": "New",
                "start_time": "2026-03-02T09:00:00Z",
                "end_time": "2026-03-02T10:00:00Z",
                "participant_ids": [p.pk for p in d.people[:3]],
                "room_id": d.room.pk,
            },
        ),
    ),
    "move dry run": (
        20,
        lambda d, t: Call(
            "patch",
            f"/api/meetings/{d.booked(t).pk}/?dry_run=true",
            {"start_time": "2026-03-02T09:00:00Z", "end_time": "2026-03-02T09:10:00Z"},
        ),
    ),
    "rooms": (2, lambda d, t: Call("get", "/api/rooms/?min_capacity=2&search=a")),
    "room": (2, lambda d, t: Call("get", f"/api/rooms/{d.room.pk}/")),
    # token, the meeting, SAVEPOINT, who is in it, INSERT the event, DELETE its invitations,
    # look for more (Django's cascade), DELETE its notifications, DELETE it, RELEASE
    "delete": (11, lambda d, t: Call("delete", f"/api/meetings/{t.pk}/")),
    # token, the meeting, SAVEPOINT, UPDATE, who to tell, INSERT the event, RELEASE, read back
    "cancel": (10, lambda d, t: Call("post", f"/api/meetings/{t.pk}/cancel/", {"reason": "No"})),
    # token, the meeting, SAVEPOINT, SELECT ... FOR UPDATE, UPDATE, INSERT the event, RELEASE
    "rsvp": (
        7,
        lambda d, t: Call("post", f"/api/meetings/{t.pk}/rsvp/", {"status": "accepted"}, True),
    ),
    # the same: the room comes with the meeting, for the event to name it
    "rsvp booked": (
        7,
        lambda d, t: Call(
            "post", f"/api/meetings/{d.booked(t).pk}/rsvp/", {"status": "accepted"}, True
        ),
    ),
    # token, the meeting + its participants, SAVEPOINT, lock it, user exists, invited?, how
    # many, INSERT, INSERT the event, read it back, RELEASE
    "invite": (
        12,
        lambda d, t: Call(
            "post", f"/api/meetings/{t.pk}/participants/", {"user_id": d.people[-1].pk}
        ),
    ),
    # token, the meeting, SAVEPOINT, the invitation (loaded for its signal), DELETE,
    # INSERT the event, RELEASE
    "uninvite": (
        8,
        lambda d, t: Call("delete", f"/api/meetings/{t.pk}/participants/{d.guest.pk}/"),
    ),
    # token, SAVEPOINT, invitees exist, (PostgreSQL: reserve the meetings' ids), INSERT or
    # COPY meetings, INSERT or COPY participants, INSERT events, RELEASE, read back
    "bulk": (
        10 if connection.vendor == "postgresql" else 9,
        lambda d, t: Call(
            "post",
            "/api/meetings/bulk/",
            [
                {
                    "title": f"B{i}",
                    "start_time": "2026-05-04T09:00:00Z",
                    "end_time": "2026-05-04T10:00:00Z",
                    "participant_ids": [p.pk for p in d.people[:3]],
                }
                for i in range(10)
            ],
        ),
    ),
    # token, SAVEPOINT, which change, UPDATE, who to tell, INSERT events, RELEASE
    "bulk status": (
        7,
        lambda d, t: Call(
            "post", "/api/meetings/bulk-status/", {"ids": [t.pk], "status": "cancelled"}
        ),
    ),
}


@pytest.mark.parametrize(("budget", "call_for"), ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_each_meetings_endpoint_has_a_fixed_query_budget(api_as, budget, call_for):
    data = ApiDataset()
    for meetings, participants in SIZES:
        data.grow(meetings=meetings, participants=participants)
        call = call_for(data, data.target())
        client = api_as(data.guest if call.as_guest else data.me)
        caching.bump_everything()  # cold: the data grew by bulk writes, unseen by the cache
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, call.method)(call.url, call.body)
        assert response.status_code < 300, response.content
        sql = "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(queries.captured_queries, 1))
        assert len(queries) == budget, (
            f"{call.method} {call.url} with {meetings} meetings x {participants} participants: "
            f"{len(queries)} queries, budget {budget}\n{sql}"
        )


@pytest.mark.parametrize(("budget", "call_for"), ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_with_a_cached_token_each_endpoint_costs_one_query_less(api_as, budget, call_for):
    # given: the small size, and a token just used elsewhere (so cached)
    data = ApiDataset()
    data.grow(meetings=SIZES[0][0], participants=SIZES[0][1])
    call = call_for(data, data.target())
    client = api_as(data.guest if call.as_guest else data.me)
    assert client.get("/api/users/me/").status_code == 200
    caching.bump_everything()  # the meetings cache cold, as above
    # when
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, call.method)(call.url, call.body)
    # then: no token lookup
    assert response.status_code < 300, response.content
    sql = "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(queries.captured_queries, 1))
    assert len(queries) == budget - 1, f"{len(queries)} queries, budget {budget} - 1\n{sql}"
    assert "accounts_authtoken" not in sql


def test_the_list_shows_every_participant_of_a_big_meeting(api_as):
    data = ApiDataset()
    data.grow(meetings=2, participants=200)

    body = api_as(data.me).get("/api/meetings/").json()

    assert [len(m["participants"]) for m in body["results"]] == [200, 200]


@pytest.mark.parametrize(
    "url",
    ["/api/meetings/", "/api/meetings/stats/", "/api/meetings/?role=organizer", "{detail}"],
)
def test_a_warm_cached_read_costs_no_query(
    api_as, django_assert_num_queries, django_capture_on_commit_callbacks, url
):
    with django_capture_on_commit_callbacks(execute=True):  # as if committed
        data = ApiDataset()
        data.grow(meetings=5, participants=3)
        target = data.target()
    client = api_as(data.me)
    url = url.format(detail=f"/api/meetings/{target.pk}/")
    cold = client.get(url)

    with django_assert_num_queries(0):  # the token and the answer both cached
        warm = client.get(url)

    assert warm.content == cold.content
