"""POST /api/auth/token/: a token per login, JSON only, throttled per address and per username."""

import pytest
from django.core.cache import cache

from accounts.models import AuthToken
from accounts.tests.factories import UserFactory
from scheduler.api.throttling import WindowRateThrottle

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/token/"


@pytest.fixture
def rates(monkeypatch):
    """rates(login=..., login_failures=...) sets the login throttles' rates for the test."""

    def set_rates(*, login="1000/minute", login_failures="1000/hour"):
        monkeypatch.setattr(
            WindowRateThrottle,
            "THROTTLE_RATES",
            {"anon": "1000/minute", "user": "1000/minute", "login": login,
             "login_failures": login_failures},
        )  # fmt: skip

    return set_rates


def guess(client, username="victim", password="guess", address="10.0.0.1"):  # noqa: S107
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_logging_in_returns_a_token_that_opens_the_api(anonymous):
    UserFactory(username="ada", password="correct horse")

    response = anonymous.post(LOGIN, {"username": "ada", "password": "correct horse"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry", "id", "client"}
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert anonymous.get("/api/users/me/").json()["username"] == "ada"


def test_each_login_is_a_token_of_its_own_named_after_its_client(anonymous):
    # given
    user = UserFactory(username="ada", password="correct horse")
    body = {"username": "ada", "password": "correct horse"}
    # when: one login names its client, the other leaves it to the User-Agent
    phone = anonymous.post(LOGIN, {**body, "client": "Ada's phone"}).json()
    laptop = anonymous.post(LOGIN, body, HTTP_USER_AGENT="Mozilla/5.0 \x01" + "x" * 300).json()
    # then
    assert phone["token"] != laptop["token"]
    assert phone["client"] == "Ada's phone"
    assert laptop["client"] == ("Mozilla/5.0 " + "x" * 300)[:100]
    assert set(AuthToken.objects.filter(user=user).values_list("client", flat=True)) == {
        phone["client"],
        laptop["client"],
    }


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ada", "password": "wrong"},
        {"username": "nobody", "password": "correct horse"},
        {"username": "ada"},
        {"username": "ada", "password": "a\x00b"},
        {"username": 7, "password": "correct horse"},
        {},
    ],
)
def test_a_failed_login_is_a_400_and_creates_no_token(anonymous, body):
    UserFactory(username="ada", password="correct horse")

    response = anonymous.post(LOGIN, body)

    assert response.status_code == 400
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("username=ada&password=correct+horse", "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nada\r\n'
            b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\ncorrect horse\r\n'
            b"--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
    ],
)
def test_login_takes_json_only(anonymous, data, content_type):
    # given: the right credentials, sent as a form
    UserFactory(username="ada", password="correct horse")
    # when
    response = anonymous.generic("POST", LOGIN, data, content_type=content_type)
    # then
    assert response.status_code == 415
    assert not AuthToken.objects.exists()


def test_logins_are_throttled_per_address_with_retry_after(anonymous, rates):
    # given: the login scope allows 3 a minute per address
    rates(login="3/minute")
    UserFactory(username="ada", password="correct horse")
    # when: three attempts (one of them right), then two more
    codes = [
        guess(anonymous, "ada", "guess").status_code,
        guess(anonymous, "ada", "correct horse").status_code,
        guess(anonymous, "someone", "guess").status_code,
    ]
    limited = guess(anonymous, "ada", "correct horse")
    # then: the fourth is refused, whatever it says, and says when to come back
    assert codes == [400, 200, 400]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert "throttled" in limited.json()["detail"].lower()
    assert guess(anonymous, "ada", "correct horse", address="10.0.0.2").status_code == 200


def test_a_valid_token_header_does_not_take_logins_out_of_the_throttle(api_as, rates):
    # given: an attacker with an account of their own, guessing another's password
    rates(login="3/minute")
    UserFactory(username="victim", password="correct horse")
    attacker = api_as(UserFactory(username="attacker"))
    # when
    codes = [guess(attacker, password=f"guess{i}").status_code for i in range(5)]
    # then
    assert codes == [400, 400, 400, 429, 429]


def test_failures_are_counted_per_username_across_addresses(anonymous, rates):
    # given: guesses at one account from many addresses, 3 failures an hour allowed
    rates(login_failures="3/hour")
    UserFactory(username="victim", password="correct horse")
    UserFactory(username="bystander", password="correct horse")
    # when
    codes = [guess(anonymous, address=f"10.0.0.{i}").status_code for i in range(1, 5)]
    locked = guess(anonymous, password="correct horse", address="10.9.9.9")
    # then: the fourth guess is refused, and so is the right password until the hour is out;
    # other people log in as usual
    assert codes == [400, 400, 400, 429]
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= 3601
    assert "username" in locked.json()["detail"]
    assert guess(anonymous, "bystander", "correct horse").status_code == 200


def test_a_username_counts_as_one_however_it_is_written(anonymous, rates):
    rates(login_failures="2/hour")
    UserFactory(username="victim")

    codes = [guess(anonymous, name).status_code for name in ["victim", " VICTIM ", "Victim"]]

    assert codes == [400, 400, 429]


def test_only_failures_count_against_a_username(anonymous, rates):
    # given: 2 failures an hour per username
    rates(login_failures="2/hour")
    UserFactory(username="ada", password="correct horse")
    # when: the owner logs in often, and fails twice
    successes = [guess(anonymous, "ada", "correct horse").status_code for _ in range(4)]
    failures = [guess(anonymous, "ada", "typo").status_code for _ in range(3)]
    # then
    assert successes == [200] * 4
    assert failures == [400, 400, 429]


def test_the_cache_holds_no_username(anonymous, rates):
    # given
    rates(login_failures="5/hour")
    UserFactory(username="victim")
    # when
    guess(anonymous, "victim")
    # then: the counters exist, under names that do not give the username away
    keys = [str(key) for key in (cache.keys("*") if hasattr(cache, "keys") else cache._cache)]
    assert any("login_failures" in key for key in keys)
    assert not any("victim" in key.lower() for key in keys)


def test_a_token_header_on_login_is_ignored_not_an_error(anonymous):
    # given: a header that authenticates nobody
    UserFactory(username="ada", password="correct horse")
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    # when
    response = anonymous.post(LOGIN, {"username": "ada", "password": "correct horse"})
    # then
    assert response.status_code == 200
