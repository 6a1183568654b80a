"""The daily extension of unbounded series: the occurrences that come inside the horizon and
the budget as time passes, made once, with the series' fields, the room where it is free."""

import threading
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from accounts.tests.factories import UserFactory
from meetings import tasks
from meetings.models import Meeting, Participant, Series
from meetings.services.scopes import occurrence_cancel, occurrence_delete, occurrence_update
from meetings.services.series import HORIZON, series_create
from meetings.services.series_extend import series_extend_due
from meetings.tests.factories import MeetingFactory, RoomFactory
from notifications.messages import event_message
from notifications.models import Event

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2027, 1, 4, 9, tzinfo=AMSTERDAM)  # a Monday
WEEKLY = ["RRULE:FREQ=WEEKLY;BYDAY=MO"]
DAILY = ["RRULE:FREQ=DAILY"]


def create(organizer, *, recurrence=WEEKLY, start=T0, **extra):
    """A series made an hour before its first occurrence."""
    arguments = {
        "organizer": organizer,
        "title": "Stand-up",
        "start_time": start,
        "end_time": start + timedelta(minutes=30),
        "recurrence": recurrence,
        "time_zone": "Europe/Amsterdam",
        "location": "Terrace",
    } | extra
    with mock.patch(
        "meetings.services.series.timezone.now", return_value=start - timedelta(hours=1)
    ):
        return series_create(**arguments)


def starts(series):
    return list(
        series.occurrences.order_by("original_start_time").values_list(
            "original_start_time", flat=True
        )
    )


def test_a_weekly_series_gets_the_weeks_that_came_inside_the_horizon():
    # given: made with five years of Mondays
    organizer, ada, bob = UserFactory(), UserFactory(), UserFactory()
    room = RoomFactory()
    series = create(organizer, participant_ids=[ada.pk, bob.pk], room_id=room.pk)
    before = starts(series)
    assert before[-1] <= T0 + HORIZON < before[-1] + timedelta(weeks=1)
    # when: four weeks later
    made = series_extend_due(now=T0 + timedelta(weeks=4))
    # then: four more Mondays at 09:00 in Amsterdam, as the series has them
    assert made == 4
    new = list(series.occurrences.filter(original_start_time__gt=before[-1]).order_by("start_time"))
    assert [m.start_time for m in new] == [before[-1] + timedelta(weeks=w) for w in (1, 2, 3, 4)]
    assert {m.start_time.astimezone(AMSTERDAM).strftime("%a %H:%M") for m in new} == {"Mon 09:00"}
    assert all(
        (m.title, m.location, m.room_id, m.created_by_id, m.original_start_time, m.status)
        == ("Stand-up", "Terrace", room.pk, organizer.pk, m.start_time, "scheduled")
        and m.end_time - m.start_time == timedelta(minutes=30)
        for m in new
    )
    invited = Participant.objects.filter(meeting__in=new).values_list("meeting_id", "user_id")
    assert sorted(invited) == sorted((m.pk, u.pk) for m in new for u in (ada, bob))
    series.refresh_from_db()
    assert not series.complete
    assert Event.objects.filter(kind=Event.Kind.MEETING_CHANGED).count() == 0  # nobody told


def test_a_second_run_makes_nothing():
    series = create(UserFactory())
    now = T0 + timedelta(weeks=4)
    series_extend_due(now=now)
    count = series.occurrences.count()

    assert series_extend_due(now=now) == 0
    assert series_extend_due(now=now + timedelta(hours=1)) == 0
    assert series.occurrences.count() == count


def test_the_budget_is_counted_from_now_not_from_the_first_occurrence():
    # given: at most 10 occurrences; a daily series holds days 0-9
    settings_budget = mock.patch.object(settings, "SERIES_MAX_OCCURRENCES", 10)
    with settings_budget:
        series = create(UserFactory(), recurrence=DAILY)
        assert len(starts(series)) == 10
        # when: during day 3, days 0-3 are past
        made = series_extend_due(now=T0 + timedelta(days=3, hours=1))
    # then: the ten days 4-13 are ahead
    assert made == 4
    assert starts(series) == [T0 + timedelta(days=d) for d in range(14)]


def test_no_occurrence_is_made_in_the_past_when_a_run_comes_late():
    with mock.patch.object(settings, "SERIES_MAX_OCCURRENCES", 10):
        series = create(UserFactory(), recurrence=DAILY)
        # a run twenty days late: days 10-19 were never made, and are not now
        made = series_extend_due(now=T0 + timedelta(days=20, hours=1))
    assert made == 10
    assert starts(series)[10:] == [T0 + timedelta(days=d) for d in range(21, 31)]


def test_exdates_deleted_and_moved_occurrences_are_not_made_again():
    # given: day 12 taken out by the rule; day 5 deleted; day 6 moved to the afternoon
    organizer = UserFactory()
    day = lambda n: T0 + timedelta(days=n)  # noqa: E731
    exdate = f"EXDATE;TZID=Europe/Amsterdam:{day(12):%Y%m%dT%H%M%S}"
    with mock.patch.object(settings, "SERIES_MAX_OCCURRENCES", 10):
        series = create(organizer, recurrence=[*DAILY, exdate])
        fifth, sixth = series.occurrences.order_by("start_time")[5:7]
        with mock.patch("django.utils.timezone.now", return_value=T0):
            occurrence_delete(meeting=fifth, by=organizer)
            occurrence_update(
                meeting=sixth, by=organizer,
                start_time=day(6) + timedelta(hours=5), end_time=day(6) + timedelta(hours=6),
            )  # fmt: skip
        # when
        made = series_extend_due(now=T0 + timedelta(days=3, hours=1))
    # then: ten ahead, days 4-15 but 5 and 12; the moved one stays where it was moved
    assert made == 5
    assert starts(series)[4:] == [day(d) for d in (4, 6, 7, 8, 9, 10, 11, 13, 14, 15)]
    assert series.occurrences.get(original_start_time=day(6)).start_time == day(6) + timedelta(
        hours=5
    )


def test_a_room_booked_meanwhile_is_left_out_of_that_occurrence_and_the_organizer_told():
    # given: someone booked the room on a Monday the series did not hold yet
    organizer, ada = UserFactory(), UserFactory()
    room = RoomFactory(name="Blue")
    series = create(organizer, participant_ids=[ada.pk], room_id=room.pk)
    last = starts(series)[-1]
    taken_at = last + timedelta(weeks=2, minutes=15)
    other = MeetingFactory(room=room, start_time=taken_at, end_time=taken_at + timedelta(hours=1))
    # when
    made = series_extend_due(now=T0 + timedelta(weeks=4))
    # then: all four made; the second without the room
    assert made == 4
    new = series.occurrences.filter(original_start_time__gt=last).order_by("start_time")
    assert [m.room_id for m in new] == [room.pk, None, room.pk, room.pk]
    assert Meeting.objects.get(pk=other.pk).room_id == room.pk
    [event] = Event.objects.filter(kind=Event.Kind.MEETING_CHANGED)
    assert event.recipient_ids == [organizer.pk]
    assert event.meeting_id == new[1].pk
    message = event_message(event, "Europe/Amsterdam")
    assert message.startswith("“Stand-up” on Mon")
    assert "is without Blue: the room was booked" in message


def test_a_rule_that_ends_inside_the_horizon_completes_the_series():
    # given: an incomplete series whose rule got an end (six weeks after the horizon)
    series = create(UserFactory())
    last = starts(series)[-1]
    until = (last + timedelta(weeks=6)).astimezone(ZoneInfo("UTC"))
    Series.objects.filter(pk=series.pk).update(
        recurrence=[f"RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL={until:%Y%m%dT%H%M%SZ}"]
    )
    # when: a year later
    made = series_extend_due(now=T0 + timedelta(days=365))
    # then: up to UNTIL, and done for good
    assert made == 6
    assert starts(series)[-1] == last + timedelta(weeks=6)
    series.refresh_from_db()
    assert series.complete
    assert series_extend_due(now=T0 + timedelta(days=700)) == 0


def test_a_cancelled_series_stays_cancelled():
    # given: the series cancelled from now on
    organizer, ada = UserFactory(), UserFactory()
    series = create(organizer, participant_ids=[ada.pk])
    first = series.occurrences.order_by("start_time").first()
    occurrence_cancel(meeting=first, by=organizer, scope="following")
    # when
    made = series_extend_due(now=T0 + timedelta(weeks=4))
    # then: the new Mondays are cancelled too
    assert made == 4
    assert set(series.occurrences.values_list("status", flat=True)) == {"cancelled"}


def test_a_cancelled_last_occurrence_on_its_own_does_not_cancel_the_new_ones():
    organizer = UserFactory()
    series = create(organizer)
    last = series.occurrences.order_by("start_time").last()
    occurrence_cancel(meeting=last, by=organizer, scope="this")

    series_extend_due(now=T0 + timedelta(weeks=4))

    assert series.occurrences.filter(status="cancelled").count() == 1


@pytest.mark.parametrize(("weeks", "invitees"), [(1, 1), (30, 5)])
def test_statements_per_series_do_not_grow(weeks, invitees, django_assert_num_queries):
    # given: three series, each with a room and people; 1 or 30 weeks later
    organizer = UserFactory()
    people = [UserFactory().pk for _ in range(invitees)]
    for _ in range(3):
        create(organizer, participant_ids=people, room_id=RoomFactory().pk)
    # when / then: the list of ids, and per series: its savepoint (the transaction, in a
    # test), lock, existing starts, last status, room lock, clashes, occurrences_make's check,
    # savepoint, INSERT meetings, release, INSERT invitations, release: 12 each
    with django_assert_num_queries(1 + 3 * 12):
        assert series_extend_due(now=T0 + timedelta(weeks=weeks)) == 3 * weeks


def test_complete_series_cost_nothing(django_assert_num_queries):
    create(UserFactory(), recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
    with django_assert_num_queries(1):
        assert series_extend_due(now=T0 + timedelta(weeks=4)) == 0


def test_the_task_extends_and_beat_runs_it_daily():
    series = create(UserFactory())
    with mock.patch("meetings.tasks.timezone.now", return_value=T0 + timedelta(weeks=2)):
        assert tasks.extend_series.apply().get() == 2
    assert series.occurrences.count() == len(starts(series))
    entry = settings.CELERY_BEAT_SCHEDULE["extend-series"]
    assert entry["task"] == "meetings.tasks.extend_series"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_runs_at_the_same_time_make_each_occurrence_once():
    # given: ten series; five workers run at once
    organizer = UserFactory()
    for _ in range(10):
        create(organizer, room_id=RoomFactory().pk)
    workers = 5
    gate = threading.Barrier(workers, timeout=20)
    made = [0] * workers
    errors = []

    def run(i):
        try:
            gate.wait()
            made[i] = series_extend_due(now=T0 + timedelta(weeks=8))
        except Exception as error:  # noqa: BLE001 - told by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: eight Mondays per series, made by whoever came first; nobody refused
    assert errors == []
    assert sum(made) == 10 * 8
    for series in Series.objects.all():
        assert len(starts(series)) == len(set(starts(series)))
        assert starts(series)[-1] - starts(series)[0] == timedelta(weeks=len(starts(series)) - 1)
