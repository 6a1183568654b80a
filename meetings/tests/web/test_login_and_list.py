"""The plain login page (for everyone, throttled) and the list it lands on."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from meetings.web import login

pytestmark = pytest.mark.django_db


def test_anyone_with_an_account_logs_in_not_only_staff_and_goes_where_they_were_going():
    # given: someone who is not staff, and so cannot use the admin's login
    paul = UserFactory(username="paul", is_staff=False)
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/login/?next=/meetings/42/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)

    # when
    response = browser.post(
        "/login/",
        {
            "username": "paul",
            "password": "pass-word-123",
            "next": "/meetings/42/",
            "csrfmiddlewaretoken": token,
        },
    )

    # then
    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/meetings/42/"
    assert browser.get("/meetings/").context["user"] == paul


def test_a_wrong_password_is_refused_on_the_page():
    # given
    UserFactory(username="paul")

    browser = Client()

    # when
    response = browser.post("/login/", {"username": "paul", "password": "guess"})

    # then
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert browser.get("/meetings/").status_code == 302  # to the login page


def test_password_guesses_are_throttled_per_address_and_per_username(monkeypatch):
    # given: two tries a minute (THROTTLE_LOGIN)
    monkeypatch.setattr(login.WindowRateThrottle, "THROTTLE_RATES", {"login": "2/minute"})
    UserFactory(username="paul")
    one_address = Client(REMOTE_ADDR="10.0.2.2")

    # when
    many_names = [
        one_address.post("/login/", {"username": name, "password": "guess"}).status_code
        for name in ("ana", "bob", "cyd")
    ]
    many_addresses = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/login/", {"username": name, "password": "guess"})
        for n, name in enumerate(["paul", "Paul ", "PAUL"])
    ]
    someone_else = Client(REMOTE_ADDR="10.0.1.1").post("/login/", {"username": "rita"})

    # then
    assert many_names == [200, 200, 429]
    assert [r.status_code for r in many_addresses] == [200, 200, 429]
    refused = many_addresses[-1]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "Too many attempts to log in. Try again in" in refused.text
    assert "Please enter a correct username" not in refused.text  # the password was not checked
    assert someone_else.status_code == 200


@pytest.mark.parametrize("meetings", [1, 20])
def test_my_next_meetings_cost_the_same_queries_however_many(django_assert_num_queries, meetings):
    # given
    me = UserFactory()
    soon = timezone.now() + timedelta(days=1)
    for n in range(meetings):
        start = soon + timedelta(hours=n)
        meeting = MeetingFactory(start_time=start, end_time=start + timedelta(minutes=30))
        ParticipantFactory(meeting=meeting, user=me)
    past = soon - timedelta(days=30)
    MeetingFactory(created_by=me, start_time=past, end_time=past + timedelta(hours=1))
    client = Client()
    client.force_login(me)

    # when: the session, its user, the meetings, their participants
    with django_assert_num_queries(4):
        response = client.get("/meetings/")

    # then: upcoming ones only, each linking to its page
    links = re.findall(r'href="/meetings/(\d+)/"', response.text)
    assert len(links) == meetings
