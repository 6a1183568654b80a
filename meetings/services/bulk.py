"""Many meetings at once: made (the API's bulk request), or their status set (the API's
bulk-status request and the admin's "cancel selected"), in a fixed number of statements.
COPY, bulk_create and QuerySet.update() send no signal: these flush the caches."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from notifications.models import Event
from notifications.outbox import events_record
from scheduler.validation import ItemsValidationError

from ..booking import (
    Booking,
    check_capacity,
    check_rooms_free,
    database_refuses_double_bookings,
    locked_rooms,
    overlapping_pair,
    refused_double_booking,
)
from ..cache import flush_meetings
from ..copy_loader import insert_objects, load_rows
from ..invitations import check_per_request_items, invitations_count
from ..models import Meeting, Participant, Room, check_meeting_times, with_exception
from .checks import check_times
from .events import meeting_event, record_status_events
from .participants import invitee_ids, missing_users

MAX_BULK_MEETINGS = 500
ROOM_FIELDS = ("room__id", "room__name", "room__capacity", "room__location")  # events: .place


@transaction.atomic
def meeting_bulk_create(*, organizer: User, items: Sequence[dict]) -> list[Meeting]:
    """Create many meetings with their invitations, all or nothing, in statements whose number
    does not grow with the items: on PostgreSQL a COPY of the meetings (after the SELECT that
    reserves their ids) and one of the invitations, elsewhere two INSERTs (bulk_create).

    Each item has the arguments of meeting_create. Errors are keyed by item index. The
    items' invitations count together against INVITES_PER_REQUEST and INVITES_PER_HOUR.
    Raises RoomConflict if a room is booked at an item's time.
    """
    if len(items) > MAX_BULK_MEETINGS:
        raise ValidationError(
            {"non_field_errors": f"At most {MAX_BULK_MEETINGS} meetings per request."}
        )
    errors, invitees = {}, []
    for index, item in enumerate(items):
        try:
            check_times(item["start_time"], item["end_time"])
            invitees.append(invitee_ids(item.get("participant_ids", ()), organizer_id=organizer.pk))
        except ValidationError as error:
            errors[str(index)] = error.message_dict
            invitees.append([])
    check_per_request_items(len(user_ids) for user_ids in invitees)
    for index, reason in missing_users(invitees).items():
        errors.setdefault(str(index), {})["participant_ids"] = [reason]
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
    # PostgreSQL's exclusion constraint refuses a clash inside the COPY, and
    # refused_double_booking turns that into a RoomConflict naming the first clash of any
    # item, as check_rooms_free does, the savepoint taking back every row: checking first
    # would probe the constraint's GiST index twice per booking (25-60 ms for 625 of them).
    # SQLite has only the check.
    if not database_refuses_double_bookings():
        check_rooms_free(rooms, bookings, viewer_id=organizer.pk)
    with refused_double_booking(bookings, viewer_id=organizer.pk, list_all=False):
        meetings = insert_objects(
            Meeting, _meeting_rows(items), same={"created_by_id": organizer.pk}
        )
    load_rows(
        Participant,
        [
            {"meeting_id": meeting.pk, "user_id": user_id}
            for meeting, user_ids in zip(meetings, invitees, strict=True)
            for user_id in user_ids
        ],
    )
    _cache_relations(meetings, organizer=organizer, rooms=rooms)
    flush_meetings(meeting_ids=[meeting.pk for meeting in meetings])
    events_record(
        meeting_event(Event.Kind.MEETING_CREATED, meeting, actor=organizer, to=user_ids)
        for meeting, user_ids in zip(meetings, invitees, strict=True)
        if user_ids  # nobody to tell: no event (events_record would drop it once built)
    )
    invitations_count(organizer_id=organizer.pk, count=sum(map(len, invitees)))  # may roll back
    return meetings


def _meeting_rows(items: Sequence[dict]) -> list[dict]:
    """The items' columns, each row with the same keys in the same order (the loader's rule)."""
    return [
        {
            "title": item["title"],
            "description": item.get("description", ""),
            "location": item.get("location", ""),
            "start_time": item["start_time"],
            "end_time": item["end_time"],
            "room_id": item.get("room_id"),
        }
        for item in items
    ]


def _cache_relations(meetings: list[Meeting], *, organizer: User, rooms: dict[int, Room]) -> None:
    """The organizer and rooms the service holds, set on the meetings as select_related would:
    events name the room (Meeting.place), and a caller reading .created_by costs no query."""
    organizer_field = Meeting._meta.get_field("created_by")
    room_field = Meeting._meta.get_field("room")
    for meeting in meetings:
        organizer_field.set_cached_value(meeting, organizer)
        room = rooms[meeting.room_id] if meeting.room_id is not None else None
        room_field.set_cached_value(meeting, room)


def _check_bulk_rooms(
    items: Sequence[dict], invitees: list[list[int]], errors: dict[str, dict[str, list[str]]]
) -> dict[int, Room]:
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


@transaction.atomic
def meeting_bulk_set_status(
    *, meetings: QuerySet[Meeting], status: str, by: User, counted: bool = True
) -> int:
    """Set the status of `meetings` with one UPDATE; returns how many changed. Their
    participants hear of it from `by`.

    `meetings` are those the caller may change: an organizer's own among the ids they sent
    (the API), or staff's selection in the admin, whose notices are not counted against an
    hourly budget (`counted=False`). Raises RoomConflict if a meeting taken back from
    cancelled finds its room booked.
    """
    if status not in Meeting.Status.values:
        raise ValidationError({"status": "Use scheduled or cancelled."})
    taking_back = status == Meeting.Status.SCHEDULED
    # Locked: a concurrent request for the same meetings waits, then finds them changed.
    changing = list(
        meetings.exclude(status=status)
        .select_related(None)  # the admin's queryset joins the organizer too
        .select_related("room")
        .only("id", "title", "start_time", "end_time", "location", *ROOM_FIELDS)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if taking_back:
        _check_taken_back_times(changing)
    bookings = _rooms_taken_back(changing, by=by) if taking_back else []
    reason = {"cancellation_reason": ""} if taking_back else {}
    ids = [meeting.pk for meeting in changing]
    # Every booking taken back: whichever of them the constraint refuses is the one named.
    with refused_double_booking(bookings, viewer_id=by.pk, list_all=False):
        updated = Meeting.objects.filter(pk__in=ids).update(
            status=status,
            updated_at=timezone.now(),
            exception_fields=with_exception("status"),
            **reason,
        )
    if changing:
        # The people of these meetings, found when the transaction commits: `by` among them
        # when they organize them.
        flush_meetings(meeting_ids=ids)
        record_status_events(changing, status=status, by=by, counted=counted)
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
