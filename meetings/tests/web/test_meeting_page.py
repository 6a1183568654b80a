"""The meeting page that e-mails link to: who may open it, what it shows, its answer buttons."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from meetings.models import Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory
from notifications.models import Event

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 4  # the session, its user, the meeting (visible to the viewer), its participants


@pytest.fixture
def meeting():
    organizer = UserFactory(username="olga", timezone="America/New_York")
    meeting = MeetingFactory(
        title="Roadmap review",
        created_by=organizer,
        start_time=datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
        end_time=datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
        location="Second floor",
        room=RoomFactory(name="Ada", location="Building B"),
    )
    ParticipantFactory(
        meeting=meeting,
        user=UserFactory(username="paul", timezone="Asia/Tokyo"),
        status=Participant.Status.ACCEPTED,
        comment="Will bring the slides",
    )
    ParticipantFactory(meeting=meeting, user=UserFactory(username="rita"))
    return meeting


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_an_invited_person_sees_the_meeting_in_their_own_time_zone(meeting):
    # given
    paul = meeting.participants.get(user__username="paul").user

    # when
    response = client_for(paul).get(f"/meetings/{meeting.pk}/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert "Roadmap review" in page
    assert "Wed 1 Jul 2026, 17:00 – 18:30 (Asia/Tokyo)" in page
    assert "Ada (Building B), Second floor" in page
    assert "Organizer olga" in page
    assert "paul (you) Accepted Will bring the slides" in page
    assert "rita Needs action" in page
    buttons = re.findall(r'<button type="submit" name="status" value="(\w+)"', response.text)
    assert buttons == ["accepted", "tentative", "declined"]


def test_the_organizer_sees_it_in_theirs_without_answer_buttons(meeting):
    # when
    response = client_for(meeting.created_by).get(f"/meetings/{meeting.pk}/")

    # then: the organizer is not invited to their own meeting, so has nothing to answer
    assert response.status_code == 200
    assert "Wed 1 Jul 2026, 04:00 – 05:30 (America/New_York)" in text(response)
    assert 'name="status"' not in response.text


def test_a_stranger_gets_a_404_as_for_a_meeting_that_does_not_exist(meeting):
    # given
    rita = meeting.participants.get(user__username="rita").user
    stranger, invitee = client_for(UserFactory()), client_for(rita)
    page, missing = f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk + 1000}/"

    # when
    seen = [stranger.get(page), stranger.post(f"{page}rsvp/", {"status": "accepted"})]
    absent = [stranger.get(missing), stranger.post(f"{missing}rsvp/", {"status": "accepted"})]
    invited = [invitee.get(page), invitee.post(f"{page}rsvp/", {"status": "accepted"})]

    # then: what an invitee opens is, to a stranger, the same as no meeting at all
    assert [r.status_code for r in invited] == [200, 302]
    assert [r.status_code for r in seen] == [r.status_code for r in absent] == [404, 404]
    assert meeting.participants.filter(status="accepted").count() == 2  # paul and rita


def test_someone_not_logged_in_is_sent_to_the_login_page_and_back(meeting):
    # when
    response = Client().get(f"/meetings/{meeting.pk}/")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/meetings/{meeting.pk}/"


@pytest.mark.parametrize("invited", [1, 20])
def test_the_page_costs_the_same_queries_whoever_is_invited(django_assert_num_queries, invited):
    # given
    organizer = UserFactory()
    meeting = MeetingFactory(created_by=organizer, room=RoomFactory())
    ParticipantFactory.create_batch(invited, meeting=meeting)
    client = client_for(organizer)

    # when / then
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(f"/meetings/{meeting.pk}/")
    assert response.text.count("Needs action") == invited


def test_answering_from_the_page_calls_the_rsvp_service_with_csrf(meeting):
    # given: a browser, which must send the form's CSRF token
    rita = meeting.participants.get(user__username="rita").user
    browser = client_for(rita, enforce_csrf_checks=True)
    page = browser.get(f"/meetings/{meeting.pk}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    url = f"/meetings/{meeting.pk}/rsvp/"

    # when
    forged = browser.post(url, {"status": "declined"})
    answered = browser.post(
        url,
        {"status": "tentative", "comment": "If the train is on time", "csrfmiddlewaretoken": token},
    )

    # then
    assert forged.status_code == 403
    assert answered.status_code == 302
    assert answered["Location"] == f"/meetings/{meeting.pk}/"
    mine = meeting.participants.get(user=rita)
    assert (mine.status, mine.comment) == ("tentative", "If the train is on time")
    assert Event.objects.filter(kind=Event.Kind.RSVP, meeting_id=meeting.pk).count() == 1
    shown = text(browser.get(answered["Location"]))
    assert "Your answer is saved: tentative." in shown
    assert "rita (you) Tentative If the train is on time" in shown


def test_a_bad_answer_is_a_400_naming_the_field_and_the_organizer_gets_a_403(meeting):
    # given
    rita = meeting.participants.get(user__username="rita").user
    url = f"/meetings/{meeting.pk}/rsvp/"

    # when
    bad = client_for(rita).post(url, {"status": "needs_action"})
    organizer = client_for(meeting.created_by).post(url, {"status": "accepted"})

    # then
    assert bad.status_code == 400
    assert "Select a valid choice. needs_action is not one of the available choices." in text(bad)
    assert organizer.status_code == 403
    assert meeting.participants.get(user=rita).status == "needs_action"


@pytest.mark.parametrize("invited", [1, 20])
def test_answering_costs_the_same_queries_whoever_is_invited(django_assert_num_queries, invited):
    # given
    meeting = MeetingFactory()
    ParticipantFactory.create_batch(invited - 1, meeting=meeting)
    client = client_for(ParticipantFactory(meeting=meeting).user)

    # when / then: the page's four, then the service's savepoint, lock, update, event, release
    with django_assert_num_queries(PAGE_QUERIES + 5):
        response = client.post(f"/meetings/{meeting.pk}/rsvp/", {"status": "accepted"})
    assert response.status_code == 302
