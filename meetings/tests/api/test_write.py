from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting, Participant
from meetings.services.participants import MAX_PARTICIPANTS

pytestmark = pytest.mark.django_db


def new_meeting(**overrides):
    return {
        "title": "Planning",
        "description": "Q3",
        "location": "Room Ada",
        "start_time": "2026-05-04T09:00:00Z",
        "end_time": "2026-05-04T10:00:00Z",
        "participant_ids": [],
        **overrides,
    }


def test_creating_a_meeting_makes_me_its_organizer_and_invites_the_others(api_as):
    me, ann, bob = UserFactory(), UserFactory(), UserFactory()

    response = api_as(me).post(
        "/api/meetings/", new_meeting(participant_ids=[ann.pk, bob.pk, me.pk, ann.pk])
    )

    assert response.status_code == 201
    body = response.json()
    assert body["organizer"]["id"] == me.pk
    assert sorted(p["user"]["id"] for p in body["participants"]) == sorted([ann.pk, bob.pk])
    assert {p["status"] for p in body["participants"]} == {"needs_action"}
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.created_by == me
    assert meeting.start_time == datetime(2026, 5, 4, 9, tzinfo=UTC)


def test_a_time_sent_without_an_offset_is_the_callers_local_time(api_as):
    paris = UserFactory(timezone="Europe/Paris")

    response = api_as(paris).post(
        "/api/meetings/", new_meeting(start_time="2026-07-01T09:00", end_time="2026-07-01T10:00")
    )

    assert response.status_code == 201
    assert response.json()["start_time"] == "2026-07-01T09:00:00+02:00"
    meeting = Meeting.objects.get(pk=response.json()["id"])
    assert meeting.start_time == datetime(2026, 7, 1, 7, tzinfo=UTC)


BAD_INPUT = [
    ({"end_time": "2026-05-04T08:00:00Z"}, "end_time"),
    ({"end_time": "2026-05-04T09:00:00Z"}, "end_time"),  # zero length
    ({"start_time": "tomorrow"}, "start_time"),
    ({"start_time": None}, "start_time"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": ["a", "list"]}, "title"),
    ({"location": "x" * 201}, "location"),
    ({"description": "x" * 10_001}, "description"),
    ({"participant_ids": "1,2"}, "participant_ids"),
    ({"participant_ids": ["me"]}, "participant_ids"),
    ({"participant_ids": [0]}, "participant_ids"),
    ({"participant_ids": [2**63]}, "participant_ids"),
    ({"participant_ids": [987654321]}, "participant_ids"),  # nobody
    ({"participant_ids": list(range(1, MAX_PARTICIPANTS + 2))}, "participant_ids"),
    # Europe/Paris skips 02:00-03:00 on 2026-03-29: that local time does not exist
    ({"start_time": "2026-03-29T02:30", "end_time": "2026-03-29T04:00"}, "start_time"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api_as, change, field):
    me = UserFactory(timezone="Europe/Paris")

    response = api_as(me).post("/api/meetings/", new_meeting(**change))

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert response.json()[field]  # with a reason
    assert not Meeting.objects.exists()


def test_an_inactive_user_cannot_be_invited(api_as):
    gone = UserFactory(is_active=False)

    response = api_as(UserFactory()).post("/api/meetings/", new_meeting(participant_ids=[gone.pk]))

    assert response.status_code == 400
    assert str(gone.pk) in response.json()["participant_ids"][0]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"title": "Broken', "application/json"),
        ("[1, 2", "application/json"),
        ("title=Form", "application/x-www-form-urlencoded"),
        ('"just a string"', "application/json"),
        ("null", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_meeting_is_a_4xx_not_a_500(api_as, body, content_type):
    response = api_as(UserFactory()).generic("POST", "/api/meetings/", body, content_type)

    assert response.status_code in (400, 415)
    assert "detail" in response.json() or "non_field_errors" in response.json()
    assert not Meeting.objects.exists()


def test_the_organizer_edits_fields_and_the_invitee_list(cast, api_as):
    newcomer = UserFactory()

    response = api_as(cast.organizer).patch(
        f"/api/meetings/{cast.meeting.pk}/",
        {"title": "Roadmap (moved)", "location": "Video call", "participant_ids": [newcomer.pk]},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Roadmap (moved)"
    assert body["location"] == "Video call"
    assert [p["user"]["id"] for p in body["participants"]] == [newcomer.pk]


def test_moving_a_meeting_asks_everybody_again(cast, api_as):
    cast.invitation.status = Participant.Status.ACCEPTED
    cast.invitation.save()

    renamed = api_as(cast.organizer).patch(f"/api/meetings/{cast.meeting.pk}/", {"title": "X"})
    assert renamed.json()["participants"][0]["status"] == "accepted"

    later = cast.meeting.end_time + timedelta(minutes=15)
    moved = api_as(cast.organizer).patch(
        f"/api/meetings/{cast.meeting.pk}/", {"end_time": later.isoformat()}
    )
    assert moved.status_code == 200
    assert moved.json()["participants"][0]["status"] == "needs_action"
    assert moved.json()["participants"][0]["responded_at"] is None


def test_a_patch_that_ends_before_the_start_is_a_400_and_changes_nothing(cast, api_as):
    before = Meeting.objects.values().get(pk=cast.meeting.pk)

    response = api_as(cast.organizer).patch(
        f"/api/meetings/{cast.meeting.pk}/",
        {"title": "Should not stick", "end_time": "2020-01-01T00:00:00Z"},
    )

    assert response.status_code == 400
    assert "end_time" in response.json()
    assert Meeting.objects.values().get(pk=cast.meeting.pk) == before


def test_put_is_not_offered(cast, api_as):
    response = api_as(cast.organizer).put(f"/api/meetings/{cast.meeting.pk}/", {"title": "X"})

    assert response.status_code == 405


def test_deleting_a_meeting_removes_its_invitations(cast, api_as):
    response = api_as(cast.organizer).delete(f"/api/meetings/{cast.meeting.pk}/")

    assert response.status_code == 204
    assert not Meeting.objects.filter(pk=cast.meeting.pk).exists()
    assert not Participant.objects.filter(meeting_id=cast.meeting.pk).exists()


def test_cancelling_keeps_the_reason_and_can_be_repeated(cast, api_as):
    client = api_as(cast.organizer)
    url = f"/api/meetings/{cast.meeting.pk}/cancel/"

    first = client.post(url, {"reason": "Everyone is ill"})
    again = client.post(url, {})

    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert first.json()["cancellation_reason"] == "Everyone is ill"
    assert again.json()["cancellation_reason"] == ""
    assert client.post(url, {"reason": "x" * 501}).status_code == 400


@pytest.mark.parametrize("answer", ["accepted", "declined", "tentative"])
def test_a_participant_answers_with_a_comment(cast, api_as, answer):
    response = api_as(cast.participant).post(
        f"/api/meetings/{cast.meeting.pk}/rsvp/", {"status": answer, "comment": "See you"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == answer
    cast.invitation.refresh_from_db()
    assert cast.invitation.status == answer
    assert cast.invitation.comment == "See you"
    assert cast.invitation.responded_at is not None


@pytest.mark.parametrize("answer", ["needs_action", "maybe", "", None])
def test_an_answer_must_be_accepted_declined_or_tentative(cast, api_as, answer):
    response = api_as(cast.participant).post(
        f"/api/meetings/{cast.meeting.pk}/rsvp/", {"status": answer}
    )

    assert response.status_code == 400
    assert "status" in response.json()
    cast.invitation.refresh_from_db()
    assert cast.invitation.status == Participant.Status.NEEDS_ACTION


def test_inviting_twice_changes_nothing(cast, api_as):
    client = api_as(cast.organizer)
    newcomer = UserFactory()
    url = f"/api/meetings/{cast.meeting.pk}/participants/"

    first = client.post(url, {"user_id": newcomer.pk})
    second = client.post(url, {"user_id": newcomer.pk})
    again_old = client.post(url, {"user_id": cast.participant.pk})

    assert (first.status_code, second.status_code, again_old.status_code) == (201, 200, 200)
    assert Participant.objects.filter(meeting=cast.meeting).count() == 2
    assert [p["user"]["id"] for p in client.get(url).json()] == [
        cast.participant.pk,
        newcomer.pk,
    ]


@pytest.mark.parametrize("who", ["organizer", "nobody", "bad"])
def test_inviting_the_organizer_or_nobody_is_a_400(cast, api_as, who):
    user_id = {"organizer": cast.organizer.pk, "nobody": 987654, "bad": "x"}[who]

    response = api_as(cast.organizer).post(
        f"/api/meetings/{cast.meeting.pk}/participants/", {"user_id": user_id}
    )

    assert response.status_code == 400
    assert "user_id" in response.json()
    assert Participant.objects.filter(meeting=cast.meeting).count() == 1


def test_removing_a_participant_then_removing_them_again(cast, api_as):
    client = api_as(cast.organizer)
    url = f"/api/meetings/{cast.meeting.pk}/participants/{cast.participant.pk}/"

    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert not Participant.objects.filter(meeting=cast.meeting).exists()
    assert cast.meeting.pk in [m["id"] for m in client.get("/api/meetings/").json()["results"]]
    assert api_as(cast.participant).get(f"/api/meetings/{cast.meeting.pk}/").status_code == 404


def test_huge_ids_in_the_path_are_404_not_a_database_error(cast, api_as):
    client = api_as(cast.organizer)

    assert client.get("/api/meetings/99999999999999999999999/").status_code == 404
    assert client.get("/api/meetings/999999999999999999/").status_code == 404
