"""The admin's login guesses count with the API's: per address, and failures per username."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from scheduler.api.throttling import WindowRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-one-123"


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**rates):
        monkeypatch.setattr(WindowRateThrottle, "THROTTLE_RATES", rates)

    return set_rates


def admin_login(address: str, password: str, username: str = "root"):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def test_admin_password_guesses_are_throttled_per_username_from_any_address(rates):
    # given: two failures an hour per username
    rates(login="100/minute", login_failures="2/hour")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)

    # when: guesses from three addresses, then the right password from a fourth
    guesses = [admin_login(f"10.0.5.{n}", "guess") for n in range(3)]
    right = admin_login("10.0.5.9", PASSWORD)

    # then
    assert [r.status_code for r in guesses] == [200, 200, 429]
    assert right.status_code == 429
    assert 0 < int(right["Retry-After"]) <= 3600
    assert "Too many attempts to log in. Try again in" in right.text
    assert "Please enter the correct username" not in right.text  # no password checked


def test_admin_logins_are_throttled_per_address(rates):
    # given: two attempts a minute per address
    rates(login="2/minute", login_failures="100/hour")

    # when: three different usernames from one address
    tries = [admin_login("10.0.6.1", "guess", username=name) for name in ("a", "b", "c")]
    elsewhere = admin_login("10.0.6.2", "guess", username="d")

    # then
    assert [r.status_code for r in tries] == [200, 200, 429]
    assert elsewhere.status_code == 200


def test_guesses_at_the_api_count_against_the_admin_login(rates):
    # given: three failures an hour per username, two of them used at the API
    rates(login="100/minute", login_failures="3/hour")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    api = APIClient(REMOTE_ADDR="10.0.7.1")
    for _ in range(2):
        api.post("/api/auth/token/", {"username": "root", "password": "x"}, format="json")

    # when
    last_guess = admin_login("10.0.7.2", "guess")
    right = admin_login("10.0.7.3", PASSWORD)

    # then
    assert last_guess.status_code == 200
    assert right.status_code == 429


def test_the_right_admin_password_logs_in_and_uses_up_no_failure(rates):
    # given: one failure an hour per username
    rates(login="100/minute", login_failures="1/hour")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)

    # when
    logins = [admin_login("10.0.8.1", PASSWORD) for _ in range(3)]
    wrong = admin_login("10.0.8.1", "guess")

    # then
    assert [r.status_code for r in logins] == [302, 302, 302]
    assert wrong.status_code == 200


@pytest.mark.parametrize("page", ["/login/", "/admin/login/"])
def test_a_logged_in_caller_guessing_at_someone_else_counts_failures(rates, page):
    # given: two failures an hour per username, and a guesser logged in as themselves
    rates(login="100/minute", login_failures="2/hour")
    UserFactory(username="mallory", password=PASSWORD, is_staff=True)
    UserFactory(username="root", password="roots-own-password", is_staff=True, is_superuser=True)
    guesser = Client(REMOTE_ADDR="10.0.9.1")
    assert guesser.login(username="mallory", password=PASSWORD)

    # when: guesses at root's password with mallory's session
    guesses = [
        guesser.post(page, {"username": "root", "password": f"guess-{n}"}).status_code
        for n in range(3)
    ]
    right = guesser.post(page, {"username": "root", "password": "roots-own-password"})

    # then
    assert guesses == [200, 200, 429]
    assert right.status_code == 429


def test_one_ipv6_subscriber_s_64_addresses_are_one_address(rates):
    # given: two attempts a minute per address
    rates(login="2/minute", login_failures="100/hour")

    # when: three addresses of one /64, then one of another /64 and an IPv4-mapped one
    tries = [
        admin_login(f"2001:db8:1:2::{n:x}", "guess", username=f"u{n}") for n in (1, 0xBEEF, 0xF00D)
    ]
    other_network = admin_login("2001:db8:1:3::1", "guess", username="v")
    mapped = admin_login("::ffff:192.0.2.1", "guess", username="w")

    # then
    assert [r.status_code for r in tries] == [200, 200, 429]
    assert other_network.status_code == 200
    assert mapped.status_code == 200


def change_password(browser: Client, old: str, new: str = "A-new-passphrase-42"):
    return browser.post(
        "/admin/password_change/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_guessing_the_old_password_in_the_admin_counts_failures(rates):
    # given: someone holding a staff session, two failures an hour per username
    rates(login="100/minute", login_failures="2/hour")
    root = UserFactory(username="root", password=PASSWORD, is_staff=True)
    browser = Client(REMOTE_ADDR="10.0.10.1")
    browser.force_login(root)

    # when: guesses at the old password, then the right one
    guesses = [change_password(browser, f"guess-{n}").status_code for n in range(3)]
    right = change_password(browser, PASSWORD)

    # then: refused once over, the password unchanged
    assert guesses == [200, 200, 429]
    assert right.status_code == 429
    assert "Too many attempts with a wrong password" in right.text
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_a_password_change_that_goes_through_uses_up_no_failure(rates):
    # given: one failure an hour
    rates(login="100/minute", login_failures="1/hour")
    root = UserFactory(username="root", password=PASSWORD, is_staff=True)
    browser = Client()
    browser.force_login(root)

    # when: a change, and a change back, then one wrong guess
    changed = change_password(browser, PASSWORD, "A-new-passphrase-42")
    back = change_password(browser, "A-new-passphrase-42", PASSWORD)
    wrong = change_password(browser, "guess")

    # then
    assert (changed.status_code, back.status_code, wrong.status_code) == (302, 302, 200)
