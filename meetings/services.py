"""Writes to meetings and their participants. Every function is one transaction.

Services validate what they are given and raise django.core.exceptions.ValidationError keyed by
field, so any caller (API, admin, a task) gets the same rules; the API answers those with 400.
"""

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record
from scheduler.validation import FIRST_YEAR, LAST_YEAR, ItemsValidationError

from .booking import (
    Booking,
    check_capacity,
    check_room_free,
    check_rooms_free,
    locked_room,
    locked_rooms,
    overlapping_pair,
    refused_double_booking,
)
from .cache import flush_meetings, people_in
from .invitations import (
    check_per_request,
    check_per_request_items,
    invitations_count,
    notices_count,
)
from .models import Meeting, Participant, check_meeting_times

ROOM_FIELDS = ("room__id", "room__name", "room__capacity", "room__location")  # events: .place
MAX_PARTICIPANTS = 500
MAX_BULK_MEETINGS = 500
EDITABLE_FIELDS = (
    "title", "description", "location", "start_time", "end_time", "status", "room_id",
)  # fmt: skip
# Changes that participants hear about, and that move the meeting in its room.
PLACE_AND_TIME = {"start_time", "end_time", "location", "room_id"}


def _check_times(start_time: datetime, end_time: datetime) -> None:
    check_meeting_times(start_time, end_time)
    for name, moment in (("start_time", start_time), ("end_time", end_time)):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ValidationError({name: f"Use a time between {FIRST_YEAR} and {LAST_YEAR}."})


def _invitee_ids(ids: Iterable[int], *, organizer_id: int) -> list[int]:
    """The distinct invitees in `ids`, the organizer left out (they are not a participant)."""
    wanted = sorted(set(ids) - {organizer_id})
    if len(wanted) > MAX_PARTICIPANTS:
        raise ValidationError(
            {"participant_ids": f"A meeting can invite at most {MAX_PARTICIPANTS} people."}
        )
    return wanted


def _check_users_exist(user_ids: Collection[int], *, field: str = "participant_ids") -> None:
    if not user_ids:
        return
    found = set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))
    unknown = sorted(set(user_ids) - found)
    if unknown:
        listed = ", ".join(str(user_id) for user_id in unknown[:20])
        raise ValidationError({field: f"No such users: {listed}."})


def _invite(meeting: Meeting, user_ids: Iterable[int]) -> None:
    user_ids = list(user_ids)
    Participant.objects.bulk_create(
        [Participant(meeting=meeting, user_id=user_id) for user_id in user_ids],
        ignore_conflicts=True,  # already invited: nothing changes, even in a race
    )
    flush_meetings(meeting_ids=[meeting.pk], user_ids=user_ids)  # bulk_create sends no signal


@transaction.atomic
def meeting_create(
    *,
    organizer: User,
    title: str,
    start_time: datetime,
    end_time: datetime,
    description: str = "",
    location: str = "",
    participant_ids: Sequence[int] = (),
    room_id: int | None = None,
) -> Meeting:
    """Raises RoomConflict if the room is booked at an overlapping time, and
    HourlyInvitationLimit if the organizer has sent too many invitations this hour."""
    _check_times(start_time, end_time)
    invitees = _invitee_ids(participant_ids, organizer_id=organizer.pk)
    check_per_request(len(invitees))
    _check_users_exist(invitees)
    room, booking = None, None
    if room_id is not None:
        room = locked_room(room_id)
        check_capacity(room, len(invitees) + 1)
        booking = Booking(room_id=room.pk, start_time=start_time, end_time=end_time)
        check_room_free(room, booking, viewer_id=organizer.pk)
    with refused_double_booking(booking, viewer_id=organizer.pk):
        meeting = Meeting.objects.create(
            created_by=organizer,
            title=title,
            description=description,
            location=location,
            start_time=start_time,
            end_time=end_time,
            room=room,
        )
    _invite(meeting, invitees)
    events_record([_event(Event.Kind.MEETING_CREATED, meeting, actor=organizer, to=invitees)])
    invitations_count(organizer_id=organizer.pk, count=len(invitees))  # last: may roll back all
    return meeting


# Events that invite people: counted against INVITES_PER_HOUR where the invitations are made.
INVITATION_KINDS = frozenset({Event.Kind.MEETING_CREATED, Event.Kind.PARTICIPANT_ADDED})


def _event(kind: str, meeting: Meeting, *, actor: User, to: Iterable[int], **extra) -> Event:
    """An event about `meeting` for the people in `to`, the actor left out."""
    return Event(
        kind=kind,
        meeting_id=meeting.pk,
        actor_id=actor.pk,
        recipient_ids=sorted(set(to) - {actor.pk}),
        payload={
            "title": meeting.title,
            "start_time": meeting.start_time.isoformat(),
            "end_time": meeting.end_time.isoformat(),
            "location": meeting.place,
            "actor_name": actor.get_full_name() or actor.username,
            **extra,
        },
    )


def _invitees_of(meeting_ids: Collection[int]) -> dict[int, list[int]]:
    invitees: dict[int, list[int]] = {meeting_id: [] for meeting_id in meeting_ids}
    rows = Participant.objects.filter(meeting_id__in=list(meeting_ids)).order_by()
    for meeting_id, user_id in rows.values_list("meeting_id", "user_id"):
        invitees[meeting_id].append(user_id)
    return invitees


def _locked(meeting: Meeting) -> Meeting:
    """The meeting's current row, locked until the transaction ends, so that concurrent
    changes to one meeting run one after the other, each checked against the other's result.
    Raises Meeting.DoesNotExist if it was deleted meanwhile (the API answers 404)."""
    return Meeting.objects.select_related("room").select_for_update(of=("self",)).get(pk=meeting.pk)


def _require_organizer(meeting: Meeting, user: User) -> None:
    if meeting.created_by_id != user.pk:
        raise PermissionDenied("Only the organizer can change this meeting.")


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, by: User, participant_ids: Sequence[int] | None = None, **changes
) -> Meeting:
    """Change the given fields; `participant_ids`, when given, becomes the invitee list.

    Moving a meeting resets every answer to needs_action: an acceptance was for the old time.
    Raises RoomConflict if the room it books (now or after the change) is taken meanwhile, and
    HourlyInvitationLimit if it invites more people than the organizer may this hour.
    """
    meeting = _locked(meeting)
    _require_organizer(meeting, by)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    changed = [name for name, value in changes.items() if getattr(meeting, name) != value]
    for name in changed:
        setattr(meeting, name, changes[name])
    if "status" in changed and meeting.status == Meeting.Status.SCHEDULED:
        meeting.cancellation_reason = ""  # back on: the reason it was off no longer holds
        changed.append("cancellation_reason")
    if {"start_time", "end_time"} & set(changed) or meeting.status == Meeting.Status.SCHEDULED:
        # Not when only cancelling a meeting made before the length rule: that must stay possible.
        _check_times(meeting.start_time, meeting.end_time)
    booking = _booking_to_check(meeting, changed, by=by)
    if changed:
        with refused_double_booking(booking, viewer_id=by.pk):
            meeting.save(update_fields=[*changed, "updated_at"])
    if {"start_time", "end_time"} & set(changed):
        meeting.participants.exclude(status=Participant.Status.NEEDS_ACTION).update(
            status=Participant.Status.NEEDS_ACTION, responded_at=None, comment=""
        )
        flush_meetings(meeting_ids=[meeting.pk])  # update() sends no signal
    added, removed = (), ()
    if participant_ids is not None:
        added, removed = _replace_invitees(meeting, participant_ids)
    if meeting.room_id and ("room_id" in changed or participant_ids is not None):
        field = "room_id" if "room_id" in changed else "participant_ids"
        check_capacity(meeting.room, meeting.participants.count() + 1, field=field)
    _record_update_events(meeting, by, changed, added=added, removed=removed)
    invitations_count(organizer_id=by.pk, count=len(added))  # last: may roll back all
    return meeting


def _booking_to_check(meeting: Meeting, changed: list[str], *, by: User) -> Booking | None:
    """The room booking to check when a change books a room, moves a booked meeting, or
    takes a cancelled one back (it held no room while cancelled). Locks the room."""
    if "room_id" in changed and meeting.room_id is not None:
        meeting.room = locked_room(meeting.room_id)
    if not meeting.room_id or meeting.status == Meeting.Status.CANCELLED:
        return None
    if not {"room_id", "start_time", "end_time", "status"} & set(changed):
        return None
    if "room_id" not in changed:
        locked_room(meeting.room_id)
    booking = Booking(
        room_id=meeting.room_id,
        start_time=meeting.start_time,
        end_time=meeting.end_time,
        meeting_id=meeting.pk,
    )
    check_room_free(meeting.room, booking, viewer_id=by.pk)
    return booking


def _tell(events: Iterable[Event], *, by: User, counted: bool = True) -> None:
    """Record events that tell people of a change, counting who they tell against the
    organizer's NOTICES_PER_HOUR (invitations count against INVITES_PER_HOUR instead). Staff
    in the admin are not counted. Call it last: a refusal rolls the whole write back."""
    events = list(events)
    if counted:
        told = sum(len(e.recipient_ids) for e in events if e.kind not in INVITATION_KINDS)
        notices_count(organizer_id=by.pk, count=told)
    events_record(events)


def _record_update_events(meeting, by, changed, *, added, removed, counted=True) -> None:
    """Participants hear of a new time, place or status; people added or removed, of that."""
    events = []
    if (PLACE_AND_TIME | {"status"}) & set(changed):
        kind = Event.Kind.MEETING_CHANGED
        if "status" in changed and meeting.status == Meeting.Status.CANCELLED:
            kind = Event.Kind.MEETING_CANCELLED
        staying = set(_invitees_of([meeting.pk])[meeting.pk]) - set(added)
        events.append(_event(kind, meeting, actor=by, to=staying))
    events.append(_event(Event.Kind.PARTICIPANT_ADDED, meeting, actor=by, to=added))
    events.append(_event(Event.Kind.PARTICIPANT_REMOVED, meeting, actor=by, to=removed))
    _tell(events, by=by, counted=counted)


def meeting_record_admin_save(
    *,
    meeting: Meeting,
    by: User,
    created: bool,
    changed: Collection[str],
    added: Collection[int],
    removed: Collection[int],
) -> None:
    """Tell people about what staff did in the admin's change form, as the API would have."""
    if created:
        invitees = _invitees_of([meeting.pk])[meeting.pk]
        events_record([_event(Event.Kind.MEETING_CREATED, meeting, actor=by, to=invitees)])
        return
    changed = ["room_id" if name == "room" else name for name in changed]  # form field names
    _record_update_events(
        meeting, by, changed, added=list(added), removed=list(removed), counted=False
    )


def _replace_invitees(meeting: Meeting, participant_ids: Sequence[int]):
    """Make `participant_ids` the invitees; returns (added, removed) user ids."""
    wanted = set(_invitee_ids(participant_ids, organizer_id=meeting.created_by_id))
    current = set(meeting.participants.values_list("user_id", flat=True))
    _check_users_exist(wanted - current)
    dropped = current - wanted
    if dropped:
        _delete_invitations(meeting.participants.filter(user_id__in=dropped))
        flush_meetings(meeting_ids=[meeting.pk], user_ids=dropped)
    added = sorted(wanted - current)
    check_per_request(len(added))  # those already invited cost nothing
    _invite(meeting, added)
    return added, sorted(dropped)


def _delete_invitations(invitations: QuerySet[Participant]) -> None:
    """One DELETE however many rows match. QuerySet.delete() would load every row and delete
    them a hundred at a time to send each one's post_delete signal; callers flush the caches."""
    invitations._raw_delete(invitations.db)


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by: User) -> None:
    meeting = _locked(meeting)
    _require_organizer(meeting, by)
    everyone = people_in({meeting.pk})
    _tell([_event(Event.Kind.MEETING_DELETED, meeting, actor=by, to=everyone)], by=by)
    _delete_invitations(meeting.participants.all())
    meeting.delete()
    flush_meetings(user_ids=everyone)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, reason: str = "") -> Meeting:
    """Cancel a meeting; cancelling it again only updates the reason."""
    meeting = _locked(meeting)
    _require_organizer(meeting, by)
    newly = meeting.status != Meeting.Status.CANCELLED
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancellation_reason = reason
    meeting.save(update_fields=["status", "cancellation_reason", "updated_at"])
    if newly:
        invitees = _invitees_of([meeting.pk])[meeting.pk]
        _tell(
            [_event(Event.Kind.MEETING_CANCELLED, meeting, actor=by, to=invitees, reason=reason)],
            by=by,
        )
    return meeting


@transaction.atomic
def meeting_rsvp(*, meeting: Meeting, user: User, status: str, comment: str = "") -> Participant:
    """The user's own answer to an invitation."""
    if status not in Participant.Status.values or status == Participant.Status.NEEDS_ACTION:
        raise ValidationError({"status": "Answer accepted, declined or tentative."})
    participant = (
        Participant.objects.select_for_update()
        .filter(meeting=meeting, user=user)
        .select_related("user")
        .first()
    )
    if participant is None:
        raise PermissionDenied("Only invited people can answer; the organizer is not invited.")
    news = (participant.status, participant.comment) != (status, comment)
    participant.status = status
    participant.comment = comment
    participant.responded_at = timezone.now()
    participant.save(update_fields=["status", "comment", "responded_at"])
    if news:
        answer = _event(
            Event.Kind.RSVP, meeting, actor=user, to=[meeting.created_by_id],
            answer=status, comment=comment,
        )  # fmt: skip
        events_record([answer])
    return participant


@transaction.atomic
def participant_add(*, meeting: Meeting, by: User, user_id: int) -> tuple[Participant, bool]:
    """Invite one person; inviting someone already invited changes nothing (and counts for
    no invitation). Returns the invitation and whether it is new."""
    meeting = _locked(meeting)
    _require_organizer(meeting, by)
    if user_id == meeting.created_by_id:
        raise ValidationError({"user_id": "The organizer is not a participant of their meeting."})
    _check_users_exist([user_id], field="user_id")
    already = meeting.participants.filter(user_id=user_id).exists()
    if not already:
        invited = meeting.participants.count()
        if invited >= MAX_PARTICIPANTS:
            raise ValidationError(
                {"user_id": f"A meeting can invite at most {MAX_PARTICIPANTS} people."}
            )
        if meeting.room_id:
            check_capacity(meeting.room, invited + 2, field="user_id")  # organizer, newcomer
    _invite(meeting, [user_id])
    if not already:
        events_record([_event(Event.Kind.PARTICIPANT_ADDED, meeting, actor=by, to=[user_id])])
        invitations_count(organizer_id=by.pk, count=1)
    return meeting.participants.select_related("user").get(user_id=user_id), not already


@transaction.atomic
def participant_remove(*, meeting: Meeting, by: User, user_id: int) -> bool:
    """Withdraw an invitation; False if the person was not invited."""
    meeting = _locked(meeting)
    _require_organizer(meeting, by)
    deleted, _ = meeting.participants.filter(user_id=user_id).delete()
    if deleted:
        _tell([_event(Event.Kind.PARTICIPANT_REMOVED, meeting, actor=by, to=[user_id])], by=by)
    return deleted > 0


@transaction.atomic
def meeting_bulk_create(*, organizer: User, items: Sequence[dict]) -> list[Meeting]:
    """Create many meetings with their invitations: two INSERTs, all or nothing.

    Each item has the arguments of meeting_create. Errors are keyed by item index. The
    items' invitations count together against INVITES_PER_REQUEST and INVITES_PER_HOUR.
    """
    if len(items) > MAX_BULK_MEETINGS:
        raise ValidationError(
            {"non_field_errors": f"At most {MAX_BULK_MEETINGS} meetings per request."}
        )
    errors, invitees = {}, []
    for index, item in enumerate(items):
        try:
            _check_times(item["start_time"], item["end_time"])
            invitees.append(
                _invitee_ids(item.get("participant_ids", ()), organizer_id=organizer.pk)
            )
        except ValidationError as error:
            errors[str(index)] = error.message_dict
            invitees.append([])
    check_per_request_items(len(user_ids) for user_ids in invitees)
    _check_bulk_users_exist(invitees, errors)
    rooms = _check_bulk_rooms(items, invitees, errors)
    if errors:
        raise ItemsValidationError(errors)
    booking_items = [i for i, item in enumerate(items) if item.get("room_id") is not None]
    bookings = [
        Booking(room_id=items[i]["room_id"], start_time=items[i]["start_time"],
                end_time=items[i]["end_time"])
        for i in booking_items
    ]  # fmt: skip
    if pair := overlapping_pair(bookings):
        first, second = (booking_items[i] for i in sorted(pair))
        room = rooms[bookings[pair[0]].room_id]
        raise ItemsValidationError(
            {str(second): {"room_id": [f"Books {room.name} at the same time as item {first}."]}}
        )
    check_rooms_free(rooms, bookings, viewer_id=organizer.pk)
    with refused_double_booking(bookings[0] if bookings else None, viewer_id=organizer.pk):
        meetings = Meeting.objects.bulk_create(
            [
                Meeting(
                    created_by=organizer,
                    room=rooms.get(item.get("room_id")),  # the instance: events name the room
                    **{k: v for k, v in item.items() if k not in ("participant_ids", "room_id")},
                )
                for item in items
            ]
        )
    Participant.objects.bulk_create(
        [
            Participant(meeting=meeting, user_id=user_id)
            for meeting, user_ids in zip(meetings, invitees, strict=True)
            for user_id in user_ids
        ]
    )
    flush_meetings(meeting_ids=[meeting.pk for meeting in meetings])
    events_record(
        _event(Event.Kind.MEETING_CREATED, meeting, actor=organizer, to=user_ids)
        for meeting, user_ids in zip(meetings, invitees, strict=True)
    )
    invitations_count(organizer_id=organizer.pk, count=sum(map(len, invitees)))  # may roll back
    return meetings


def _check_bulk_rooms(items: Sequence[dict], invitees: list[list[int]], errors: dict):
    """Lock the rooms the items book (in id order, so that two bulk requests cannot wait on
    each other) and check that each exists and seats its meeting; returns them by id."""
    wanted = [item["room_id"] for item in items if item.get("room_id") is not None]
    if not wanted:
        return {}
    rooms = locked_rooms(wanted)
    for index, (item, user_ids) in enumerate(zip(items, invitees, strict=True)):
        room_id = item.get("room_id")
        if room_id is None:
            continue
        try:
            if room_id not in rooms:
                raise ValidationError({"room_id": f"No such room: {room_id}."})
            check_capacity(rooms[room_id], len(user_ids) + 1)
        except ValidationError as error:
            errors.setdefault(str(index), {}).update(error.message_dict)
    return rooms


def _check_bulk_users_exist(invitees: list[list[int]], errors: dict) -> None:
    wanted = {user_id for user_ids in invitees for user_id in user_ids}
    if not wanted:
        return
    found = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    for index, user_ids in enumerate(invitees):
        unknown = [user_id for user_id in user_ids if user_id not in found]
        if unknown:
            listed = ", ".join(str(user_id) for user_id in unknown[:20])
            errors.setdefault(str(index), {})["participant_ids"] = [f"No such users: {listed}."]


@transaction.atomic
def meeting_bulk_set_status(*, by: User, ids: Collection[int], status: str) -> int:
    """Set the status of the caller's own meetings among `ids` with one UPDATE.

    Returns how many changed; other people's meetings and unknown ids are left alone.
    Raises RoomConflict if a meeting taken back from cancelled finds its room booked.
    """
    if status not in Meeting.Status.values:
        raise ValidationError({"status": "Use scheduled or cancelled."})
    # Locked: a concurrent request for the same meetings waits, then finds them changed.
    changing = list(
        Meeting.objects.filter(pk__in=list(ids), created_by=by)
        .exclude(status=status)
        .select_related("room")
        .only("id", "title", "start_time", "end_time", "location", *ROOM_FIELDS)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if status == Meeting.Status.SCHEDULED:
        _check_taken_back_times(changing)
    bookings = _rooms_taken_back(changing, by=by) if status == Meeting.Status.SCHEDULED else []
    reason = {"cancellation_reason": ""} if status == Meeting.Status.SCHEDULED else {}
    with refused_double_booking(bookings[0] if bookings else None, viewer_id=by.pk):
        updated = Meeting.objects.filter(pk__in=[m.pk for m in changing]).update(
            status=status, updated_at=timezone.now(), **reason
        )
    if changing:
        flush_meetings(meeting_ids=[m.pk for m in changing], user_ids=[by.pk])
        _record_status_events(changing, status=status, by=by)
    return updated


def _check_taken_back_times(meetings: list[Meeting]) -> None:
    """A cancelled meeting made before the length rule is not taken back as it is."""
    for meeting in meetings:
        try:
            check_meeting_times(meeting.start_time, meeting.end_time)
        except ValidationError as error:
            reason = error.message_dict["end_time"][0]
            raise ValidationError({"ids": f"Meeting {meeting.pk}: {reason}"}) from None


def _rooms_taken_back(meetings: list[Meeting], *, by: User) -> list[Booking]:
    """Cancelled meetings held no room; taking them back books their rooms again."""
    bookings = [
        Booking(room_id=m.room_id, start_time=m.start_time, end_time=m.end_time, meeting_id=m.pk)
        for m in meetings
        if m.room_id
    ]
    if not bookings:
        return bookings
    rooms = locked_rooms(booking.room_id for booking in bookings)
    if pair := overlapping_pair(bookings):
        first, second = (bookings[i].meeting_id for i in sorted(pair))
        room = rooms[bookings[pair[0]].room_id]
        raise ValidationError(
            {"ids": f"Meetings {first} and {second} would hold {room.name} at once."}
        )
    check_rooms_free(rooms, bookings, viewer_id=by.pk)
    return bookings


def _record_status_events(
    meetings: list[Meeting], *, status: str, by: User, counted: bool = True
) -> None:
    kind = Event.Kind.MEETING_CANCELLED if status == "cancelled" else Event.Kind.MEETING_CHANGED
    invitees = _invitees_of([m.pk for m in meetings])
    for meeting in meetings:
        meeting.status = status
    _tell((_event(kind, m, actor=by, to=invitees[m.pk]) for m in meetings), by=by, counted=counted)


@transaction.atomic
def meeting_bulk_cancel(*, meetings: QuerySet[Meeting], by: User) -> int:
    """Cancel the scheduled meetings among `meetings` with one UPDATE; returns how many changed.
    Their participants hear of it, from `by` (staff, in the admin)."""
    changing = list(
        meetings.filter(status=Meeting.Status.SCHEDULED)
        .select_related(None)
        .select_related("room")
        .order_by("pk")
        .only("id", "title", "start_time", "end_time", "location", *ROOM_FIELDS)
        .select_for_update(of=("self",))
    )
    ids = [meeting.pk for meeting in changing]
    cancelled = Meeting.objects.filter(pk__in=ids, status=Meeting.Status.SCHEDULED).update(
        status=Meeting.Status.CANCELLED, updated_at=timezone.now()
    )
    flush_meetings(meeting_ids=ids)
    _record_status_events(changing, status=Meeting.Status.CANCELLED, by=by, counted=False)
    return cancelled
