"""A meeting's life: made, changed, cancelled, deleted."""

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record

from ..booking import Booking, check_capacity, check_room_free, locked_room, refused_double_booking
from ..cache import flush_meetings, people_in
from ..invitations import check_per_request, invitations_count
from ..models import Meeting, Participant, Room
from ..selectors import meeting_invitees
from .checks import check_times, locked_for_organizer
from .events import meeting_event, record_update_events, tell
from .participants import (
    invitations_delete,
    invite,
    invitee_ids,
    invitees_replace,
    missing_users,
)

EDITABLE_FIELDS = (
    "title", "description", "location", "start_time", "end_time", "status", "room_id",
)  # fmt: skip


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
    check_times(start_time, end_time)
    invitees = invitee_ids(participant_ids, organizer_id=organizer.pk)
    check_per_request(len(invitees))
    if missing := missing_users([invitees]):
        raise ValidationError({"participant_ids": missing[0]})
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
    invite(meeting, invitees)
    events_record(
        [meeting_event(Event.Kind.MEETING_CREATED, meeting, actor=organizer, to=invitees)]
    )
    invitations_count(organizer_id=organizer.pk, count=len(invitees))  # last: may roll back all
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, by: User, participant_ids: Sequence[int] | None = None, **changes: object
) -> Meeting:
    """Change the given fields; `participant_ids`, when given, becomes the invitee list.

    Moving a meeting resets every answer to needs_action: an acceptance was for the old time.
    Raises RoomConflict if the room it books (now or after the change) is taken meanwhile, and
    HourlyInvitationLimit if it invites more people than the organizer may this hour.
    """
    meeting = locked_for_organizer(meeting, by=by)
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
        check_times(meeting.start_time, meeting.end_time)
    booking = _booking_to_check(meeting, changed, by=by)
    if changed:
        with refused_double_booking(booking, viewer_id=by.pk):
            meeting.save(update_fields=[*changed, "updated_at"])
    if {"start_time", "end_time"} & set(changed):
        meeting.participants.exclude(status=Participant.Status.NEEDS_ACTION).update(
            status=Participant.Status.NEEDS_ACTION, responded_at=None, comment=""
        )
        flush_meetings(meeting_ids=[meeting.pk])  # update() sends no signal
    added: Sequence[int] = ()
    removed: Sequence[int] = ()
    if participant_ids is not None:
        added, removed = invitees_replace(meeting, participant_ids)
    if meeting.room_id and ("room_id" in changed or participant_ids is not None):
        field = "room_id" if "room_id" in changed else "participant_ids"
        room = cast(Room, meeting.room)  # room_id is set, so .room is that Room, never None
        check_capacity(room, meeting.participants.count() + 1, field=field)
    record_update_events(meeting, by, changed, added=added, removed=removed)
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
    room = cast(Room, meeting.room)  # room_id is set (tested above), so .room is that Room
    check_room_free(room, booking, viewer_id=by.pk)
    return booking


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by: User) -> None:
    meeting = locked_for_organizer(meeting, by=by)
    everyone = people_in({meeting.pk})
    tell([meeting_event(Event.Kind.MEETING_DELETED, meeting, actor=by, to=everyone)], by=by)
    invitations_delete(meeting.participants.all())
    meeting.delete()
    flush_meetings(user_ids=everyone)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, reason: str = "") -> Meeting:
    """Cancel a meeting; cancelling it again only updates the reason."""
    meeting = locked_for_organizer(meeting, by=by)
    newly = meeting.status != Meeting.Status.CANCELLED
    if newly or meeting.cancellation_reason != reason:
        # Only a real change moves updated_at: it is in the entity tag, and a save that moves
        # it alone reaches no sync (the change record ignores it), so the tag a client synced
        # would stop matching with nothing to tell it why.
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancellation_reason = reason
        meeting.save(update_fields=["status", "cancellation_reason", "updated_at"])
    if newly:
        invitees = meeting_invitees(meeting_ids=[meeting.pk])[meeting.pk]
        cancelled = meeting_event(
            Event.Kind.MEETING_CANCELLED, meeting, actor=by, to=invitees, reason=reason
        )
        tell([cancelled], by=by)
    return meeting
