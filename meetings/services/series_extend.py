"""Extending the series whose rule makes more occurrences than were made (an unbounded rule),
as time passes: run daily by beat.

A series holds the occurrences of the next HORIZON, and at most SERIES_MAX_OCCURRENCES of
them counted from now: past occurrences do not use up the budget of future ones, so a daily
stand-up keeps its next 1,000 occurrences whatever its age. No occurrence is made in the past
(a run that comes late does not fill in the days it missed), none that exists (by its
original start, moved or cancelled), none an EXDATE takes out (deleted ones are EXDATEs).

A room booked meanwhile at a new occurrence does not stop the others: that occurrence is made
without the room, and the organizer is told which one (with how many more). Invitees are not
told: they were invited to the series when it was made, and it counts against nobody's hourly
budget.
"""

import bisect
import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record

from ..booking import Booking, RoomConflict, clashing_meetings, locked_room
from ..cache import flush_meetings
from ..models import Meeting, Room, Series
from ..recurrence.expand import expand, occurrence_end
from ..recurrence.rules import parse_recurrence
from .series import HORIZON, occurrences_make

logger = logging.getLogger(__name__)


def series_extend_due(*, now: datetime) -> int:
    """Extend every incomplete series up to `now` + HORIZON; returns the occurrences made.
    Each series in its own transaction: one refused (a room taken by a writer that skipped
    the room's lock) is logged and tried again on the next run, the others go on."""
    made = 0
    due = list(Series.objects.filter(complete=False).order_by("pk").values_list("pk", flat=True))
    for series_id in due:
        try:
            made += series_extend(series_id=series_id, now=now)
        except (RoomConflict, ValidationError, DatabaseError):
            # DatabaseError: a row the series names went meanwhile; the others go on.
            logger.exception("Series %s could not be extended", series_id)
    return made


@transaction.atomic
def series_extend(*, series_id: int, now: datetime) -> int:
    """Make the series' due occurrences; returns how many. The series' row stays locked to
    the end, so that two runs (or a run and an edit of the series) take turns: the second
    finds the first's occurrences and makes none."""
    series = (
        Series.objects.select_for_update(of=("self",))
        .select_related("created_by")
        .filter(pk=series_id, complete=False)
        .first()
    )
    if series is None:  # completed, or deleted, meanwhile
        return 0
    # Invitees who left (deleted, deactivated) are invited to nothing more.
    series.participant_ids = list(
        User.objects.filter(pk__in=series.participant_ids, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    starts, complete = _due_starts(series, now=now)
    existing = set(
        series.occurrences.filter(original_start_time__gte=now).values_list(
            "original_start_time", flat=True
        )
    )
    made = _make(series, [s for s in starts if s not in existing])
    if complete:
        series.complete = True
        series.save(update_fields=["complete"])
    return len(made)


def _due_starts(series: Series, *, now: datetime) -> tuple[list[datetime], bool]:
    """The starts the series should hold from `now` on, and whether they are all its rule
    will ever make."""
    zone = ZoneInfo(series.time_zone)
    rule = parse_recurrence(series.recurrence, zone=zone)
    horizon = max(now, series.first_start) + HORIZON  # as series_create has it
    # The rule makes at most one time a day (no BYHOUR): this limit never cuts it, so that
    # expand() tells whether the horizon did.
    every_day = (horizon - series.first_start).days + 2 + len(rule.rdates)
    expansion = expand(
        rule, first_start=series.first_start, zone=zone, limit=every_day, horizon=horizon
    )
    budget = settings.SERIES_MAX_OCCURRENCES
    ahead = [start for start in expansion.starts if start >= now]
    return ahead[:budget], expansion.complete and len(ahead) <= budget


def _make(series: Series, starts: Sequence[datetime]) -> list[Meeting]:
    """The occurrences at `starts`, with the room where it is free, in a fixed number of
    statements; if the series is cancelled from its last occurrence on, they are too."""
    if not starts:
        return []
    cancelled = _cancelled(series)
    room = locked_room(series.room_id) if series.room_id is not None else None
    taken = _taken(series, room, starts)
    organizer = series.created_by
    made = occurrences_make(
        series, [s for s in starts if s not in taken], room=room, viewer=organizer
    )
    lost = occurrences_make(series, [s for s in starts if s in taken], room=None, viewer=organizer)
    made = sorted(made + lost, key=lambda meeting: meeting.start_time)
    if lost:  # without the series' room: their own, as if changed alone
        Meeting.objects.filter(pk__in=[m.pk for m in lost]).update(exception_fields="room")
    if cancelled:
        Meeting.objects.filter(pk__in=[m.pk for m in made]).update(status=Meeting.Status.CANCELLED)
    elif lost and room is not None:
        _tell_room_lost(series, room, lost)
    flush_meetings(user_ids=[series.created_by_id, *series.participant_ids])  # no signals
    return made


def _cancelled(series: Series) -> bool:
    """Whether the series was cancelled from an occurrence on (scope following or all, or by
    staff): new occurrences are then cancelled too, rather than bring back meetings, and their
    reminders, that everyone was told are off."""
    return series.cancelled_from is not None


def _taken(series: Series, room: Room | None, starts: Sequence[datetime]) -> set[datetime]:
    """The starts at which another meeting holds the room: one query."""
    if room is None:
        return set()
    zone = ZoneInfo(series.time_zone)
    spans = [(s, occurrence_end(s, duration=series.duration, zone=zone)) for s in starts]
    clashes = clashing_meetings([Booking(room.pk, start, end) for start, end in spans])
    taken = set()
    for clash in clashes:  # starts and ends are in order: the spans it holds end just before it
        i = bisect.bisect_left(starts, clash.end_time)
        while i > 0 and spans[i - 1][1] > clash.start_time:
            i -= 1
            taken.add(starts[i])
    return taken


def _tell_room_lost(series: Series, room: Room, lost: list[Meeting]) -> None:
    """One notice to the organizer (by nobody: meeting_event would leave them out as the
    actor), not counted against their hourly budget: they did not make this change."""
    first = lost[0]
    events_record(
        [
            Event(
                kind=Event.Kind.MEETING_CHANGED,
                meeting_id=first.pk,
                recipient_ids=[series.created_by_id],
                payload={
                    "title": first.title,
                    "start_time": first.start_time.isoformat(),
                    "end_time": first.end_time.isoformat(),
                    "location": first.location,
                    "room_lost": room.name,
                    "occurrences": str(len(lost)),
                },
            )
        ]
    )
