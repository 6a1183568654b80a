"""Who may do what to a meeting: every route and method, for every kind of caller.

Strangers (staff included: through the API they are users like any other) get 404, as if the
meeting did not exist; participants may read but not change (403); anonymous callers get 401.
"""

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant

pytestmark = pytest.mark.django_db

ROLES = ("organizer", "participant", "stranger", "staff", "anonymous")


def route(method, path, body=None, **expected):
    return pytest.param(method, path, body, expected, id=f"{method} {path}")


MATRIX = [
    route("get", "{id}/", organizer=200, participant=200, stranger=404, staff=404, anonymous=401),
    route(
        "patch",
        "{id}/",
        {"title": "Renamed"},
        organizer=200,
        participant=403,
        stranger=404,
        staff=404,
        anonymous=401,
    ),
    route(
        "delete", "{id}/", organizer=204, participant=403, stranger=404, staff=404, anonymous=401
    ),
    route(
        "post",
        "{id}/cancel/",
        {"reason": "Ill"},
        organizer=200,
        participant=403,
        stranger=404,
        staff=404,
        anonymous=401,
    ),
    route(
        "post",
        "{id}/rsvp/",
        {"status": "accepted"},
        organizer=403,  # organizers are not invited to their own meeting
        participant=200,
        stranger=404,
        staff=404,
        anonymous=401,
    ),
    route(
        "get",
        "{id}/participants/",
        organizer=200,
        participant=200,
        stranger=404,
        staff=404,
        anonymous=401,
    ),
    route(
        "post",
        "{id}/participants/",
        {"user_id": "{newcomer}"},
        organizer=201,
        participant=403,
        stranger=404,
        staff=404,
        anonymous=401,
    ),
    route(
        "delete",
        "{id}/participants/{participant}/",
        organizer=204,
        participant=403,
        stranger=404,
        staff=404,
        anonymous=401,
    ),
]


def _fill(value, ids):
    if isinstance(value, str):
        formatted = value.format(**ids)
        return int(formatted) if formatted.isdigit() and value.startswith("{") else formatted
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX)
def test_meeting_routes_answer_each_role_as_designed(
    cast, api_as, anonymous, role, method, path, body, expected
):
    # given
    newcomer = UserFactory(username="nina")
    ids = {"id": cast.meeting.pk, "participant": cast.participant.pk, "newcomer": newcomer.pk}
    client = anonymous if role == "anonymous" else api_as(getattr(cast, role))
    before = _snapshot(cast.meeting.pk)
    # when
    response = getattr(client, method)(f"/api/meetings/{_fill(path, ids)}", _fill(body, ids))
    # then
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert _snapshot(cast.meeting.pk) == before, "a refused request changed something"
        assert "detail" in response.json()


def _snapshot(meeting_id):
    meeting = Meeting.objects.filter(pk=meeting_id).values().first()
    participants = list(Participant.objects.filter(meeting_id=meeting_id).values().order_by("id"))
    return meeting, participants


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/meetings/"),
        ("post", "/api/meetings/"),
        ("post", "/api/meetings/bulk/"),
        ("post", "/api/meetings/bulk-status/"),
        ("get", "/api/meetings/stats/"),
        ("get", "/api/notifications/"),
        ("post", "/api/notifications/read-all/"),
        ("get", "/api/users/"),
        ("get", "/api/users/me/"),
        ("patch", "/api/users/me/"),
    ],
)
def test_anonymous_callers_get_401_everywhere_but_login(anonymous, db, method, path):
    response = getattr(anonymous, method)(path, {})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_lists_and_statistics_leave_out_other_peoples_meetings(cast, api_as):
    for role, sees_it in [("organizer", True), ("participant", True), ("stranger", False)]:
        client = api_as(getattr(cast, role))
        ids = [m["id"] for m in client.get("/api/meetings/").json()["results"]]
        total = client.get("/api/meetings/stats/").json()["total_meetings"]
        assert (cast.meeting.pk in ids) is sees_it, role
        assert total == int(sees_it), role
    assert api_as(cast.staff).get("/api/meetings/").json()["results"] == []


def test_bulk_status_touches_only_the_callers_own_meetings(cast, api_as):
    for role in ("participant", "stranger", "staff"):
        response = api_as(getattr(cast, role)).post(
            "/api/meetings/bulk-status/", {"ids": [cast.meeting.pk], "status": "cancelled"}
        )
        assert response.json() == {"updated": 0}, role
    cast.meeting.refresh_from_db()
    assert cast.meeting.status == Meeting.Status.SCHEDULED


def test_nobody_can_set_the_organizer_status_or_timestamps_on_create(cast, api_as):
    response = api_as(cast.participant).post(
        "/api/meetings/",
        {
            "title": "Mine",
            "start_time": "2026-05-04T09:00:00Z",
            "end_time": "2026-05-04T10:00:00Z",
            "created_by": cast.organizer.pk,
            "organizer": {"id": cast.organizer.pk},
            "status": "cancelled",
            "created_at": "2000-01-01T00:00:00Z",
            "id": 424242,
        },
    )

    assert response.status_code == 201
    meeting = Meeting.objects.get(pk=response.json()["id"])
    assert meeting.pk != 424242
    assert meeting.created_by == cast.participant
    assert meeting.status == Meeting.Status.SCHEDULED
    assert meeting.created_at.year >= 2026


def test_nobody_can_change_the_organizer_or_timestamps_on_update(cast, api_as):
    response = api_as(cast.organizer).patch(
        f"/api/meetings/{cast.meeting.pk}/",
        {"created_by": cast.stranger.pk, "created_at": "2000-01-01T00:00:00Z", "title": "New"},
    )

    assert response.status_code == 200
    cast.meeting.refresh_from_db()
    assert cast.meeting.created_by == cast.organizer
    assert cast.meeting.created_at.year >= 2026
    assert cast.meeting.title == "New"


def test_an_answer_is_always_the_callers_own(cast, api_as):
    other = Participant.objects.create(meeting=cast.meeting, user=UserFactory())

    response = api_as(cast.participant).post(
        f"/api/meetings/{cast.meeting.pk}/rsvp/",
        {"status": "declined", "user_id": other.user_id, "user": other.user_id},
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == cast.participant.pk
    other.refresh_from_db()
    cast.invitation.refresh_from_db()
    assert other.status == Participant.Status.NEEDS_ACTION
    assert cast.invitation.status == Participant.Status.DECLINED
