import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from meetings.tests.factories import ParticipantFactory
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    return UserFactory()


def test_i_see_my_notifications_newest_first_and_nobody_elses(me, api_as):
    old, new = NotificationFactory(recipient=me), NotificationFactory(recipient=me)
    ParticipantFactory(meeting=new.meeting, user=me)
    NotificationFactory()  # someone else's

    body = api_as(me).get("/api/notifications/").json()

    assert [n["id"] for n in body["results"]] == [new.pk, old.pk]
    assert body["results"][0]["meeting"] == {"id": new.meeting_id, "title": new.meeting.title}
    assert set(body["results"][0]) == {"id", "kind", "message", "meeting", "created_at", "read_at"}


def test_unread_filter(me, api_as):
    unread = NotificationFactory(recipient=me)
    NotificationFactory(recipient=me, read_at=timezone.now())
    client = api_as(me)

    assert [n["id"] for n in client.get("/api/notifications/?unread=true").json()["results"]] == [
        unread.pk
    ]
    assert len(client.get("/api/notifications/?unread=false").json()["results"]) == 2
    assert client.get("/api/notifications/?unread=maybe").status_code == 400


def test_reading_one_marks_it_once(me, api_as):
    notification = NotificationFactory(recipient=me)
    client = api_as(me)

    first = client.post(f"/api/notifications/{notification.pk}/read/").json()
    again = client.post(f"/api/notifications/{notification.pk}/read/").json()

    assert first["read_at"] is not None
    assert again["read_at"] == first["read_at"]


def test_nobody_reads_someone_elses_notification(me, api_as):
    theirs = NotificationFactory()

    response = api_as(me).post(f"/api/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_is_one_update_over_my_unread_only(me, api_as, django_assert_num_queries):
    NotificationFactory.create_batch(3, recipient=me)
    NotificationFactory(recipient=me, read_at=timezone.now())
    theirs = NotificationFactory()
    client = api_as(me)

    with django_assert_num_queries(4):  # token, SAVEPOINT, UPDATE, RELEASE
        response = client.post("/api/notifications/read-all/")

    assert response.json() == {"updated": 3}
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("count", [1, 60])
def test_the_list_is_two_queries_at_any_size(me, api_as, django_assert_num_queries, count):
    NotificationFactory.create_batch(count, recipient=me)
    client = api_as(me)

    with django_assert_num_queries(2):  # token, page with each meeting joined
        body = client.get("/api/notifications/").json()

    assert len(body["results"]) == min(count, 50)
    assert (body["next"] is not None) == (count > 50)


def test_pages_walk_newest_to_oldest_and_back(me, api_as):
    made = NotificationFactory.create_batch(7, recipient=me)
    Notification.objects.filter(pk=made[3].pk).update(created_at=made[2].created_at)  # a tie
    expected = list(
        Notification.objects.filter(recipient=me)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    client = api_as(me)

    pages, url, body = [], "/api/notifications/?page_size=3", None
    while url:
        body = client.get(url).json()
        pages.append([n["id"] for n in body["results"]])
        url = body["next"]
    back, url = [], body["previous"]
    while url:
        body = client.get(url).json()
        back.insert(0, [n["id"] for n in body["results"]])
        url = body["previous"]

    assert pages == [expected[0:3], expected[3:6], expected[6:7]]
    assert back == [expected[0:3], expected[3:6]]


def test_people_removed_from_a_meeting_no_longer_see_it_through_their_notifications(me, api_as):
    # given: invited, told, then removed; the meeting is renamed afterwards
    invitation = ParticipantFactory(user=me)
    told = NotificationFactory(recipient=me, meeting=invitation.meeting)
    assert api_as(me).get("/api/notifications/").json()["results"][0]["meeting"] == {
        "id": invitation.meeting_id,
        "title": invitation.meeting.title,
    }
    invitation.delete()
    invitation.meeting.title = "Reorganisation: confidential"
    invitation.meeting.save()
    # when
    body = api_as(me).get("/api/notifications/").json()
    # then: the message stays, the meeting does not show
    assert body["results"][0]["id"] == told.pk
    assert body["results"][0]["message"] == told.message
    assert body["results"][0]["meeting"] is None
    assert "confidential" not in str(body)
