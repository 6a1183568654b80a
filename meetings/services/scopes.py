"""Edits of a recurring meeting's occurrences in a scope: this one, this and the following,
or all that are not yet past (docs/recurrence.md tells the rules with examples).

- `this` changes the occurrence alone and makes it an exception: the fields it changed are
  named in its `exception_fields`, and later edits of the series leave those as they are.
- `following` splits the series at the occurrence: the series ends just before it, and a new
  series (the same rule, COUNT turned into UNTIL) holds it and the later ones, with the change.
  On the first occurrence nothing is split: the whole series changes.
- `all` changes every occurrence not yet over; past ones keep what they were (they become
  exceptions for the fields changed, so the series' rule and fields describe the future).
- A change of the time pattern (start or end time, the rule, the time zone) in `following` or
  `all` makes the occurrences from that point again from the new pattern (`all` splits the
  series at the first occurrence not yet over): as in Google Calendar and RFC 5545, the
  exceptions among them are dropped, and the answer says how many.

On a meeting that is not part of a series every scope means the meeting itself. Each
operation tells each person once (not once per occurrence), and runs in one transaction with
the series' row locked, so that two edits of one series run one after the other.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import User
from notifications.models import Event, Notification

from ..booking import (
    Booking,
    check_rooms_free,
    locked_room,
    locked_rooms,
    refused_double_booking,
)
from ..cache import flush_meetings, people_in
from ..invitations import check_per_request, invitations_count
from ..models import Meeting, Participant, Series, with_exception
from ..recurrence.expand import wall_clock
from ..recurrence.rules import Recurrence, parse_recurrence
from ..recurrence.split import ending_before, moved, recurrence_lines, starting_at, without
from .checks import check_times, locked_for_organizer
from .events import PLACE_AND_TIME, meeting_event, tell
from .lifecycle import meeting_cancel, meeting_delete, meeting_update
from .participants import (
    invitations_delete,
    invitee_ids,
    meeting_rsvp,
    missing_users,
)
from .series import (
    HORIZON,
    LAST_MOMENT,
    locked_series_room,
    occurrences_make,
    series_duration,
    series_occurrences,
    series_zone,
)

THIS, FOLLOWING, ALL = "this", "following", "all"
SCOPES = (THIS, FOLLOWING, ALL)
# A field's name in exception_fields: start and end are one "time".
EXCEPTION_NAME = {
    "title": "title",
    "description": "description",
    "location": "location",
    "start_time": "time",
    "end_time": "time",
    "room_id": "room",
    "status": "status",
    "participant_ids": "participants",
}
SERIES_FIELDS = ("title", "description", "location", "room_id")


@dataclass
class ScopeResult:
    """What an operation in a scope touched: for the API's answer and its dry runs."""

    scope: str
    meeting_id: int | None  # the occurrence that stands for the one asked about now
    series_id: int | None
    occurrence_ids: list[int] = field(default_factory=list)  # changed, made or deleted
    people: set[int] = field(default_factory=set)  # whose calendars change
    room_ids: set[int] = field(default_factory=set)  # booked or given back
    exceptions_dropped: int = 0
    answer: Participant | None = None  # an RSVP's answer to the occurrence asked about


def original_start(occurrence: Meeting) -> datetime:
    """An occurrence's start as its rule made it (every occurrence has one)."""
    return cast(datetime, occurrence.original_start_time)


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise ValidationError({"scope": f"Use one of {', '.join(SCOPES)}."})
    return scope


# --- changes ------------------------------------------------------------------------------


def occurrence_update(
    *,
    meeting: Meeting,
    by: User,
    scope: str = THIS,
    participant_ids: Sequence[int] | None = None,
    recurrence: Sequence[str] | None = None,
    time_zone: str | None = None,
    **changes: object,
) -> ScopeResult:
    """PATCH in a scope. `recurrence` and `time_zone` change a series' rule: scope following
    or all only."""
    check_scope(scope)
    if meeting.series_id is None and recurrence is None and time_zone is None:
        meeting_update(meeting=meeting, by=by, participant_ids=participant_ids, **changes)
        return ScopeResult(THIS, meeting.pk, None, [meeting.pk])  # people: the API's count
    return _occurrence_update(
        meeting, by, scope, participant_ids=participant_ids, recurrence=recurrence,
        time_zone=time_zone, changes=changes,
    )  # fmt: skip


@transaction.atomic
def _occurrence_update(
    meeting: Meeting,
    by: User,
    scope: str,
    *,
    participant_ids: Sequence[int] | None,
    recurrence: Sequence[str] | None,
    time_zone: str | None,
    changes: dict,
) -> ScopeResult:
    if meeting.series_id is None or scope == THIS:
        if recurrence is not None or time_zone is not None:
            name = "recurrence" if recurrence is not None else "time_zone"
            raise ValidationError(
                {name: "A series' rule changes with scope=following or scope=all."}
            )
        return _update_this(meeting, by, participant_ids, changes)  # meeting_update locks it
    meeting = locked_for_organizer(meeting, by=by)
    series = _locked_series(meeting)
    zone = series_zone(time_zone or series.time_zone)
    moves = any(
        name in changes and changes[name] != getattr(meeting, name)
        for name in ("start_time", "end_time")
    )
    if moves or recurrence is not None or zone.key != series.time_zone:
        return _remake(
            series, meeting, by, scope,
            changes=changes, participant_ids=participant_ids, recurrence=recurrence, zone=zone,
        )  # fmt: skip
    if scope == FOLLOWING:
        series = _series_from(series, original_start(meeting))
    return _update_series(series, meeting, by, scope, changes, participant_ids)


def _update_this(
    meeting: Meeting, by: User, participant_ids: Sequence[int] | None, changes: dict
) -> ScopeResult:
    before = set(meeting.participants.values_list("user_id", flat=True))
    changed = [name for name, value in changes.items() if getattr(meeting, name) != value]
    if participant_ids is not None:
        wanted = set(invitee_ids(participant_ids, organizer_id=meeting.created_by_id))
        if wanted != before:
            changed.append("participant_ids")
    old_room = meeting.room_id
    meeting = meeting_update(meeting=meeting, by=by, participant_ids=participant_ids, **changes)
    if meeting.series_id is not None and changed:
        _mark_exceptions(Meeting.objects.filter(pk=meeting.pk), changed)
    after = set(meeting.participants.values_list("user_id", flat=True))
    books = {"room_id", "start_time", "end_time", "status"} & set(changed)
    return ScopeResult(
        THIS, meeting.pk, meeting.series_id, [meeting.pk] if changed else [],
        people=before | after | {meeting.created_by_id},
        room_ids={r for r in (old_room, meeting.room_id) if r} if books else set(),
    )  # fmt: skip


def _update_series(
    series: Series,
    meeting: Meeting,
    by: User,
    scope: str,
    changes: dict,
    participant_ids: Sequence[int] | None,
) -> ScopeResult:
    """Fields other than the time pattern, on the occurrences from the pivot (following: the
    series was split there) or not yet over (all); exceptions keep their own fields."""
    now = timezone.now()
    targets = series.occurrences.all()
    if scope == ALL:
        targets = targets.filter(end_time__gt=now)
    if unknown := set(changes) - set(EDITABLE) - {"start_time", "end_time"}:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    changes = {name: value for name, value in changes.items() if name in EDITABLE}
    changed = [name for name, value in changes.items() if _series_value(series, name) != value]
    wanted: list[int] | None = None
    if participant_ids is not None:
        wanted = invitee_ids(participant_ids, organizer_id=series.created_by_id)
        if missing := missing_users([wanted]):
            raise ValidationError({"participant_ids": missing[0]})
        if set(wanted) != set(series.participant_ids):
            changed.append("participant_ids")
    target_ids = list(targets.values_list("pk", flat=True))
    if not target_ids:
        raise ValidationError({"scope": "Every occurrence of this series is over."})
    people_before = people_in(set(target_ids))
    result = ScopeResult(scope, meeting.pk, series.pk, target_ids)
    if not changed:
        return result
    if meeting.pk in target_ids:  # the occurrence edited takes the change, exception or not
        _unmark_exceptions(meeting, changed)
    if scope == ALL:  # the past keeps what it was, as exceptions of the series
        _mark_exceptions(series.occurrences.filter(end_time__lte=now), changed)
    if "room_id" in changes:
        result.room_ids = {r for r in (series.room_id, changes["room_id"]) if r}
    books_room = bool({"room_id", "status", "participant_ids"} & set(changed))
    bookings = _bookings_after(targets, changes) if books_room else None
    with refused_double_booking(bookings, viewer_id=by.pk):  # PostgreSQL's constraint
        _apply_fields(targets, changes)
    added: list[int] = []
    removed: list[int] = []
    if wanted is not None:
        added, removed = _replace_invitees(series, targets, wanted)
    if books_room:
        field = next(n for n in ("room_id", "participant_ids", "status") if n in changed)
        _check_room(targets, by=by, field=field)
    for name, value in changes.items():
        if name in SERIES_FIELDS:
            setattr(series, name, value)
    if "status" in changes:  # what occurrences made later will be
        cancelled = changes["status"] == Meeting.Status.CANCELLED
        series.cancelled_from = timezone.now() if cancelled else None
    if wanted is not None:
        series.participant_ids = wanted
    series.save()
    people_after = people_in(set(target_ids))
    flush_meetings(meeting_ids=target_ids, user_ids=people_before | people_after)
    result.people = people_before | people_after
    first = targets.select_related("room").first() or meeting
    _tell_change(first, by, changed, len(target_ids), scope,
                 staying=people_after - set(added), added=added, removed=removed)  # fmt: skip
    check_per_request(len(added))
    invitations_count(organizer_id=by.pk, count=len(added))  # last: may roll back all
    return result


EDITABLE = ("title", "description", "location", "room_id", "status")


def _series_value(series: Series, name: str) -> object:
    if name == "status":
        return None  # a series has no status of its own: a status is always a change
    return getattr(series, name)


def _bookings_after(targets: QuerySet[Meeting], changes: dict) -> list[Booking]:
    """The room bookings the targets will hold after `changes`: what a refusal of the
    exclusion constraint is looked up by."""
    new_room = changes.get("room_id", False)
    rows = targets.values_list("pk", "start_time", "end_time", "room_id")
    return [
        Booking(room_id=room_id, start_time=start, end_time=end, meeting_id=pk)
        for pk, start, end, held in rows
        if (room_id := held if new_room is False else new_room)
    ]


def _apply_fields(targets: QuerySet[Meeting], changes: dict) -> None:
    """One UPDATE per field, each leaving out the occurrences that changed it on their own."""
    now = timezone.now()
    for name, value in changes.items():
        rows = targets.exclude(exception_fields__contains=EXCEPTION_NAME[name])
        extra: dict[str, object] = {}
        if name == "status":
            extra["cancellation_reason"] = ""
            rows = rows.exclude(status=value)
        if name == "room_id" and value is not None:
            locked_room(cast(int, value))
        rows.update(**{name: value}, **extra, updated_at=now)


def _replace_invitees(
    series: Series, targets: QuerySet[Meeting], wanted: list[int]
) -> tuple[list[int], list[int]]:
    """Everyone in `wanted` invited to each target, no one else; occurrences whose invitees
    were changed on their own keep them. Returns who was added and removed, as people."""
    rows = targets.exclude(exception_fields__contains="participants")
    invitations_delete(
        Participant.objects.filter(meeting__in=rows.values("pk")).exclude(user_id__in=wanted)
    )
    Participant.objects.bulk_create(
        (
            Participant(meeting_id=meeting_id, user_id=user_id)
            for meeting_id in rows.values_list("pk", flat=True)
            for user_id in wanted
        ),
        ignore_conflicts=True,
    )
    before = set(series.participant_ids)
    return sorted(set(wanted) - before), sorted(before - set(wanted))


def _check_room(targets: QuerySet[Meeting], *, by: User, field: str) -> None:
    """Every scheduled target that holds a room: the room seats its people, and holds no
    other meeting then (RoomConflict lists every clash)."""
    held = targets.filter(room__isnull=False, status=Meeting.Status.SCHEDULED)
    rows = [
        Booking(room_id=room_id, start_time=start, end_time=end, meeting_id=pk)
        for pk, start, end, room_id in held.values_list("pk", "start_time", "end_time", "room_id")
    ]
    if not rows:
        return
    rooms = locked_rooms(r.room_id for r in rows)  # one query, in id order
    room_of = {r.meeting_id: r.room_id for r in rows}
    invited = (
        Participant.objects.filter(meeting__in=room_of)
        .values("meeting")
        .annotate(people=Count("id"))
        .order_by()
        .values_list("meeting", "people")
    )
    most: dict[int, int] = {}
    for meeting_id, people in invited:
        room_id = room_of[meeting_id]
        most[room_id] = max(most.get(room_id, 0), people)
    for room_id, people in most.items():
        room = rooms[room_id]
        if people + 1 > room.capacity:
            raise ValidationError(
                {field: f"{room.name} seats {room.capacity}; an occurrence has "
                        f"{people + 1} people."}
            )  # fmt: skip
    check_rooms_free(rooms, rows, viewer_id=by.pk, list_all=True)


def _remake(
    series: Series,
    meeting: Meeting,
    by: User,
    scope: str,
    *,
    changes: dict,
    participant_ids: Sequence[int] | None,
    recurrence: Sequence[str] | None,
    zone: ZoneInfo,
) -> ScopeResult:
    """A new time pattern from the pivot on: the occurrences there are deleted and made again
    from the new rule and times, in a series of their own unless the pivot is the first."""
    pivot = _pivot(series, meeting, scope)
    old_zone = ZoneInfo(series.time_zone)
    new_start = changes.get("start_time", meeting.start_time)
    new_end = changes.get("end_time", meeting.end_time)
    if not isinstance(new_start, datetime) or not isinstance(new_end, datetime):
        raise ValidationError({"start_time": "Give start_time and end_time as times."})
    check_times(new_start, new_end)
    # How far the edited occurrence moves from where its rule put it, in wall-clock time.
    shift = timedelta(0)
    if "start_time" in changes:
        shift = wall_clock(new_start, zone) - wall_clock(original_start(meeting), old_zone)
    duration = series_duration(new_start, new_end, zone)
    old_rule = parse_recurrence(series.recurrence, zone=old_zone)
    if recurrence is not None:
        rule = parse_recurrence(recurrence, zone=zone)
        first_start = moved(pivot, shift, old_zone, zone)
    else:
        horizon = LAST_MOMENT if _bounded(old_rule) else timezone.now() + HORIZON
        try:
            rule, first_start = starting_at(
                old_rule, first_start=series.first_start, moment=pivot, zone=old_zone,
                limit=10 * len(series.recurrence) + 100_000, horizon=horizon, shift=shift,
                new_zone=zone,
            )  # fmt: skip
        except ValueError:
            raise ValidationError(
                {"recurrence": "This move puts the occurrences on other days, which this rule "
                               "cannot follow: send the rule for the new days in recurrence."}
            ) from None  # fmt: skip
    expansion = series_occurrences(rule, first_start=first_start, zone=zone)
    doomed = series.occurrences.filter(original_start_time__gte=pivot)
    doomed_ids = list(doomed.values_list("pk", flat=True))
    people_before = people_in(set(doomed_ids))
    dropped = doomed.exclude(exception_fields="").count()
    old_room = series.room_id
    wanted = list(series.participant_ids)
    if participant_ids is not None:
        wanted = invitee_ids(participant_ids, organizer_id=series.created_by_id)
        if missing := missing_users([wanted]):
            raise ValidationError({"participant_ids": missing[0]})
    added = sorted(set(wanted) - set(series.participant_ids))
    # Everyone who loses an occurrence and holds none of the new ones: the series' invitees
    # taken off, and people invited to one occurrence alone.
    removed = sorted((people_before | set(series.participant_ids)) - set(wanted)
                     - {series.created_by_id})  # fmt: skip
    target = _series_from(series, pivot)
    _occurrences_delete(doomed_ids)
    target.recurrence = recurrence_lines(rule)
    target.time_zone = zone.key
    target.first_start = first_start
    target.duration = duration
    target.complete = expansion.complete
    target.participant_ids = wanted
    target.answers = {}  # a new time asks everyone again
    cancelled = changes.get("status") == Meeting.Status.CANCELLED
    target.cancelled_from = first_start if cancelled else None
    for name in SERIES_FIELDS:
        if name in changes:
            setattr(target, name, changes[name])
    room = locked_series_room(target, people=len(wanted) + 1)
    target.save()
    made = occurrences_make(target, expansion.starts, room=room, viewer=by)
    if changes.get("status") == Meeting.Status.CANCELLED:
        Meeting.objects.filter(pk__in=[m.pk for m in made]).update(status=Meeting.Status.CANCELLED)
    standing = _standing_for(made, meeting, shift=shift, old_zone=old_zone, zone=zone)
    people = people_before | set(wanted) | {series.created_by_id}
    flush_meetings(user_ids=people)
    changed = ["start_time", *(name for name in changes if name != "start_time")]
    _tell_change(standing or meeting, by, changed, len(made), scope,
                 staying=set(wanted) - set(added), added=added, removed=removed)  # fmt: skip
    check_per_request(len(added))
    invitations_count(organizer_id=by.pk, count=len(added))  # last: may roll back all
    return ScopeResult(
        scope, standing.pk if standing else None, target.pk, [m.pk for m in made],
        people=people, room_ids={r for r in (old_room, target.room_id) if r},
        exceptions_dropped=dropped,
    )  # fmt: skip


def _occurrences_delete(meeting_ids: list[int]) -> None:
    """Delete occurrences and what hangs on them (invitations, notifications about them) in
    three statements however many there are, where QuerySet.delete() loads every row and
    deletes a hundred at a time to send each one's signal. Callers flush the caches."""
    invitations_delete(Participant.objects.filter(meeting_id__in=meeting_ids))
    notices = Notification.objects.filter(meeting_id__in=meeting_ids)
    notices._raw_delete(notices.db)
    rows = Meeting.objects.filter(pk__in=meeting_ids)
    rows._raw_delete(rows.db)


def _bounded(recurrence: Recurrence) -> bool:
    return recurrence.rule is None or recurrence.rule.bounded


def _standing_for(
    made: list[Meeting], meeting: Meeting, *, shift: timedelta, old_zone: ZoneInfo, zone: ZoneInfo
) -> Meeting | None:
    """Of the occurrences made again, the one that stands for the one edited: the first at
    or after its moved time, else the last."""
    if not made:
        return None
    wanted = moved(original_start(meeting), shift, old_zone, zone)
    later = [m for m in made if m.start_time >= wanted]
    return later[0] if later else made[-1]


def _locked_series(meeting: Meeting) -> Series:
    return Series.objects.select_for_update().get(pk=cast(int, meeting.series_id))


def _pivot(series: Series, meeting: Meeting, scope: str) -> datetime:
    """Where a change in `scope` starts, as an occurrence's original start: the occurrence
    itself (following), or the first one not yet over (all)."""
    if scope == FOLLOWING:
        return original_start(meeting)
    # By the times the rule gave them: a past occurrence moved into the future stays in the
    # past part, with its rule.
    first = (
        series.occurrences.filter(original_start_time__gt=timezone.now() - series.duration)
        .order_by("original_start_time")
        .values_list("original_start_time", flat=True)
        .first()
    )
    if first is None:
        raise ValidationError({"scope": "Every occurrence of this series is over."})
    return first


def _series_from(series: Series, pivot: datetime) -> Series:
    """The series that holds the occurrences from `pivot` on: `series` itself if none is
    earlier, else a new one, `series` ending just before the pivot (its rule gets UNTIL)."""
    if not series.occurrences.filter(original_start_time__lt=pivot).exists():
        return series
    zone = ZoneInfo(series.time_zone)
    rule = parse_recurrence(series.recurrence, zone=zone)
    horizon = LAST_MOMENT if _bounded(rule) else timezone.now() + HORIZON
    later, first_start = starting_at(
        rule, first_start=series.first_start, moment=pivot, zone=zone,
        limit=100_000, horizon=horizon,
    )  # fmt: skip
    series.recurrence = recurrence_lines(
        ending_before(rule, pivot, first_start=series.first_start, zone=zone)
    )
    series.complete = True
    series.save(update_fields=["recurrence", "complete"])
    new = Series.objects.create(
        created_by_id=series.created_by_id,
        time_zone=series.time_zone,
        recurrence=recurrence_lines(later),
        first_start=first_start,
        duration=series.duration,
        complete=True,
        title=series.title,
        description=series.description,
        location=series.location,
        room_id=series.room_id,
        participant_ids=series.participant_ids,
        cancelled_from=series.cancelled_from,
        answers=series.answers,
    )
    new.complete = series_occurrences(later, first_start=first_start, zone=zone).complete
    new.save(update_fields=["complete"])
    series.occurrences.filter(original_start_time__gte=pivot).update(series=new)
    return new


def _mark_exceptions(rows: QuerySet[Meeting], changed: Collection[str]) -> None:
    """Add the exception names of `changed` fields to the rows' exception_fields."""
    for name in sorted({EXCEPTION_NAME[c] for c in changed if c in EXCEPTION_NAME}):
        rows.update(exception_fields=with_exception(name))


def _unmark_exceptions(occurrence: Meeting, changed: Collection[str]) -> None:
    names = {EXCEPTION_NAME[c] for c in changed if c in EXCEPTION_NAME}
    own = [name for name in occurrence.exception_fields.split(",") if name and name not in names]
    if ",".join(own) != occurrence.exception_fields:
        Meeting.objects.filter(pk=occurrence.pk).update(exception_fields=",".join(own))


def _tell_change(
    meeting: Meeting,
    by: User,
    changed: Collection[str],
    occurrences: int,
    scope: str,
    *,
    staying: Collection[int],
    added: Collection[int],
    removed: Collection[int],
) -> None:
    """One event per person for the whole operation, however many occurrences it touched."""
    extra = {"occurrences": str(occurrences), "scope": scope}
    events = []
    if (PLACE_AND_TIME | {"status"}) & set(changed):
        kind = Event.Kind.MEETING_CHANGED
        if "status" in changed and meeting.status == Meeting.Status.CANCELLED:
            kind = Event.Kind.MEETING_CANCELLED
        events.append(meeting_event(kind, meeting, actor=by, to=staying, **extra))
    events.append(meeting_event(Event.Kind.PARTICIPANT_ADDED, meeting, actor=by, to=added, **extra))
    events.append(
        meeting_event(Event.Kind.PARTICIPANT_REMOVED, meeting, actor=by, to=removed, **extra)
    )
    tell([e for e in events if e.recipient_ids], by=by)


# --- staff in the admin --------------------------------------------------------------------


def occurrence_mark_changed(*, meeting: Meeting, changed: Collection[str]) -> None:
    """Staff changed these fields of an occurrence in the admin's form (its names: room for
    room_id): it is an exception for them, as an edit in scope this makes it."""
    names = ["room_id" if name == "room" else name for name in changed]
    if meeting.series_id is not None:
        _mark_exceptions(Meeting.objects.filter(pk=meeting.pk), names)


@transaction.atomic
def occurrences_forget(*, meeting_ids: Collection[int]) -> None:
    """Before staff delete meetings in the admin: the series of those that are occurrences
    take them out with EXDATEs, so that neither the nightly extension nor the calendar feed
    makes them again. One query per series."""
    by_series: dict[int, list[datetime]] = {}
    rows = Meeting.objects.filter(pk__in=meeting_ids, series__isnull=False)
    for series_id, start in rows.values_list("series_id", "original_start_time"):
        if series_id is not None and start is not None:
            by_series.setdefault(series_id, []).append(start)
    for series in Series.objects.select_for_update().filter(pk__in=by_series).order_by("pk"):
        zone = ZoneInfo(series.time_zone)
        rule = parse_recurrence(series.recurrence, zone=zone)
        kept = without(rule, by_series[series.pk])
        series.recurrence = recurrence_lines(kept)
        series.save(update_fields=["recurrence"])


# --- cancel, delete, answer -------------------------------------------------------------


def _range(series: Series, meeting: Meeting, scope: str) -> QuerySet[Meeting]:
    if scope == FOLLOWING:
        return series.occurrences.filter(original_start_time__gte=meeting.original_start_time)
    return series.occurrences.filter(end_time__gt=timezone.now())


def occurrence_cancel(
    *, meeting: Meeting, by: User, scope: str = THIS, reason: str = ""
) -> ScopeResult:
    """Cancel the occurrences in scope; the rooms they held are free again."""
    check_scope(scope)
    if meeting.series_id is None:
        meeting_cancel(meeting=meeting, by=by, reason=reason)
        return ScopeResult(THIS, meeting.pk, None, [meeting.pk])
    return _occurrence_cancel(meeting, by, scope, reason)


@transaction.atomic
def _occurrence_cancel(meeting: Meeting, by: User, scope: str, reason: str) -> ScopeResult:
    if scope == THIS:  # meeting_cancel locks it
        was = meeting.status
        meeting = meeting_cancel(meeting=meeting, by=by, reason=reason)
        _mark_exceptions(Meeting.objects.filter(pk=meeting.pk), ["status"])
        people = people_in({meeting.pk})
        return ScopeResult(
            THIS, meeting.pk, meeting.series_id,
            [meeting.pk] if was != meeting.status else [], people=people,
            room_ids={meeting.room_id} if meeting.room_id else set(),
        )  # fmt: skip
    meeting = locked_for_organizer(meeting, by=by)
    series = _locked_series(meeting)
    ids, people, rooms = _cancel(_range(series, meeting, scope), by, scope=scope, reason=reason)
    # Occurrences the nightly extension makes later are cancelled too.
    series.cancelled_from = _pivot(series, meeting, scope) if scope == FOLLOWING else timezone.now()
    series.save(update_fields=["cancelled_from"])
    return ScopeResult(scope, meeting.pk, series.pk, ids, people=people, room_ids=rooms)


@transaction.atomic
def series_cancel_by_staff(*, series_ids: Collection[int], by: User, reason: str = "") -> int:
    """Staff cancel series from the admin: every occurrence not yet over. Everyone in a series,
    its organizer included, hears it once from `by`, not counted against an hourly budget.
    A fixed number of queries however many series and occurrences. Returns how many
    occurrences were cancelled."""
    organizers = dict(
        Series.objects.select_for_update()
        .filter(pk__in=series_ids)
        .order_by("pk")
        .values_list("pk", "created_by_id")
    )
    rows = Meeting.objects.filter(series_id__in=organizers, end_time__gt=timezone.now()).exclude(
        status=Meeting.Status.CANCELLED
    )
    by_series: dict[int, list[int]] = {}
    for meeting_id, series_id in rows.order_by("start_time").values_list("pk", "series_id"):
        by_series.setdefault(series_id, []).append(meeting_id)
    ids = [meeting_id for ids in by_series.values() for meeting_id in ids]
    people: dict[int, set[int]] = {pk: {organizer} for pk, organizer in organizers.items()}
    invited = Participant.objects.filter(meeting_id__in=ids).values_list(
        "meeting__series_id", "user_id"
    )
    for series_id, user_id in invited.distinct().order_by():
        people[series_id].add(user_id)
    Meeting.objects.filter(pk__in=ids).update(
        status=Meeting.Status.CANCELLED, cancellation_reason=reason, updated_at=timezone.now()
    )
    Series.objects.filter(pk__in=organizers).update(cancelled_from=timezone.now())
    flush_meetings(user_ids=set().union(*people.values()) if people else set())
    firsts = Meeting.objects.select_related("room").in_bulk([ids[0] for ids in by_series.values()])
    kind = Event.Kind.MEETING_CANCELLED
    tell(
        (
            meeting_event(
                kind,
                firsts[meeting_ids[0]],
                actor=by,
                to=people[series_id],
                occurrences=str(len(meeting_ids)),
                scope=ALL,
                reason=reason,
            )  # fmt: skip
            for series_id, meeting_ids in by_series.items()
        ),
        by=by,
        counted=False,
    )
    return len(ids)


def _cancel(
    rows: QuerySet[Meeting], by: User, *, scope: str, reason: str, counted: bool = True
) -> tuple[list[int], set[int], set[int]]:
    """Cancel `rows` in one UPDATE and tell their people once; (ids, people, rooms)."""
    rows = rows.exclude(status=Meeting.Status.CANCELLED)
    ids = list(rows.order_by("start_time").values_list("pk", flat=True))
    rooms = set(rows.exclude(room=None).values_list("room_id", flat=True))
    people = people_in(set(ids))
    Meeting.objects.filter(pk__in=ids).update(
        status=Meeting.Status.CANCELLED, cancellation_reason=reason, updated_at=timezone.now()
    )
    flush_meetings(meeting_ids=ids, user_ids=people)
    if ids:
        first = Meeting.objects.select_related("room").get(pk=ids[0])
        extra = {"occurrences": str(len(ids)), "scope": scope, "reason": reason}
        kind = Event.Kind.MEETING_CANCELLED
        tell([meeting_event(kind, first, actor=by, to=people, **extra)], by=by, counted=counted)
    return ids, people, rooms


def occurrence_delete(*, meeting: Meeting, by: User, scope: str = THIS) -> ScopeResult:
    """Delete the occurrences in scope. The series keeps no trace of a deleted one but an
    EXDATE (this) or its end (following, all): it is never made again."""
    check_scope(scope)
    if meeting.series_id is None:
        meeting_delete(meeting=meeting, by=by)
        return ScopeResult(THIS, None, None, [meeting.pk])
    return _occurrence_delete(meeting, by, scope)


@transaction.atomic
def _occurrence_delete(meeting: Meeting, by: User, scope: str) -> ScopeResult:
    meeting = locked_for_organizer(meeting, by=by)
    series = _locked_series(meeting)
    zone = ZoneInfo(series.time_zone)
    rule = parse_recurrence(series.recurrence, zone=zone)
    if scope == THIS:
        rows = series.occurrences.filter(pk=meeting.pk)
        kept = without(rule, [original_start(meeting)])
    else:
        pivot = _pivot(series, meeting, scope)
        rows = series.occurrences.filter(original_start_time__gte=pivot)
        kept = ending_before(rule, pivot, first_start=series.first_start, zone=zone)
        if scope == ALL:  # and those moved ahead from before the pivot: EXDATEs of the past
            moved_ahead = series.occurrences.filter(
                original_start_time__lt=pivot, end_time__gt=timezone.now()
            )
            ahead = [
                start
                for start in moved_ahead.values_list("original_start_time", flat=True)
                if start is not None  # every occurrence has one
            ]
            rows = rows | moved_ahead
            kept = without(kept, ahead)
    ids = list(rows.values_list("pk", flat=True))
    people = people_in(set(ids))
    rooms = set(rows.exclude(room=None).values_list("room_id", flat=True))
    first = rows.select_related("room").order_by("start_time").first()
    if first is not None:
        extra = {"occurrences": str(len(ids)), "scope": scope}
        kind = Event.Kind.MEETING_DELETED
        tell([meeting_event(kind, first, actor=by, to=people, **extra)], by=by)
    _occurrences_delete(ids)
    if not series.occurrences.exists():
        series.delete()
        series_id = None
    else:
        series.recurrence = recurrence_lines(kept)
        series.complete = series.complete or scope != THIS
        series.save(update_fields=["recurrence", "complete"])
        series_id = series.pk
    flush_meetings(user_ids=people)
    return ScopeResult(scope, None, series_id, ids, people=people, room_ids=rooms)


def occurrence_rsvp(
    *, meeting: Meeting, user: User, scope: str = THIS, status: str, comment: str = ""
) -> ScopeResult:
    """The user's answer to the occurrences in scope they are invited to; the organizer
    hears of it once."""
    check_scope(scope)
    if meeting.series_id is None or scope == THIS:
        answer = meeting_rsvp(meeting=meeting, user=user, status=status, comment=comment)
        return ScopeResult(
            THIS, meeting.pk, meeting.series_id, [meeting.pk], people={user.pk}, answer=answer
        )
    return _occurrence_rsvp(meeting, user, scope, status, comment)


@transaction.atomic
def _occurrence_rsvp(
    meeting: Meeting, user: User, scope: str, status: str, comment: str
) -> ScopeResult:
    if status not in Participant.Status.values or status == Participant.Status.NEEDS_ACTION:
        raise ValidationError({"status": "Answer accepted, declined or tentative."})
    series = _locked_series(meeting)
    answers = Participant.objects.filter(
        user=user, meeting__in=_range(series, meeting, scope).values("pk")
    )
    ids = list(answers.values_list("meeting_id", flat=True))
    if not ids:
        raise ValidationError({"scope": "You are invited to none of these occurrences."})
    changing = answers.exclude(status=status, comment=comment)
    news = changing.exists()
    changing.update(status=status, comment=comment, responded_at=timezone.now())
    # The answer holds for occurrences made later too (both scopes run to the series' end).
    series.answers = {**series.answers, str(user.pk): [status, comment]}
    series.save(update_fields=["answers"])
    flush_meetings(meeting_ids=ids, user_ids=[user.pk, series.created_by_id])
    if news:
        first = Meeting.objects.select_related("room").get(pk=min(ids))
        answer = meeting_event(
            Event.Kind.RSVP, first, actor=user, to=[series.created_by_id],
            answer=status, comment=comment, occurrences=str(len(ids)), scope=scope,
        )  # fmt: skip
        tell([answer], by=user, counted=False)
    mine = answers.select_related("user").filter(meeting=meeting).first()
    return ScopeResult(scope, meeting.pk, series.pk, ids, people={user.pk}, answer=mine)
