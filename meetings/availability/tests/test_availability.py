"""Free/busy and find-a-time below the API: interval arithmetic, working hours across
daylight-saving changes, the busy-time selector and the slot search with its reasons."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.models import User
from accounts.tests.factories import UserFactory
from meetings.availability import busy_queryset, free_busy, suggest_slots
from meetings.availability.intervals import (
    difference,
    intersection,
    merged,
    quarter_ceiling,
)
from meetings.availability.rooms import RoomRef
from meetings.availability.slots import cut_slots
from meetings.availability.working_hours import (
    WorkingHours,
    describe,
    first_instant_at,
    working_intervals,
)
from meetings.models import Meeting, Participant
from meetings.tests.factories import MeetingFactory, ParticipantFactory, RoomFactory

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = frozenset(range(1, 8))
WEEKDAYS = frozenset(range(1, 6))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def span(start: datetime, minutes: int) -> tuple[datetime, datetime]:
    return (start, start + timedelta(minutes=minutes))


# -- intervals -------------------------------------------------------------------------------

H9, H10, H11, H12 = (utc(2026, 3, 2, hour) for hour in (9, 10, 11, 12))


def test_merged_joins_overlapping_and_touching_intervals_and_sorts_them():
    # given: out of order, one overlap, one touch, one empty, one apart
    intervals = [(H11, H12), (H9, H10), (H9, H9), (utc(2026, 3, 2, 9, 30), H11)]

    # when / then
    assert merged(intervals) == [(H9, H12)]
    assert merged([(H11, H12), (H9, H10)]) == [(H9, H10), (H11, H12)]


def test_intersection_keeps_only_the_time_in_both():
    first = [(H9, H11), (utc(2026, 3, 2, 11, 30), H12)]
    second = [span(utc(2026, 3, 2, 10, 30), 90)]

    assert intersection(first, second) == [
        (utc(2026, 3, 2, 10, 30), H11),
        (utc(2026, 3, 2, 11, 30), H12),
    ]


def test_difference_cuts_holes_and_trims_edges():
    kept = [(H9, H12)]
    removed = [
        span(utc(2026, 3, 2, 8), 90),
        (H10, utc(2026, 3, 2, 10, 15)),
        (H11, H11 + timedelta(hours=5)),
    ]

    assert difference(kept, removed) == [
        (utc(2026, 3, 2, 9, 30), H10),
        (utc(2026, 3, 2, 10, 15), H11),
    ]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 3, 2, 9), utc(2026, 3, 2, 9)),
        (utc(2026, 3, 2, 9, 0, 0, 1), utc(2026, 3, 2, 9, 15)),
        (utc(2026, 3, 2, 9, 44, 59), utc(2026, 3, 2, 9, 45)),
        (datetime(2026, 3, 2, 9, 50, tzinfo=ZoneInfo("Asia/Kathmandu")), utc(2026, 3, 2, 4, 15)),
    ],
)
def test_quarter_ceiling_rounds_up_to_a_quarter_hour_of_every_zone(moment, expected):
    assert quarter_ceiling(moment) == expected


def test_slots_start_every_quarter_hour_where_the_duration_fits():
    free = [(utc(2026, 3, 2, 9, 5), H10), (H11, H12)]

    slots = cut_slots(free, duration=timedelta(minutes=30), limit=5)

    assert [start for start, _ in slots] == [
        utc(2026, 3, 2, 9, 15),
        utc(2026, 3, 2, 9, 30),
        H11,
        utc(2026, 3, 2, 11, 15),
        utc(2026, 3, 2, 11, 30),
    ]
    assert all(end - start == timedelta(minutes=30) for start, end in slots)
    assert cut_slots(free, duration=timedelta(minutes=61), limit=5) == []


# -- working hours ---------------------------------------------------------------------------


def nine_to_five(zone: str, days=EVERY_DAY) -> WorkingHours:
    return WorkingHours(zone, time(9), time(17), days)


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # Europe moves its clocks on the last Sunday of March, the USA on the second one.
        ("Europe/Paris", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        ("America/New_York", utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
        # ... and back on the last Sunday of October and the first one of November.
        ("Europe/Paris", utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        ("America/New_York", utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
    ],
)
def test_a_working_day_lasts_eight_hours_on_both_sides_of_a_clock_change(zone, before, after):
    # when
    days = working_intervals(
        nine_to_five(zone), start=before - timedelta(hours=6), end=after + timedelta(days=1)
    )

    # then: 09:00 local moves by an hour in UTC, and each day still lasts 8 hours
    assert days[:2] == [span(before, 8 * 60), span(after, 8 * 60)]


@pytest.mark.parametrize(
    ("zone", "day", "jump"),
    [
        ("Europe/Paris", date(2026, 3, 29), utc(2026, 3, 29, 1)),  # 02:00 -> 03:00
        ("America/New_York", date(2026, 3, 8), utc(2026, 3, 8, 7)),  # 02:00 -> 03:00
    ],
)
def test_a_local_time_the_clocks_skip_becomes_the_instant_they_jump(zone, day, jump):
    # when: 02:30 does not exist that day
    start = first_instant_at(day, time(2, 30), ZoneInfo(zone))

    # then: the working day starts when the clocks show 03:00, on the same day
    assert start == jump
    assert start.astimezone(ZoneInfo(zone)).time() == time(3)
    assert start.astimezone(ZoneInfo(zone)).date() == day


def test_working_hours_that_start_in_the_spring_gap_keep_their_day():
    hours = WorkingHours("Europe/Paris", time(2, 30), time(10), EVERY_DAY)

    days = working_intervals(hours, start=utc(2026, 3, 28), end=utc(2026, 3, 31))

    assert days == [
        (utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 9)),  # 02:30-10:00 CET
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 8)),  # 03:00-10:00 CEST: 7 hours that day
        (utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 8)),  # 02:30-10:00 CEST
    ]


def test_working_hours_entirely_inside_the_gap_give_no_time_that_day():
    hours = WorkingHours("America/New_York", time(2, 10), time(2, 50), EVERY_DAY)

    days = working_intervals(hours, start=utc(2026, 3, 7), end=utc(2026, 3, 10))

    assert [start.astimezone(NEW_YORK).day for start, _ in days] == [7, 9]


def test_a_time_the_clocks_show_twice_is_taken_the_first_time():
    start = first_instant_at(date(2026, 10, 25), time(2, 30), PARIS)

    assert start == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, an hour before 02:30 CET


def test_working_hours_skip_days_off_and_are_clipped_to_the_window():
    hours = nine_to_five("Europe/Paris", WEEKDAYS)

    # Friday 12:00 to Tuesday 10:00, Paris time
    days = working_intervals(hours, start=utc(2026, 3, 6, 11), end=utc(2026, 3, 10, 9))

    assert days == [
        (utc(2026, 3, 6, 11), utc(2026, 3, 6, 16)),
        span(utc(2026, 3, 9, 8), 480),
        (utc(2026, 3, 10, 8), utc(2026, 3, 10, 9)),
    ]


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ("12345", "Mon-Fri 09:00-17:00, Europe/Paris"),
        ("135", "Mon, Wed, Fri 09:00-17:00, Europe/Paris"),
        ("67", "Sat, Sun 09:00-17:00, Europe/Paris"),
    ],
)
def test_working_hours_are_described_for_people(days, text):
    hours = nine_to_five("Europe/Paris", frozenset(int(day) for day in days))

    assert describe(hours) == text


# -- free/busy -------------------------------------------------------------------------------

MONDAY = utc(2026, 3, 2)  # 2026-03-02 is a Monday; Paris is UTC+1 until the 29th


def meeting(organizer, start: datetime, minutes: int, **fields) -> Meeting:
    return MeetingFactory(
        created_by=organizer,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        **fields,
    )


def invite(user, to: Meeting, status=Participant.Status.NEEDS_ACTION) -> Participant:
    return ParticipantFactory(meeting=to, user=user, status=status)


@pytest.mark.django_db
def test_busy_time_counts_meetings_organized_accepted_and_unanswered_but_not_declined():
    # given
    ann, host = UserFactory(username="ann"), UserFactory(username="host")
    meeting(ann, MONDAY + timedelta(hours=8), 60)  # organizes: busy
    invite(ann, meeting(host, MONDAY + timedelta(hours=10), 30), Participant.Status.ACCEPTED)
    invite(ann, meeting(host, MONDAY + timedelta(hours=12), 30), Participant.Status.TENTATIVE)
    invite(ann, meeting(host, MONDAY + timedelta(hours=13), 30))  # not answered: tentative
    invite(ann, meeting(host, MONDAY + timedelta(hours=14), 30), Participant.Status.DECLINED)
    meeting(ann, MONDAY + timedelta(hours=15), 30, status=Meeting.Status.CANCELLED)
    invite(UserFactory(), meeting(host, MONDAY + timedelta(hours=16), 30))  # someone else's

    # when
    [person] = free_busy(users=[ann], start=MONDAY, end=MONDAY + timedelta(days=1))

    # then
    assert person.user == ann
    assert [
        (i.start.hour, i.start.minute, i.end.hour, i.end.minute, i.status) for i in person.intervals
    ] == [
        (8, 0, 9, 0, "busy"),
        (10, 0, 10, 30, "busy"),
        (12, 0, 12, 30, "tentative"),
        (13, 0, 13, 30, "tentative"),
    ]


@pytest.mark.django_db
def test_busy_time_is_merged_per_status_clipped_and_busy_wins_over_tentative():
    # given: busy 09:00-10:00 and 10:00-10:30 (touching), tentative 10:15-11:00 and 10:45-11:30
    # (overlapping), one meeting across the window's start and one across its end
    ann, host = UserFactory(username="ann"), UserFactory(username="host")
    meeting(ann, MONDAY + timedelta(hours=9), 60)
    meeting(ann, MONDAY + timedelta(hours=10), 30)
    invite(ann, meeting(host, MONDAY + timedelta(hours=10, minutes=15), 45))
    invite(ann, meeting(host, MONDAY + timedelta(hours=10, minutes=45), 45))
    meeting(ann, MONDAY + timedelta(hours=7), 90)
    meeting(ann, MONDAY + timedelta(hours=17, minutes=30), 60)
    meeting(ann, MONDAY + timedelta(hours=6), 120)  # ends at the window's start: outside

    # when
    [person] = free_busy(
        users=[ann], start=MONDAY + timedelta(hours=8), end=MONDAY + timedelta(hours=18)
    )

    # then
    assert [(i.start, i.end, i.status) for i in person.intervals] == [
        (MONDAY + timedelta(hours=8), MONDAY + timedelta(hours=8, minutes=30), "busy"),
        (MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=10, minutes=30), "busy"),
        (
            MONDAY + timedelta(hours=10, minutes=30),
            MONDAY + timedelta(hours=11, minutes=30),
            "tentative",
        ),
        (MONDAY + timedelta(hours=17, minutes=30), MONDAY + timedelta(hours=18), "busy"),
    ]


@pytest.mark.django_db
def test_free_busy_lists_people_in_the_order_given_with_empty_days_too():
    ann, bob, cat = (UserFactory(username=name) for name in ("ann", "bob", "cat"))
    meeting(bob, MONDAY + timedelta(hours=9), 30)

    people = free_busy(users=[cat, bob, ann], start=MONDAY, end=MONDAY + timedelta(days=1))

    assert [(p.user.username, len(p.intervals)) for p in people] == [
        ("cat", 0),
        ("bob", 1),
        ("ann", 0),
    ]


# -- find a time -----------------------------------------------------------------------------


def person(name: str, zone: str = "Europe/Paris", **hours):
    return UserFactory(username=name, timezone=zone, **hours)


def suggest(
    people,
    *,
    start=MONDAY,
    end=MONDAY + timedelta(days=5),
    minutes=60,
    limit=5,
    now=MONDAY - timedelta(days=7),
    with_rooms=False,
):
    return suggest_slots(
        people=people,
        start=start,
        end=end,
        duration=timedelta(minutes=minutes),
        limit=limit,
        now=now,
        display_zone=PARIS,
        with_rooms=with_rooms,
    )


@pytest.mark.django_db
def test_slots_avoid_everyones_busy_and_tentative_time_but_not_declined_meetings():
    # given: Paris 09:00 is 08:00 UTC. Ann is busy 08:00-09:00 UTC, Bob tentative 09:00-09:30
    # and has declined 09:30-10:30
    ann, bob = person("ann"), person("bob")
    meeting(ann, MONDAY + timedelta(hours=8), 60)
    invite(bob, meeting(ann, MONDAY + timedelta(hours=9), 30), Participant.Status.TENTATIVE)
    invite(
        bob,
        meeting(person("eve"), MONDAY + timedelta(hours=9, minutes=30), 60),
        Participant.Status.DECLINED,
    )

    # when
    suggestion = suggest([ann, bob], limit=3)

    # then
    assert suggestion.slots == [
        span(MONDAY + timedelta(hours=9, minutes=30 + 15 * i), 60) for i in range(3)
    ]
    assert suggestion.reasons == []


@pytest.mark.django_db
def test_slots_follow_each_persons_zone_across_the_two_daylight_saving_changes():
    # given: Paris and New York, both 09:00-17:00 on weekdays. New York moves its clocks on
    # 8 March, Paris on 29 March: for three weeks they are 5 hours apart, not 6
    paris, new_york = person("pierre"), person("nora", "America/New_York")

    def first_slot(week_start: datetime) -> datetime:
        suggestion = suggest(
            [paris, new_york], start=week_start, end=week_start + timedelta(days=1), limit=1
        )
        return suggestion.slots[0][0]

    # then: the shared day starts when New York starts, 09:00 there
    assert first_slot(utc(2026, 3, 2)) == utc(2026, 3, 2, 14)  # 15:00 Paris, EST
    assert first_slot(utc(2026, 3, 9)) == utc(2026, 3, 9, 13)  # 14:00 Paris, EDT
    assert first_slot(utc(2026, 3, 30)) == utc(2026, 3, 30, 13)  # 15:00 Paris (CEST), EDT


@pytest.mark.django_db
def test_slots_are_never_in_the_past():
    ann = person("ann")
    now = MONDAY + timedelta(hours=10, minutes=7)  # 11:07 in Paris

    suggestion = suggest([ann], now=now, limit=2)

    assert [start for start, _ in suggestion.slots] == [
        MONDAY + timedelta(hours=10, minutes=15),
        MONDAY + timedelta(hours=10, minutes=30),
    ]


@pytest.mark.django_db
def test_a_window_that_is_over_says_so():
    suggestion = suggest([person("ann")], now=MONDAY + timedelta(days=30))

    assert suggestion.slots == []
    assert suggestion.reasons == [
        "The window is over: it ended Sat 07 Mar 2026 01:00 (Europe/Paris time)."
    ]


@pytest.mark.django_db
def test_people_whose_working_hours_never_overlap_are_named_with_their_hours():
    # given: 09:00-17:00 in Paris is 20:00-04:00 in Auckland (UTC+13 in March)
    ann, kiri, bob = person("ann"), person("kiri", "Pacific/Auckland"), person("bob")

    suggestion = suggest([ann, bob, kiri])

    assert suggestion.slots == []
    assert suggestion.reasons == [
        "The working hours of ann (Mon-Fri 09:00-17:00, Europe/Paris) and kiri (Mon-Fri "
        "09:00-17:00, Pacific/Auckland) never overlap between Mon 02 Mar 2026 01:00 and "
        "Sat 07 Mar 2026 01:00 (Europe/Paris time)."
    ]


@pytest.mark.django_db
def test_someone_who_does_not_work_in_the_window_is_named():
    weekend = utc(2026, 3, 7, 8)

    suggestion = suggest(
        [person("ann"), person("sam", working_days="67")],
        start=weekend,
        end=weekend + timedelta(hours=8),
    )

    assert suggestion.reasons == [
        "ann (Mon-Fri 09:00-17:00, Europe/Paris) does not work between Sat 07 Mar 2026 09:00 and "
        "Sat 07 Mar 2026 17:00 (Europe/Paris time)."
    ]


@pytest.mark.django_db
def test_a_shared_stretch_shorter_than_the_duration_is_reported():
    # given: Paris and New York share 15:00-17:00 Paris time in early March
    people = [person("pierre"), person("nora", "America/New_York")]

    suggestion = suggest(people, minutes=150)

    assert suggestion.reasons == [
        "The longest stretch of working time everyone shares is 2 h, Mon 02 Mar 2026 15:00-17:00 "
        "(Europe/Paris time), shorter than the 2 h 30 min asked for."
    ]


@pytest.mark.django_db
def test_meetings_that_fill_the_shared_time_are_reported_with_the_longest_free_stretch():
    # given: one day; Ann busy all of it but 45 minutes
    ann = person("ann")
    day = (MONDAY, MONDAY + timedelta(days=1))
    meeting(ann, MONDAY + timedelta(hours=8), 120)
    meeting(ann, MONDAY + timedelta(hours=10, minutes=45), 6 * 60)

    suggestion = suggest([ann], start=day[0], end=day[1])
    full = suggest([ann], start=day[0], end=day[1], minutes=30, now=MONDAY)

    assert suggestion.reasons == [
        "Meetings fill the working time everyone shares: the longest free stretch is 45 min, "
        "Mon 02 Mar 2026 11:00-11:45 (Europe/Paris time), shorter than the 1 h asked for."
    ]
    assert full.slots == [
        span(MONDAY + timedelta(hours=10), 30),
        span(MONDAY + timedelta(hours=10, minutes=15), 30),
    ]


@pytest.mark.django_db
def test_meetings_that_fill_all_the_shared_time_are_reported():
    ann = person("ann")
    meeting(ann, MONDAY + timedelta(hours=8), 8 * 60)

    suggestion = suggest([ann], end=MONDAY + timedelta(days=1))

    assert suggestion.reasons == [
        "Meetings fill all the working time everyone shares between Mon 02 Mar 2026 01:00 and "
        "Tue 03 Mar 2026 01:00 (Europe/Paris time)."
    ]


@pytest.mark.django_db
def test_shared_working_time_without_a_quarter_hour_start_is_reported():
    # given: Bob starts at 16:50, Ann stops at 17:00: ten minutes, no quarter hour starts in them
    people = [person("ann"), person("bob", work_start=time(16, 50), work_end=time(23))]

    suggestion = suggest(people, minutes=5, end=MONDAY + timedelta(days=1))

    assert suggestion.reasons == [
        "No quarter hour starts in working time everyone shares between Mon 02 Mar 2026 01:00 "
        "and Tue 03 Mar 2026 01:00 (Europe/Paris time)."
    ]


# -- find a time with a room ----------------------------------------------------------------


@pytest.mark.django_db
def test_with_rooms_only_slots_when_a_room_seating_everyone_is_free_smallest_first():
    # given: Paris 09:00 is 08:00 UTC. Small is booked 08:00-09:00, Big 08:00-08:30 (and a
    # cancelled booking after it holds nothing); the booth is too small for two
    ann, bob, host = person("ann"), person("bob"), person("host")
    RoomFactory(name="Booth", capacity=1)
    small, big = RoomFactory(name="Small", capacity=2), RoomFactory(name="Big", capacity=10)
    meeting(host, MONDAY + timedelta(hours=8), 60, room=small)
    meeting(host, MONDAY + timedelta(hours=8), 30, room=big)
    cancelled = Meeting.Status.CANCELLED
    meeting(host, MONDAY + timedelta(hours=8, minutes=30), 30, room=big, status=cancelled)

    # when
    suggestion = suggest([ann, bob], minutes=30, limit=4, with_rooms=True)

    # then
    starts = [MONDAY + timedelta(hours=8, minutes=minutes) for minutes in (30, 45, 60, 75)]
    assert suggestion.slots == [span(start, 30) for start in starts]
    names = [[room.name for room in rooms] for rooms in suggestion.rooms]
    assert names == [["Big"], ["Big"], ["Small", "Big"], ["Small", "Big"]]
    assert suggestion.rooms[0][0] == RoomRef(big.pk, "Big", 10, big.location)


@pytest.mark.django_db
def test_with_rooms_lists_at_most_five_rooms_a_slot():
    for i in range(7):
        RoomFactory(name=f"Room {i}", capacity=2 + i)

    suggestion = suggest([person("ann")], limit=1, with_rooms=True)

    assert [room.name for room in suggestion.rooms[0]] == [f"Room {i}" for i in range(5)]


@pytest.mark.django_db
def test_with_rooms_says_when_no_room_seats_everyone():
    RoomFactory(name="Booth", capacity=1)

    suggestion = suggest([person("ann"), person("bob")], with_rooms=True)

    assert suggestion.slots == []
    assert suggestion.reasons == ["No room seats 2 people."]


@pytest.mark.django_db
def test_with_rooms_says_when_every_room_is_booked_whenever_everyone_is_free():
    # given: the only room is booked for the whole working day
    room = RoomFactory(name="Small", capacity=2)
    meeting(person("host"), MONDAY + timedelta(hours=8), 8 * 60, room=room)

    suggestion = suggest([person("ann")], end=MONDAY + timedelta(days=1), with_rooms=True)

    assert suggestion.reasons == [
        "Every room seating 1 person is booked whenever everyone is free between "
        "Mon 02 Mar 2026 01:00 and Tue 03 Mar 2026 01:00 (Europe/Paris time)."
    ]


# -- the plan on PostgreSQL ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_busy_time_query_finds_the_window_with_the_overlap_index_in_both_halves():
    # given: two years of meetings among 100 people, each inviting two, and statistics that
    # know it (a fresh test table would rather be scanned whole)
    people = User.objects.bulk_create(User(username=f"p{i}") for i in range(100))
    meetings = Meeting.objects.bulk_create(
        Meeting(
            created_by=people[i % 100],
            title=f"M{i}",
            start_time=MONDAY + timedelta(hours=6 * i),
            end_time=MONDAY + timedelta(hours=6 * i + 1),
        )
        for i in range(3000)
    )
    Participant.objects.bulk_create(
        Participant(meeting=m, user=people[(i + step) % 100])
        for i, m in enumerate(meetings)
        for step in (1, 2)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting, meetings_participant")
    week = MONDAY + timedelta(days=365)
    rows = busy_queryset(
        user_ids=[p.pk for p in people[:5]], start=week, end=week + timedelta(days=7)
    )

    # when
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then: each half of the UNION ALL reads the window from the GiST index, nothing is scanned
    assert plan.count("meeting_span_gist") == 2, plan
    assert "Seq Scan" not in plan, plan
