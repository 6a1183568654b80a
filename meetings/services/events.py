"""The outbox events a change to meetings sends, and the hourly budget they count against.

Events are recorded in the write's transaction (notifications.outbox) and delivered after it
commits. Who they tell counts against the organizer's NOTICES_PER_HOUR, except invitations,
which count against INVITES_PER_HOUR where they are made.
"""

from collections.abc import Collection, Iterable

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record

from ..invitations import notices_count
from ..models import Meeting
from ..selectors import meeting_invitees

# Events that invite people: counted against INVITES_PER_HOUR where the invitations are made.
INVITATION_KINDS = frozenset({Event.Kind.MEETING_CREATED, Event.Kind.PARTICIPANT_ADDED})
# Changes that participants hear about, and that move the meeting in its room.
PLACE_AND_TIME = {"start_time", "end_time", "location", "room_id"}


def meeting_event(
    kind: str, meeting: Meeting, *, actor: User, to: Iterable[int], **extra: str
) -> Event:
    """An event about `meeting` for the people in `to`, the actor left out. Reads the meeting's
    room (select_related it)."""
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


def tell(events: Iterable[Event], *, by: User, counted: bool = True) -> None:
    """Record events that tell people of a change, counting who they tell against the
    organizer's NOTICES_PER_HOUR (invitations count against INVITES_PER_HOUR instead). Staff
    in the admin are not counted. Call it last: a refusal rolls the whole write back."""
    events = list(events)
    if counted:
        told = sum(len(e.recipient_ids) for e in events if e.kind not in INVITATION_KINDS)
        notices_count(organizer_id=by.pk, count=told)
    events_record(events)


def record_update_events(
    meeting: Meeting,
    by: User,
    changed: Collection[str],
    *,
    added: Collection[int],
    removed: Collection[int],
    counted: bool = True,
) -> None:
    """Participants hear of a new time, place or status; people added or removed, of that."""
    events = []
    if (PLACE_AND_TIME | {"status"}) & set(changed):
        kind = Event.Kind.MEETING_CHANGED
        if "status" in changed and meeting.status == Meeting.Status.CANCELLED:
            kind = Event.Kind.MEETING_CANCELLED
        staying = set(meeting_invitees(meeting_ids=[meeting.pk])[meeting.pk]) - set(added)
        events.append(meeting_event(kind, meeting, actor=by, to=staying))
    events.append(meeting_event(Event.Kind.PARTICIPANT_ADDED, meeting, actor=by, to=added))
    events.append(meeting_event(Event.Kind.PARTICIPANT_REMOVED, meeting, actor=by, to=removed))
    tell(events, by=by, counted=counted)


def record_status_events(
    meetings: list[Meeting], *, status: str, by: User, counted: bool = True
) -> None:
    kind = Event.Kind.MEETING_CANCELLED if status == "cancelled" else Event.Kind.MEETING_CHANGED
    invitees = meeting_invitees(meeting_ids=[m.pk for m in meetings])
    for meeting in meetings:
        meeting.status = status
    tell(
        (meeting_event(kind, m, actor=by, to=invitees[m.pk]) for m in meetings),
        by=by,
        counted=counted,
    )


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
        invitees = meeting_invitees(meeting_ids=[meeting.pk])[meeting.pk]
        events_record([meeting_event(Event.Kind.MEETING_CREATED, meeting, actor=by, to=invitees)])
        return
    changed = ["room_id" if name == "room" else name for name in changed]  # form field names
    record_update_events(
        meeting, by, changed, added=list(added), removed=list(removed), counted=False
    )
