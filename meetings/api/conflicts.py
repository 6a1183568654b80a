"""How the API tells of clashes: a room already booked (409), people already busy."""

from meetings.booking import RoomConflict
from scheduler.api.fields import rfc3339


def room_conflict_body(conflict: RoomConflict) -> dict:
    """{"room_id": [reason], "conflicting_meeting": {...} or null}, times in the caller's zone.

    The meeting holding a room is named with its title and organizer, as room calendars show
    them to everyone who may book the room; a person's own calendar only ever shows times.
    """
    room, clash = conflict.room, conflict.meeting
    if clash is None:  # it was cancelled between the refusal and our look
        return {"room_id": [f"{room.name} was booked at that time; try again."]}
    reason = (
        f"{room.name} is already booked from {rfc3339(clash.start_time)} to "
        f"{rfc3339(clash.end_time)} by “{clash.title}” (meeting {clash.pk})."
    )
    return {
        "room_id": [reason],
        "conflicting_meeting": {
            "id": clash.pk,
            "title": clash.title,
            "start_time": rfc3339(clash.start_time),
            "end_time": rfc3339(clash.end_time),
            "organizer": {"id": clash.created_by.id, "username": clash.created_by.username},
        },
    }


def people_conflicts_body(conflicts: list[dict]) -> list[dict]:
    return [
        {
            "user": person["user"],
            "meetings": [
                {"start_time": rfc3339(m["start_time"]), "end_time": rfc3339(m["end_time"])}
                for m in person["meetings"]
            ],
        }
        for person in conflicts
    ]
