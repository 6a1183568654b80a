"""The calendar feed's content: what meetings it holds and how each is written (RFC 5545)."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from accounts.tests.factories import UserFactory
from meetings.feed import ics, selectors
from meetings.models import Meeting, Participant, Room
from meetings.services.lifecycle import meeting_cancel, meeting_update
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def events(body: bytes) -> dict[str, object]:
    """{SUMMARY: VEVENT} of a feed."""
    return {str(event["SUMMARY"]): event for event in parse(body).walk("VEVENT")}


def render(user) -> bytes:
    return selectors.feed_body(user=user, now=NOW)


@pytest.fixture
def olga():
    return UserFactory(username="olga", first_name="Olga", last_name="Berg")


def meeting_at(organizer, title: str, start: datetime, **fields) -> Meeting:
    return MeetingFactory(
        created_by=organizer,
        title=title,
        start_time=start,
        end_time=start + timedelta(hours=1),
        **fields,
    )


def test_the_calendar_says_what_it_is_and_how_often_to_refresh(olga):
    # given
    meeting_at(olga, "Standup", NOW + timedelta(days=1))

    # when
    body = render(olga)

    # then
    calendar = parse(body)
    assert str(calendar["PRODID"]) == ics.PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Meetings of Olga Berg"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body


def test_a_meeting_is_an_event_with_its_people_and_their_answers(olga):
    # given
    room = Room.objects.create(name="Turing", capacity=8, location="Building B, floor 2")
    meeting = meeting_at(
        olga, "Roadmap", NOW + timedelta(days=3), description="Plans", location="HQ", room=room
    )
    answers = {"ann": "accepted", "ben": "tentative", "cid": "needs_action", "dan": "declined"}
    for username, answer in answers.items():
        ParticipantFactory(meeting=meeting, user=UserFactory(username=username), status=answer)

    # when
    event = events(render(olga))["Roadmap"]

    # then
    assert str(event["UID"]) == f"meeting-{meeting.pk}@meetings.scheduler"
    assert event.decoded("DTSTART") == meeting.start_time
    assert event.decoded("DTEND") == meeting.end_time
    assert event.decoded("DTSTAMP") == meeting.updated_at.replace(microsecond=0)
    assert event.decoded("LAST-MODIFIED") == meeting.updated_at.replace(microsecond=0)
    assert str(event["DESCRIPTION"]) == "Plans"
    assert str(event["LOCATION"]) == "Turing, Building B, floor 2, HQ"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["ORGANIZER"].params["CN"] == "Olga Berg"
    attendees = {a.params["CN"]: a.params["PARTSTAT"] for a in event["ATTENDEE"]}
    assert sorted(attendees.values()) == ["ACCEPTED", "DECLINED", "NEEDS-ACTION", "TENTATIVE"]
    assert isinstance(event.decoded("SEQUENCE"), int)


def test_nobody_s_e_mail_is_in_the_feed_but_each_person_keeps_one_address(olga):
    # given
    paul = UserFactory(username="paul", email="paul@example.com")
    for day in (1, 2):
        ParticipantFactory(
            meeting=meeting_at(olga, f"M{day}", NOW + timedelta(days=day)), user=paul
        )

    # when
    body = render(olga)

    # then
    assert b"example.com" not in body
    by_title = events(body)
    assert str(by_title["M1"]["ATTENDEE"]) == str(by_title["M2"]["ATTENDEE"])
    assert str(by_title["M1"]["ATTENDEE"]).startswith("urn:uuid:")


def test_times_are_written_in_utc_whatever_zone_they_were_given_in(olga):
    # given
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    meeting_at(olga, "Lunch", datetime(2026, 7, 1, 12, 30, tzinfo=paris))

    # when
    body = render(olga)

    # then
    assert b"DTSTART:20260701T103000Z" in body
    assert b"DTEND:20260701T113000Z" in body
    assert b"TZID" not in body


def test_every_event_has_what_rfc_5545_requires(olga):
    # given
    for day in range(5):
        meeting_at(olga, f"M{day}", NOW + timedelta(days=day))
    ParticipantFactory(meeting=meeting_at(UserFactory(), "Theirs", NOW), user=olga)

    # when
    found = parse(render(olga)).walk("VEVENT")

    # then
    assert len(found) == 6
    for event in found:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND"} <= set(event)
        assert event.decoded("DTEND") > event.decoded("DTSTART")
    assert len({str(event["UID"]) for event in found}) == 6


def test_events_are_in_time_order_and_the_same_data_gives_the_same_bytes(olga):
    # given
    for day in (5, -3, 1):
        meeting_at(olga, f"Day {day}", NOW + timedelta(days=day))

    # when
    first, second = render(olga), selectors.feed_body(user=olga, now=NOW + timedelta(minutes=5))

    # then
    assert [str(e["SUMMARY"]) for e in parse(first).walk("VEVENT")] == [
        "Day -3",
        "Day 1",
        "Day 5",
    ]
    assert first == second


def test_cancelled_meetings_stay_in_the_feed_as_cancelled(olga):
    # given
    meeting = meeting_at(olga, "Offsite", NOW + timedelta(days=2), description="Agenda")
    meeting_cancel(meeting=meeting, by=olga, reason="Budget")

    # when
    event = events(render(olga))["Offsite"]

    # then
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["DESCRIPTION"]) == "Cancelled: Budget\n\nAgenda"


def test_meetings_the_owner_declined_are_left_out_others_answers_are_shown(olga):
    # given
    paul, zoe = UserFactory(username="paul"), UserFactory(username="zoe")
    declined = meeting_at(paul, "Declined", NOW + timedelta(days=1))
    ParticipantFactory(meeting=declined, user=olga, status=Participant.Status.DECLINED)
    kept = meeting_at(paul, "Kept", NOW + timedelta(days=1))
    ParticipantFactory(meeting=kept, user=olga, status=Participant.Status.TENTATIVE)
    ParticipantFactory(meeting=kept, user=zoe, status=Participant.Status.DECLINED)

    # when
    found = events(render(olga))

    # then
    assert set(found) == {"Kept"}
    partstats = sorted(a.params["PARTSTAT"] for a in found["Kept"]["ATTENDEE"])
    assert partstats == ["DECLINED", "TENTATIVE"]


def test_other_people_s_meetings_are_not_in_the_feed(olga):
    # given
    meeting_at(UserFactory(), "Not mine", NOW + timedelta(days=1))

    # when
    found = events(render(olga))

    # then
    assert found == {}


def test_the_window_runs_from_90_days_ago_to_2_years_ahead(olga):
    # given
    meeting_at(olga, "Ended before", NOW - selectors.FEED_PAST - timedelta(hours=2))
    meeting_at(olga, "Ends inside", NOW - selectors.FEED_PAST - timedelta(minutes=30))
    meeting_at(olga, "Recent", NOW - timedelta(days=89))
    meeting_at(olga, "Far ahead", NOW + selectors.FEED_AHEAD - timedelta(hours=2))
    meeting_at(olga, "Too far", NOW + selectors.FEED_AHEAD + timedelta(minutes=1))

    # when
    found = events(render(olga))

    # then
    assert set(found) == {"Ends inside", "Recent", "Far ahead"}


def test_beyond_the_cap_the_meetings_farthest_from_now_are_left_out(olga, monkeypatch):
    # given
    monkeypatch.setattr(selectors, "FEED_MAX_EVENTS", 3)
    for days in (-30, -2, 1, 3, 40):
        meeting_at(olga, f"{days:+d} days", NOW + timedelta(days=days))

    # when
    found = events(render(olga))

    # then
    assert set(found) == {"-2 days", "+1 days", "+3 days"}


def test_the_sequence_grows_with_each_revision(olga):
    # given
    meeting = meeting_at(olga, "Draft", NOW + timedelta(days=1))
    Meeting.objects.filter(pk=meeting.pk).update(
        created_at=meeting.created_at - timedelta(hours=1),
        updated_at=meeting.created_at - timedelta(hours=1),
    )
    before = events(render(olga))["Draft"].decoded("SEQUENCE")

    # when
    meeting_update(meeting=meeting, by=olga, title="Final")

    # then
    after = events(render(olga))["Final"].decoded("SEQUENCE")
    assert before == 0
    assert after >= 3600


def test_text_that_icalendar_cannot_hold_is_dropped_and_the_feed_still_parses(olga):
    # given
    meeting_at(olga, "Odd\x01 title; with, commas", NOW, description="line 1\r\nline 2\x7f")

    # when
    event = events(render(olga))["Odd title; with, commas"]

    # then
    assert str(event["DESCRIPTION"]) == "line 1\nline 2"


def test_names_with_quotes_and_separators_survive(olga):
    # given
    guest = UserFactory(first_name='Ann "The; Boss"', last_name="O'Hara,\x02 Jr")
    ParticipantFactory(meeting=meeting_at(olga, "Review", NOW), user=guest)

    # when
    event = events(render(olga))["Review"]

    # then
    assert event["ATTENDEE"].params["CN"] == 'Ann "The; Boss" O\'Hara, Jr'


def test_a_feed_opens_for_its_active_owner_only():
    # given
    active = UserFactory(feed_token="a" * 43)
    UserFactory(feed_token="b" * 43, is_active=False)

    # when / then
    assert selectors.feed_owner(token="a" * 43) == active
    assert selectors.feed_owner(token="b" * 43) is None
    assert selectors.feed_owner(token="c" * 43) is None
