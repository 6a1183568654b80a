"""Meetings as an RFC 5545 iCalendar feed (METHOD:PUBLISH), rendered with `icalendar`.

The bytes depend on the data alone, never on the request or the clock, so that an unchanged
feed renders to the same bytes (and ETag) each time its cache entry is recomputed.
"""

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vDuration

from accounts.models import User
from meetings.models import Meeting, Participant

PRODID = "-//Scheduler//Meeting feed 1.0//EN"
# Clients match events across refreshes by UID: it must not depend on the host that served the
# feed (one server has several names), and must never change.
UID_DOMAIN = "meetings.scheduler"
PEOPLE = uuid.uuid5(uuid.NAMESPACE_DNS, f"people.{UID_DOMAIN}")
REFRESH = timedelta(hours=1)
STATUS = {Meeting.Status.SCHEDULED: "CONFIRMED", Meeting.Status.CANCELLED: "CANCELLED"}
PARTSTAT = {
    Participant.Status.NEEDS_ACTION: "NEEDS-ACTION",
    Participant.Status.ACCEPTED: "ACCEPTED",
    Participant.Status.DECLINED: "DECLINED",
    Participant.Status.TENTATIVE: "TENTATIVE",
}
MAX_SEQUENCE = 2**31 - 1  # an iCalendar INTEGER is 32 bits, signed
# Control characters are not allowed in iCalendar text (tab and line feed are); lone
# surrogates cannot be written in UTF-8.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def calendar_bytes(*, owner: User, meetings: Iterable[Meeting]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _text(f"Meetings of {_name(owner)}")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    # How often subscribers should download it again: RFC 7986, and Outlook's older name.
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    addresses = _Addresses()
    for meeting in sorted(meetings, key=lambda m: (m.start_time, m.pk)):
        calendar.add_component(_event(meeting, addresses))
    return calendar.to_ical()


class _Addresses:
    """People as calendar addresses, each made once per feed: the same few people come back
    in meeting after meeting, and making them was most of the time spent building events.

    Not their e-mail: the API shows nobody's e-mail to other people, and neither does a feed.
    A URN per user is stable across feeds, so clients still see one person in many meetings.
    """

    def __init__(self):
        self._made: dict[tuple[int, str | None], vCalAddress] = {}

    def of(self, user: User, partstat: str | None = None) -> vCalAddress:
        key = (user.pk, partstat)
        if key not in self._made:
            address = vCalAddress(f"urn:uuid:{uuid.uuid5(PEOPLE, str(user.pk))}")
            address.params["CN"] = _text(_name(user))
            if partstat:
                address.params["PARTSTAT"] = partstat
                address.params["ROLE"] = "REQ-PARTICIPANT"
            self._made[key] = address
        return self._made[key]


def _event(meeting: Meeting, addresses: _Addresses) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{UID_DOMAIN}")
    # With METHOD, DTSTAMP is when this object was made. The meeting's last change stands for
    # that: the time of rendering would change the bytes, and so the ETag, at every render.
    event.add("dtstamp", _utc(meeting.updated_at))
    event.add("dtstart", _utc(meeting.start_time))
    event.add("dtend", _utc(meeting.end_time))
    event.add("summary", _text(meeting.title))
    if description := _description(meeting):
        event.add("description", _text(description))
    # Meeting.place: the one way the project says where a meeting is (meeting_place()).
    if location := meeting.place:
        event.add("location", _text(location))
    event.add("status", STATUS.get(meeting.status, "CONFIRMED"))
    event.add("organizer", addresses.of(meeting.created_by))
    for participant in meeting.participants.all():
        event.add("attendee", addresses.of(participant.user, PARTSTAT[participant.status]))
    event.add("created", _utc(meeting.created_at))
    event.add("last-modified", _utc(meeting.updated_at))
    event.add("sequence", _sequence(meeting))
    return event


def _sequence(meeting: Meeting) -> int:
    """Whole seconds between the meeting's creation and its last change.

    updated_at moves forward at every save of the meeting (and with every bulk status change),
    so this grows with each revision without a counter column: a later revision never has a
    lower SEQUENCE. Two saves within one second share a value, and answers to invitations (not
    revisions of the event) leave it alone. It fits 32 bits for 68 years.
    """
    seconds = int((meeting.updated_at - meeting.created_at).total_seconds())
    return min(max(seconds, 0), MAX_SEQUENCE)


def _description(meeting: Meeting) -> str:
    if meeting.status == Meeting.Status.CANCELLED and meeting.cancellation_reason:
        return f"Cancelled: {meeting.cancellation_reason}\n\n{meeting.description}".strip()
    return meeting.description


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _text(value: str) -> str:
    return UNWRITABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
