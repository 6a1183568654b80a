"""The plain login page (for everyone, throttled) and the list it lands on."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler.api.throttling import WindowRateThrottle

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


def test_password_guesses_are_throttled_per_address_and_per_username_failures(monkeypatch):
    # given: two tries a minute per address (THROTTLE_LOGIN), two failures per username
    # (THROTTLE_LOGIN_FAILURES)
    rates = {"login": "2/minute", "login_failures": "2/hour"}
    monkeypatch.setattr(WindowRateThrottle, "THROTTLE_RATES", rates)
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
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many attempts to log in. Try again in" in refused.text
    assert "Please enter a correct username" not in refused.text  # the password was not checked
    assert someone_else.status_code == 200


def test_guesses_on_the_page_and_at_the_api_count_together(monkeypatch):
    # given: three failures an hour per username
    monkeypatch.setattr(
        WindowRateThrottle, "THROTTLE_RATES", {"login": "100/minute", "login_failures": "3/hour"}
    )
    UserFactory(username="paul", password="the-right-one-123")

    # when: two wrong guesses on the page, one at the API, then the right password at each
    page = [
        Client(REMOTE_ADDR=f"10.0.3.{n}").post("/login/", {"username": "paul", "password": "x"})
        for n in range(2)
    ]
    api = APIClient(REMOTE_ADDR="10.0.4.1")
    guess = api.post("/api/auth/token/", {"username": "paul", "password": "x"}, format="json")
    right_here = Client(REMOTE_ADDR="10.0.3.9").post(
        "/login/", {"username": "paul", "password": "the-right-one-123"}
    )
    right_there = api.post(
        "/api/auth/token/", {"username": "paul", "password": "the-right-one-123"}, format="json"
    )

    # then
    assert [r.status_code for r in page] == [200, 200]
    assert guess.status_code == 400
    assert right_here.status_code == 429
    assert right_there.status_code == 429


def test_the_right_password_uses_up_no_failure(monkeypatch):
    # given: one failure an hour per username
    monkeypatch.setattr(
        WindowRateThrottle, "THROTTLE_RATES", {"login": "100/minute", "login_failures": "1/hour"}
    )
    UserFactory(username="paul", password="the-right-one-123")

    # when: three good logins, then a wrong one
    good = [
        Client().post("/login/", {"username": "paul", "password": "the-right-one-123"})
        for _ in range(3)
    ]
    wrong = Client().post("/login/", {"username": "paul", "password": "x"})

    # then
    assert [r.status_code for r in good] == [302, 302, 302]
    assert wrong.status_code == 200


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

    # when: the session, its user, the meetings (their participants are not shown: not loaded)
    with django_assert_num_queries(3):
        response = client.get("/meetings/")

    # then: upcoming ones only, each linking to its page
    links = re.findall(r'href="/meetings/(\d+)/"', response.text)
    assert len(links) == meetings
