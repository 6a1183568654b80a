import pytest

from accounts.tests.factories import UserFactory
from scheduler.api.throttling import WindowRateThrottle

pytestmark = pytest.mark.django_db


def test_the_user_throttle_counts_per_user(api_as, monkeypatch):
    monkeypatch.setattr(WindowRateThrottle, "THROTTLE_RATES", {"user": "2/hour", "anon": "9/hour"})
    busy, other = api_as(UserFactory()), api_as(UserFactory())

    codes = [busy.get("/api/users/me/").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert other.get("/api/users/me/").status_code == 200


def test_me_shows_my_profile_and_patch_changes_name_and_time_zone(api_as):
    me = UserFactory(username="ada", email="ada@example.com", timezone="UTC")
    client = api_as(me)

    response = client.patch(
        "/api/users/me/", {"first_name": "Ada", "last_name": "King", "timezone": "Europe/London"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": me.pk,
        "username": "ada",
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "King",
        "timezone": "Europe/London",
        "reminder_minutes": 15,
        "work_start": "09:00:00",
        "work_end": "17:00:00",
        "working_days": "12345",
    }
    me.refresh_from_db()
    assert (me.first_name, me.timezone) == ("Ada", "Europe/London")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),  # the server's own zone, whatever it is
        ({"timezone": "Factory"}, "timezone"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"reminder_minutes": 7}, "reminder_minutes"),
        ({"reminder_minutes": -15}, "reminder_minutes"),
    ],
)
def test_a_bad_profile_change_is_a_400_and_changes_nothing(api_as, body, field):
    me = UserFactory(first_name="Ada", timezone="UTC")

    response = api_as(me).patch("/api/users/me/", body)

    assert response.status_code == 400
    assert field in response.json()
    me.refresh_from_db()
    assert (me.first_name, me.timezone) == ("Ada", "UTC")


def test_nobody_changes_their_username_email_or_staff_flag_through_me(api_as):
    me = UserFactory(username="ada", email="ada@example.com")

    api_as(me).patch(
        "/api/users/me/",
        {"username": "root", "email": "x@evil.test", "is_staff": True, "is_superuser": True},
    )

    me.refresh_from_db()
    assert (me.username, me.email, me.is_staff, me.is_superuser) == (
        "ada",
        "ada@example.com",
        False,
        False,
    )


def test_finding_people_to_invite_shows_no_email_or_anything_else(api_as):
    UserFactory(username="grace.hopper", first_name="Grace", last_name="Hopper", email="g@x.test")
    UserFactory(username="alan", first_name="Alan", last_name="Turing")
    UserFactory(username="gone.grace", is_active=False)

    body = api_as(UserFactory(username="me")).get("/api/users/?search=grace").json()

    assert body["results"] == [
        {"id": body["results"][0]["id"], "username": "grace.hopper", "full_name": "Grace Hopper"}
    ]


def test_people_are_listed_by_username_in_keyset_pages(api_as, django_assert_num_queries):
    for name in ["carol", "alice", "bob", "dave"]:
        UserFactory(username=f"team.{name}")
    client = api_as(UserFactory(username="zed"))

    first = client.get("/api/users/?search=team.&page_size=2").json()
    with django_assert_num_queries(1):  # the page (the token is cached since the first)
        second = client.get(first["next"]).json()

    assert [u["username"] for u in first["results"]] == ["team.alice", "team.bob"]
    assert [u["username"] for u in second["results"]] == ["team.carol", "team.dave"]


def test_me_costs_one_query_for_the_token_then_none(api_as, django_assert_num_queries):
    client = api_as(UserFactory())

    with django_assert_num_queries(1):  # the token and its user
        cold = client.get("/api/users/me/")
    with django_assert_num_queries(0):  # both from the cache
        warm = client.get("/api/users/me/")

    assert warm.json() == cold.json()


def test_people_choose_how_long_before_a_meeting_to_be_reminded(api_as):
    me = UserFactory()

    response = api_as(me).patch("/api/users/me/", {"reminder_minutes": 60})

    assert response.json()["reminder_minutes"] == 60
    me.refresh_from_db()
    assert me.reminder_minutes == 60


@pytest.mark.parametrize("query", ["", "?search=", "?search=a", "?search=%20a%20", "?page_size=5"])
def test_finding_people_needs_two_characters_or_more(api_as, query):
    # given: people, and someone who would like the list of all of them
    for name in ["ada", "alan", "grace"]:
        UserFactory(username=name)
    # when
    response = api_as(UserFactory(username="me")).get(f"/api/users/{query}")
    # then: a 400 naming the parameter, and nobody listed
    assert response.status_code == 400
    assert "2 characters" in response.json()["search"][0]
    assert "results" not in response.json()


def test_two_characters_are_enough_to_find_someone(api_as):
    UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    UserFactory(username="alan", first_name="Alan", last_name="Turing")

    me = UserFactory(username="me", first_name="Me", last_name="Myself")

    body = api_as(me).get("/api/users/?search=%20gr%20").json()

    assert [person["username"] for person in body["results"]] == ["grace"]
