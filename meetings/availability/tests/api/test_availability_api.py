"""GET /api/availability/ and /api/availability/suggest/: shapes, errors, query budgets."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.availability.api.serializers import FreeBusySerializer, SuggestionSerializer
from meetings.models import Meeting, Participant, Room
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory

pytestmark = pytest.mark.django_db

FREE_BUSY, SUGGEST = "/api/availability/", "/api/availability/suggest/"
MONDAY = datetime(2030, 3, 4, tzinfo=UTC)  # in the future; Paris is UTC+1 that day
DAY = "from=2030-03-04T00:00&to=2030-03-05T00:00"  # read in the caller's zone (Paris)


def at(hours: float) -> datetime:
    return MONDAY + timedelta(hours=hours)


def meeting(organizer, start: datetime, minutes: int, **fields) -> Meeting:
    end = start + timedelta(minutes=minutes)
    return MeetingFactory(created_by=organizer, start_time=start, end_time=end, **fields)


@pytest.fixture
def me():
    return UserFactory(username="me", timezone="Europe/Paris")


@pytest.fixture
def api(api_as, me):
    return api_as(me)


# -- free/busy -------------------------------------------------------------------------------


def test_free_busy_gives_each_persons_busy_times_in_the_order_asked_in_my_zone(api):
    # given
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob", timezone="Asia/Tokyo")
    secret = meeting(ann, at(8), 60, title="Secret merger")
    ParticipantFactory(meeting=meeting(bob, at(9), 30), user=ann, status="tentative")

    # when
    response = api.get(f"{FREE_BUSY}?users={bob.pk},{ann.pk}&{DAY}")

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "from": "2030-03-04T00:00:00+01:00",
        "to": "2030-03-05T00:00:00+01:00",
        "users": [
            {
                "id": bob.pk,
                "username": "bob",
                "busy": [
                    {
                        "start_time": "2030-03-04T10:00:00+01:00",
                        "end_time": "2030-03-04T10:30:00+01:00",
                        "status": "busy",
                    }
                ],
            },
            {
                "id": ann.pk,
                "username": "ann",
                "busy": [
                    {
                        "start_time": "2030-03-04T09:00:00+01:00",
                        "end_time": "2030-03-04T10:00:00+01:00",
                        "status": "busy",
                    },
                    {
                        "start_time": "2030-03-04T10:00:00+01:00",
                        "end_time": "2030-03-04T10:30:00+01:00",
                        "status": "tentative",
                    },
                ],
            },
        ],
    }
    assert secret.title not in response.content.decode()
    assert FreeBusySerializer(data=response.json()).is_valid()


def test_one_unknown_person_is_named_alone(api):
    response = api.get(f"{FREE_BUSY}?users=999999&{DAY}")

    assert response.json() == {"users": ["No active user has the id 999999."]}


def test_repeated_ids_are_answered_once(api):
    ann = UserFactory(username="ann")

    body = api.get(f"{FREE_BUSY}?users={ann.pk},{ann.pk}&{DAY}").json()

    assert [person["id"] for person in body["users"]] == [ann.pk]


@pytest.mark.parametrize("form", ["repeated", "mixed"])
def test_free_busy_answers_everyone_asked_with_repeated_users(api, form):
    # given: three people, each busy at a different hour
    people = [UserFactory(username=name) for name in ("ann", "bob", "cy")]
    for hour, person in enumerate(people, start=8):
        meeting(person, at(hour), 30)
    ids = [str(person.pk) for person in people]
    users = "&".join(f"users={i}" for i in ids)
    if form == "mixed":
        users = f"users={ids[0]},{ids[1]}&users={ids[2]}"

    # when
    response = api.get(f"{FREE_BUSY}?{users}&{DAY}")

    # then
    assert response.status_code == 200, response.content
    answered = {person["username"]: person["busy"] for person in response.json()["users"]}
    assert list(answered) == ["ann", "bob", "cy"]
    assert all(len(busy) == 1 for busy in answered.values())


def test_suggest_answers_everyone_asked_with_repeated_users(api, me):
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")

    response = api.get(f"{SUGGEST}?users={ann.pk}&users={bob.pk}&duration=30&{DAY}")

    assert response.status_code == 200, response.content
    assert [person["id"] for person in response.json()["attendees"]] == [me.pk, ann.pk, bob.pk]


def test_suggest_avoids_a_busy_time_of_the_first_person_given_repeated(api, me):
    # given: ann (asked first) is busy 09:00-12:00 Paris time; bob is free all day
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    meeting(ann, at(8), 180)

    # when
    response = api.get(f"{SUGGEST}?users={ann.pk}&users={bob.pk}&duration=60&limit=1&{DAY}")

    # then: the first slot is once ann is free
    assert response.status_code == 200, response.content
    assert response.json()["slots"] == [
        {"start_time": "2030-03-04T12:00:00+01:00", "end_time": "2030-03-04T13:00:00+01:00"}
    ]


@pytest.mark.parametrize("url", [FREE_BUSY, SUGGEST])
@pytest.mark.parametrize(
    ("users", "reason"),
    [
        ("&".join(["users=1"] * 101), "Ask about at most 100 people at once."),
        ("&".join(["users=1,1"] * 51), "Ask about at most 100 people at once."),
        ("users=1&users=ann", "Give user ids separated by commas, such as 3,1,2."),
        ("users=1&users=", "Give user ids separated by commas, such as 3,1,2."),
        ("users=1&users=0", "Give user ids separated by commas, such as 3,1,2."),
    ],
    ids=["101 repeated", "102 in pairs", "a name", "an empty one", "zero"],
)
def test_repeated_users_are_checked_like_a_comma_list(api, me, url, users, reason):
    query = users.replace("users=1", f"users={me.pk}")

    response = api.get(f"{url}?{query}&duration=30&{DAY}")

    assert response.status_code == 400, response.content
    assert response.json() == {"users": [reason]}


def test_one_unknown_person_among_repeated_users_is_named(api, me):
    response = api.get(f"{FREE_BUSY}?users={me.pk}&users=999999&{DAY}")

    assert response.status_code == 400
    assert response.json() == {"users": ["No active user has the id 999999."]}


def test_unknown_and_inactive_people_are_named_in_a_400(api):
    gone = UserFactory(username="gone", is_active=False)
    ann = UserFactory(username="ann")

    response = api.get(f"{FREE_BUSY}?users={ann.pk},{gone.pk},999999&{DAY}")

    assert response.status_code == 400
    assert response.json() == {"users": [f"No active users have the ids {gone.pk}, 999999."]}


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        (DAY, "users", "This field is required."),
        (f"users=&{DAY}", "users", "Give at least one user id."),
        (f"users=ann&{DAY}", "users", "Give user ids separated by commas, such as 3,1,2."),
        (f"users=0&{DAY}", "users", "Give user ids separated by commas, such as 3,1,2."),
        (f"users=1,,2&{DAY}", "users", "Give user ids separated by commas, such as 3,1,2."),
        (f"users=-1&{DAY}", "users", "Give user ids separated by commas, such as 3,1,2."),
        (
            f"users=99999999999999999999&{DAY}",
            "users",
            "Give user ids separated by commas, such as 3,1,2.",
        ),
        (f"users={','.join(['1'] * 101)}&{DAY}", "users", "Ask about at most 100 people at once."),
        ("users=1&to=2030-03-05T00:00", "from", "This field is required."),
        ("users=1&from=2030-03-05T00:00&to=2030-03-05T00:00", "to", "Must be after from."),
        (
            "users=1&from=2030-03-01T00:00Z&to=2030-05-02T00:00:01Z",
            "to",
            "The window may span at most 62 days.",
        ),
        ("users=1&from=0001-01-01T00:00Z&to=2030-01-02T00:00Z", "from", None),
        ("users=1&from=2030-03-31T02:30&to=2030-04-01T00:00", "from", None),  # skipped in Paris
        ("users=1&from=yesterday&to=2030-04-01T00:00", "from", None),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api, me, query, field, reason):
    response = api.get(f"{FREE_BUSY}?{query.replace('users=1&', f'users={me.pk}&')}")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    if reason:
        assert response.json()[field] == [reason]


def test_a_window_of_exactly_62_days_is_allowed(api, me):
    response = api.get(f"{FREE_BUSY}?users={me.pk}&from=2030-03-01T00:00Z&to=2030-05-02T00:00Z")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("end", "status"), [("01:00", 200), ("01:00:01", 400)])
def test_the_62_days_are_elapsed_time_even_across_a_clock_change(api, me, end, status):
    # given: 1 March 00:00 in Paris is 23:00 UTC; 2 May 01:00 is 23:00 UTC too (summer time)
    query = f"users={me.pk}&from=2030-03-01T00:00&to=2030-05-02T{end}"

    # when / then: 62 days exactly, then a second more
    assert api.get(f"{FREE_BUSY}?{query}").status_code == status


def test_availability_needs_a_login(anonymous):
    assert anonymous.get(f"{FREE_BUSY}?users=1&{DAY}").status_code == 401
    assert anonymous.get(f"{SUGGEST}?duration=30&{DAY}").status_code == 401


# -- find a time -----------------------------------------------------------------------------


def test_suggest_includes_me_and_answers_the_first_slots_in_my_zone(api, me):
    # given: I am busy 09:00-10:00 Paris time, Ann tentatively 10:00-10:30
    ann = UserFactory(username="ann", timezone="Europe/London")
    meeting(me, at(8), 60)
    ParticipantFactory(meeting=meeting(me, at(9), 30), user=ann)

    # when
    response = api.get(f"{SUGGEST}?users={ann.pk}&duration=45&limit=2&{DAY}")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "from": "2030-03-04T00:00:00+01:00",
        "to": "2030-03-05T00:00:00+01:00",
        "duration": 45,
        "attendees": [
            {"id": me.pk, "username": "me", "timezone": "Europe/Paris"},
            {"id": ann.pk, "username": "ann", "timezone": "Europe/London"},
        ],
        "slots": [
            {"start_time": "2030-03-04T10:30:00+01:00", "end_time": "2030-03-04T11:15:00+01:00"},
            {"start_time": "2030-03-04T10:45:00+01:00", "end_time": "2030-03-04T11:30:00+01:00"},
        ],
        "reasons": [],
    }
    assert SuggestionSerializer(data=body).is_valid()


def test_suggest_without_users_looks_at_my_calendar_alone(api, me):
    meeting(me, at(8), 60)

    body = api.get(f"{SUGGEST}?duration=60&{DAY}").json()

    assert [person["id"] for person in body["attendees"]] == [me.pk]
    assert len(body["slots"]) == 5
    assert body["slots"][0]["start_time"] == "2030-03-04T10:00:00+01:00"


def test_suggest_explains_why_nothing_fits(api):
    kiri = UserFactory(username="kiri", timezone="Pacific/Auckland")

    body = api.get(f"{SUGGEST}?users={kiri.pk}&duration=30&{DAY}").json()

    assert body["slots"] == []
    assert body["reasons"] == [
        "The working hours of me (Mon-Fri 09:00-17:00, Europe/Paris) and kiri (Mon-Fri "
        "09:00-17:00, Pacific/Auckland) never overlap between Mon 04 Mar 2030 00:00 and "
        "Tue 05 Mar 2030 00:00 (Europe/Paris time)."
    ]


def test_suggest_in_the_past_proposes_nothing(api):
    body = api.get(f"{SUGGEST}?duration=30&from=2020-03-02T00:00&to=2020-03-03T00:00").json()

    assert body["slots"] == []
    assert body["reasons"] == [
        "The window is over: it ended Tue 03 Mar 2020 00:00 (Europe/Paris time)."
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (DAY, "duration"),
        (f"duration=4&{DAY}", "duration"),
        (f"duration=721&{DAY}", "duration"),
        (f"duration=an hour&{DAY}", "duration"),
        (f"duration=30&limit=0&{DAY}", "limit"),
        (f"duration=30&limit=21&{DAY}", "limit"),
        (f"duration=30&users=999999&{DAY}", "users"),
        ("duration=30&from=2030-03-05T00:00&to=2030-03-04T00:00", "to"),
    ],
)
def test_bad_suggest_parameters_are_a_400_naming_the_field(api, query, field):
    response = api.get(f"{SUGGEST}?{query}")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


def test_suggest_accepts_an_empty_users_list_and_the_limit_bounds(api):
    assert api.get(f"{SUGGEST}?users=&duration=5&limit=20&{DAY}").status_code == 200
    assert api.get(f"{SUGGEST}?duration=720&limit=1&{DAY}").status_code == 200


# -- query budgets ---------------------------------------------------------------------------


def crowd(size: int, *, meetings_each: int = 12) -> list[User]:
    """`size` people, each organizing `meetings_each` meetings over the week and invited to as
    many others (with every answer), and `size` rooms that seat them all, with bookings (one
    an hour: never two at once in a room), written in bulk."""
    people = User.objects.bulk_create(
        User(username=f"person{i}", timezone=("Europe/Paris", "America/New_York")[i % 2])
        for i in range(size)
    )
    rooms = Room.objects.bulk_create(Room(name=f"R{i}", capacity=size + 1) for i in range(size))
    meetings = Meeting.objects.bulk_create(
        Meeting(
            created_by=people[i % size],
            title=f"M{i}",
            start_time=at(i % 100),
            end_time=at(i % 100 + 0.75),
            room=rooms[i % size] if i < 100 else None,
        )
        for i in range(size * meetings_each)
    )
    answers = Participant.Status.values
    Participant.objects.bulk_create(
        Participant(meeting=m, user=people[(i + 1) % size], status=answers[i % len(answers)])
        for i, m in enumerate(meetings)
        if size > 1
    )
    return people


WEEK = "from=2030-03-04T00:00&to=2030-03-11T00:00"


@pytest.mark.parametrize("size", [1, 30])
def test_free_busy_costs_three_queries_however_many_people(api, django_assert_num_queries, size):
    # given
    ids = ",".join(str(person.pk) for person in crowd(size))

    # when: the token with its user, the people, their busy time
    with django_assert_num_queries(3):
        response = api.get(f"{FREE_BUSY}?users={ids}&{WEEK}")

    # then
    assert response.status_code == 200, response.content
    people = response.json()["users"]
    assert len(people) == size
    assert all(person["busy"] for person in people)


@pytest.mark.parametrize("size", [1, 30])
def test_suggest_costs_three_queries_however_many_people(api, django_assert_num_queries, size):
    ids = ",".join(str(person.pk) for person in crowd(size))

    with django_assert_num_queries(3):
        response = api.get(f"{SUGGEST}?users={ids}&duration=30&limit=20&{WEEK}")

    assert response.status_code == 200, response.content
    assert len(response.json()["attendees"]) == size + 1
    assert response.json()["slots"]


@pytest.mark.parametrize("size", [1, 30])
def test_suggest_with_rooms_costs_one_query_more(api, django_assert_num_queries, size):
    # given
    ids = ",".join(str(person.pk) for person in crowd(size))

    # when: ... and the rooms with their bookings
    with django_assert_num_queries(4):
        response = api.get(f"{SUGGEST}?users={ids}&duration=30&limit=20&room=true&{WEEK}")

    # then
    assert response.status_code == 200, response.content
    slots = response.json()["slots"]
    assert slots
    assert all(1 <= len(slot["rooms"]) <= 5 for slot in slots)


def test_suggest_with_rooms_lists_the_free_rooms_of_each_slot(api, me):
    # given: Ada (for two) is booked 09:00-10:00 Paris time; Hall seats more
    ada = RoomFactory(name="Ada", capacity=2, location="Floor 1")
    hall = RoomFactory(name="Hall", capacity=40, location="Floor 0")
    RoomFactory(name="Booth", capacity=1)
    meeting(UserFactory(), at(8), 60, room=ada)
    ann = UserFactory(username="ann")

    # when
    response = api.get(f"{SUGGEST}?users={ann.pk}&duration=60&limit=5&room=true&{DAY}")

    # then
    body = response.json()
    hall_ref = {"id": hall.pk, "name": "Hall", "capacity": 40, "location": "Floor 0"}
    ada_ref = {"id": ada.pk, "name": "Ada", "capacity": 2, "location": "Floor 1"}
    assert body["slots"][0] == {
        "start_time": "2030-03-04T09:00:00+01:00",
        "end_time": "2030-03-04T10:00:00+01:00",
        "rooms": [hall_ref],
    }
    assert body["slots"][4]["rooms"] == [ada_ref, hall_ref]  # 10:00, once Ada is free
    assert SuggestionSerializer(data=body).is_valid()


# -- the cache -------------------------------------------------------------------------------


def test_a_warm_free_busy_read_costs_no_busy_query_and_a_change_shows_at_once(
    api, api_as, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given: ann's meeting, read once (cold)
    from meetings.services.lifecycle import meeting_update
    from meetings.services.participants import meeting_rsvp

    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    with django_capture_on_commit_callbacks(execute=True):
        held = meeting(ann, at(8), 60)
        invitation = ParticipantFactory(meeting=meeting(ann, at(10), 30), user=bob)
    url = f"{FREE_BUSY}?users={ann.pk},{bob.pk}&{DAY}"
    cold = api.get(url).json()

    # when: read again, then bob accepts and ann moves her meeting (through the services)
    with django_assert_num_queries(1):  # the people (the token with its user is cached)
        warm = api.get(url).json()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_rsvp(meeting=invitation.meeting, user=bob, status="accepted")
        meeting_update(meeting=held, by=ann, start_time=at(12), end_time=at(13))
    after = api.get(url).json()

    # then
    assert warm == cold
    busy = {person["username"]: person["busy"] for person in after["users"]}
    assert [b["status"] for b in busy["bob"]] == ["busy"]
    assert busy["ann"][-1]["start_time"] == "2030-03-04T13:00:00+01:00"


def test_a_window_across_two_months_reads_a_meeting_across_them_once(api):
    ann = UserFactory(username="ann")
    midnight = datetime(2030, 4, 1, tzinfo=UTC)
    meeting(ann, midnight - timedelta(hours=1), 120)  # 31 March 23:00 to 1 April 01:00 UTC
    url = f"{FREE_BUSY}?users={ann.pk}&from=2030-03-20T00:00Z&to=2030-04-10T00:00Z"

    cold, warm = api.get(url).json(), api.get(url).json()

    assert cold == warm
    [person] = cold["users"]
    assert [(b["start_time"], b["end_time"]) for b in person["busy"]] == [
        ("2030-04-01T01:00:00+02:00", "2030-04-01T03:00:00+02:00")
    ]
