"""Meetings as an RFC 5545 iCalendar feed (METHOD:PUBLISH), rendered with `icalendar`.

The bytes depend on the data alone, never on the request or the clock, so that an unchanged
feed renders to the same bytes (and ETag) each time its cache entry is recomputed.
"""

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vRecur

from accounts.models import User
from meetings.models import Meeting, Participant, Series, meeting_place

from .series import Master, is_exception, recurrence_id, series_master, series_timezone

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


def calendar_bytes(
    *,
    owner: User,
    meetings: Iterable[Meeting],
    not_attended: Mapping[int, list[datetime]] | None = None,
) -> bytes:
    """`not_attended`: by series, the original starts of occurrences the owner is not in,
    which their feed takes out of the series with EXDATEs."""
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
    singles, occurrences = _by_series(meetings)
    blocks = [((m.start_time, 0, m.pk), [_event(m, addresses)]) for m in singles]
    masters = {
        rows[0].series_id: series_master(
            rows[0].series, without=(not_attended or {}).get(rows[0].series_id, ())
        )
        for rows in occurrences
    }
    blocks += [_series_block(rows, masters[rows[0].series_id], addresses) for rows in occurrences]
    for timezone in _timezones([rows[0].series for rows in occurrences], masters):
        calendar.add_component(timezone)
    for _, events in sorted(blocks, key=lambda block: block[0]):
        for event in events:
            calendar.add_component(event)
    return calendar.to_ical()


def _by_series(meetings: Iterable[Meeting]) -> tuple[list[Meeting], list[list[Meeting]]]:
    """The single meetings, and the occurrences of each series together."""
    singles: list[Meeting] = []
    occurrences: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        if meeting.series_id is None:
            singles.append(meeting)
        else:
            occurrences[meeting.series_id].append(meeting)
    return singles, list(occurrences.values())


def _timezones(all_series: Iterable[Series], masters: dict[int, Master]) -> list[Timezone]:
    """A VTIMEZONE per zone the series use (RFC 5545: one for each TZID), from the year the
    earliest of them starts."""
    first_years: dict[str, int] = {}
    for series in all_series:
        year = masters[series.pk].start.year
        first_years[series.time_zone] = min(year, first_years.get(series.time_zone, year))
    return [series_timezone(name, year) for name, year in sorted(first_years.items())]


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


def _series_block(
    rows: list[Meeting], master: Master, addresses: _Addresses
) -> tuple[tuple, list[Event]]:
    """The series' master event, then its occurrences that differ from what the master makes;
    the plain ones are the master's to make."""
    series = rows[0].series
    rows = sorted(rows, key=lambda row: (row.original_start_time or row.start_time, row.pk))
    sequence = max(_sequence(row, since=series.created_at) for row in rows)
    events = [_master_event(series, master, rows, addresses, sequence)]
    for row in rows:
        if is_exception(row, series):
            event = _event(row, addresses, uid=_series_uid(series), sequence=sequence)
            event.add("recurrence-id", recurrence_id(row, series))
            events.append(event)
    return (master.start, 1, series.pk), events


def _master_event(
    series: Series, master: Master, rows: list[Meeting], addresses: _Addresses, sequence: int
) -> Event:
    # The series has no updated_at: its latest occurrence row stands for its last change
    # (an edit of the series touches every occurrence it changes).
    changed = max(row.updated_at for row in rows)
    event = Event()
    event.add("uid", _series_uid(series))
    event.add("dtstamp", _utc(changed))
    event.add("dtstart", master.start)
    event.add("dtend", master.end)
    if master.rrule:
        event.add("rrule", vRecur.from_ical(master.rrule))
    if master.exdates:
        event.add("exdate", master.exdates)
    if master.rdates:
        event.add("rdate", master.rdates)
    event.add("summary", _text(series.title))
    if series.description:
        event.add("description", _text(series.description))
    if location := _series_place(series):
        event.add("location", _text(location))
    event.add("status", "CONFIRMED")
    event.add("organizer", addresses.of(rows[0].created_by))
    if (invited := _plain_invitations(series, rows)) is not None:
        for participant in invited.participants.all():
            event.add("attendee", addresses.of(participant.user, PARTSTAT[participant.status]))
    event.add("created", _utc(series.created_at))
    event.add("last-modified", _utc(changed))
    event.add("sequence", sequence)
    return event


def _plain_invitations(series: Series, rows: list[Meeting]) -> Meeting | None:
    """An occurrence whose invitations are the series' (a plain one if the feed has one):
    the master's attendees and their answers are its."""
    plain = [row for row in rows if not is_exception(row, series)]
    kept = [row for row in rows if "participants" not in row.exception_fields.split(",")]
    return next(iter(plain or kept), None)


def _series_place(series: Series) -> str:
    room = series.room if series.room_id else None
    return meeting_place(
        room_name=room.name if room else None,
        room_location=room.location if room else None,
        location=series.location,
    )


def _series_uid(series: Series) -> str:
    return f"series-{series.pk}@{UID_DOMAIN}"


def _event(
    meeting: Meeting, addresses: _Addresses, *, uid: str = "", sequence: int | None = None
) -> Event:
    event = Event()
    event.add("uid", uid or f"meeting-{meeting.pk}@{UID_DOMAIN}")
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
    event.add("sequence", _sequence(meeting) if sequence is None else sequence)
    return event


def _sequence(meeting: Meeting, *, since: datetime | None = None) -> int:
    """Whole seconds between the meeting's creation (or `since`: its series') and its last
    change.

    updated_at moves forward at every save of the meeting (and with every bulk status change),
    so this grows with each revision without a counter column: a later revision never has a
    lower SEQUENCE. Two saves within one second share a value, and answers to invitations (not
    revisions of the event) leave it alone. It fits 32 bits for 68 years. A series' events
    share their highest value, so that no exception is older than its master.
    """
    seconds = int((meeting.updated_at - (since or meeting.created_at)).total_seconds())
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
