"""Recurring meetings: a series and the occurrences its rule makes, each a meeting.

Creating a series writes in a fixed number of statements whatever the number of occurrences:
the series, its meetings (one INSERT), their invitations (one INSERT), one outbox event. People
hear of it once, not once per occurrence, and it counts once against their organizer's hourly
invitations.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record
from scheduler.validation import LAST_YEAR

from ..booking import Booking, check_capacity, check_rooms_free, locked_room, refused_double_booking
from ..cache import flush_meetings
from ..copy_loader import load_rows
from ..invitations import check_per_request, invitations_count
from ..models import Meeting, Participant, Room, Series
from ..recurrence.describe import describe
from ..recurrence.expand import Expansion, expand, occurrence_end, wall_clock
from ..recurrence.rules import Recurrence, parse_recurrence
from .checks import check_times
from .events import meeting_event
from .participants import invitee_ids, missing_users

HORIZON = timedelta(days=5 * 365)  # unbounded rules make occurrences this far ahead
LAST_MOMENT = datetime(LAST_YEAR, 12, 31, tzinfo=UTC)
MAX_INVITATION_ROWS = 100_000  # occurrences x people: a series' invitations in one INSERT


@transaction.atomic
def series_create(
    *,
    organizer: User,
    title: str,
    start_time: datetime,
    end_time: datetime,
    recurrence: Sequence[str],
    time_zone: str | None = None,
    description: str = "",
    location: str = "",
    participant_ids: Sequence[int] = (),
    room_id: int | None = None,
) -> Series:
    """A series whose first occurrence (DTSTART) is start_time-end_time, repeating as
    `recurrence` says in `time_zone` (the organizer's by default).

    Raises ValidationError (400) for a rule it cannot follow or that makes no occurrence,
    RoomConflict if the room is booked at any occurrence, HourlyInvitationLimit if the
    organizer has sent too many invitations this hour."""
    check_times(start_time, end_time)
    zone = series_zone(time_zone or organizer.timezone)
    rule = parse_recurrence(recurrence, zone=zone)
    expansion = series_occurrences(rule, first_start=start_time, zone=zone)
    duration = series_duration(start_time, end_time, zone)
    invitees = invitee_ids(participant_ids, organizer_id=organizer.pk)
    check_per_request(len(invitees))
    if missing := missing_users([invitees]):
        raise ValidationError({"participant_ids": missing[0]})
    series = Series(
        created_by=organizer,
        time_zone=zone.key,
        recurrence=list(recurrence),
        first_start=start_time,
        duration=duration,
        complete=expansion.complete,
        title=title,
        description=description,
        location=location,
        room_id=room_id,
        participant_ids=invitees,
    )
    room = locked_series_room(series, people=len(invitees) + 1)
    series.save()
    meetings = occurrences_make(series, expansion.starts, room=room, viewer=organizer)
    flush_meetings(user_ids=[organizer.pk, *invitees])  # bulk_create sends no signal
    words = describe(rule, first_start=start_time, zone=zone)
    events_record(
        [
            meeting_event(
                Event.Kind.MEETING_CREATED, meetings[0], actor=organizer, to=invitees,
                recurrence=words, occurrences=str(len(meetings)),
            )
        ]
    )  # fmt: skip
    invitations_count(organizer_id=organizer.pk, count=len(invitees))  # last: may roll back all
    return series


def locked_series_room(series: Series, *, people: int, field: str = "room_id") -> Room | None:
    """The series' room, its row locked, checked for the number of people; None if none."""
    if series.room_id is None:
        return None
    room = locked_room(series.room_id, field=field)
    check_capacity(room, people, field=field)
    return room


def occurrences_make(
    series: Series, starts: Sequence[datetime], *, room: Room | None, viewer: User
) -> list[Meeting]:
    """The series' occurrences at `starts`, with its title, place and invitees, in one INSERT
    of meetings and one of invitations, after one query that finds every booking of the room
    in the way (RoomConflict lists them all)."""
    zone = ZoneInfo(series.time_zone)
    spans = [(s, occurrence_end(s, duration=series.duration, zone=zone)) for s in starts]
    if any(end <= start for start, end in spans):  # the CHECK constraint would refuse it: 500
        raise ValidationError({"end_time": "An occurrence would end before it starts."})
    invitees = list(series.participant_ids)
    if len(spans) * len(invitees) > MAX_INVITATION_ROWS:
        raise ValidationError(
            {"recurrence": f"{len(spans)} occurrences for {len(invitees)} people is more "
                           f"invitations than one series may hold ({MAX_INVITATION_ROWS:,})."}
        )  # fmt: skip
    bookings = []
    if room is not None:
        bookings = [Booking(room_id=room.pk, start_time=s, end_time=e) for s, e in spans]
        check_rooms_free({room.pk: room}, bookings, viewer_id=viewer.pk, list_all=True)
    with refused_double_booking(bookings, viewer_id=viewer.pk):
        meetings = Meeting.objects.bulk_create(
            Meeting(
                created_by_id=series.created_by_id,
                title=series.title,
                description=series.description,
                location=series.location,
                start_time=start,
                end_time=end,
                room=room,
                series=series,
                original_start_time=start,
            )
            for start, end in spans
        )
    # COPY on PostgreSQL: 7,300 invitations of a two-year daily series without a model each.
    answered = timezone.now()
    answers = {int(user_id): answer for user_id, answer in series.answers.items()}
    load_rows(
        Participant,
        [
            _invitation(meeting.pk, user_id, answers.get(user_id), answered)
            for meeting in meetings
            for user_id in invitees
        ],
    )
    return meetings


def _invitation(meeting_id: int, user_id: int, answer: list | None, answered: datetime) -> dict:
    """An invitation row; with the person's answer to the whole series, if they gave one."""
    status, comment = answer if answer else (Participant.Status.NEEDS_ACTION, "")
    return {
        "meeting_id": meeting_id,
        "user_id": user_id,
        "status": status,
        "comment": comment,
        "responded_at": answered if answer else None,
    }


def series_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
        raise ValidationError(
            {"time_zone": f"{name[:64]!r} is not an IANA time zone such as Europe/Amsterdam."}
        ) from None


def series_occurrences(rule: Recurrence, *, first_start: datetime, zone: ZoneInfo) -> Expansion:
    limit = settings.SERIES_MAX_OCCURRENCES
    if rule.rule is not None and rule.rule.count is not None and rule.rule.count > limit:
        raise ValidationError(
            {"recurrence": f"COUNT={rule.rule.count}: a series makes at most {limit} occurrences."}
        )
    bounded = rule.rule is None or rule.rule.bounded
    # A bounded rule is made whole; an unbounded one up to five years ahead, for now.
    horizon = LAST_MOMENT if bounded else max(timezone.now(), first_start) + HORIZON
    expansion = expand(rule, first_start=first_start, zone=zone, limit=limit, horizon=horizon)
    if bounded and not expansion.complete:
        raise ValidationError(
            {"recurrence": f"This rule makes more than {limit} occurrences, or some after "
                           f"{LAST_YEAR}: end it sooner (COUNT or UNTIL)."}
        )  # fmt: skip
    if not expansion.starts:
        raise ValidationError(
            {"recurrence": "This rule makes no occurrence: its UNTIL is before the start, or "
                           "EXDATE takes out every date."}
        )  # fmt: skip
    return expansion


def series_duration(start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
    """How long each occurrence lasts, in wall-clock time of the series' zone (so that 09:00
    to 10:00 stays that across a clock change); the time that passes, where the clock says
    less (an end in the hour the clocks repeat: 02:30 summer time to 02:15 winter time)."""
    on_the_clock = wall_clock(end, zone) - wall_clock(start, zone)
    return on_the_clock if on_the_clock > timedelta(0) else end - start
