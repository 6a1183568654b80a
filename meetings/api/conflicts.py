"""How the API tells of clashes: a room already booked (409), people already busy, and an
organizer who has sent as many invitations as they may this hour (429)."""

from meetings.booking import RoomConflict
from meetings.invitations import HourlyInvitationLimit
from scheduler.api.fields import rfc3339


def room_conflict_body(conflict: RoomConflict) -> dict:
    """{"room_id": [reason], "conflicting_meeting": {...}}, times in the caller's zone.

    The meeting that holds the room is named (id, title, organizer) only to someone who may
    see it, its organizer or a participant; to anybody else it does not exist (404), and the
    answer says only when the room is busy, as free/busy does for people.
    """
    room, clash = conflict.room, conflict.meeting
    if clash is None:  # it was cancelled between the refusal and our look
        return {"room_id": [f"{room.name} was booked at that time; try again."]}
    start, end = rfc3339(clash.start_time), rfc3339(clash.end_time)
    if not conflict.viewer_sees:
        return {
            "room_id": [f"{room.name} is already booked from {start} to {end}."],
            "conflicting_meeting": {"start_time": start, "end_time": end},
        }
    return {
        "room_id": [
            f"{room.name} is already booked from {start} to {end} by “{clash.title}” "
            f"(meeting {clash.pk})."
        ],
        "conflicting_meeting": {
            "id": clash.pk,
            "title": clash.title,
            "start_time": start,
            "end_time": end,
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


def invitation_limit_body(refusal: HourlyInvitationLimit) -> dict:
    return {
        "detail": (
            f"You have sent as many {refusal.what} this hour as one organizer may "
            f"({refusal.limit:,}): nothing was saved. Try again from "
            f"{rfc3339(refusal.resets_at)}."
        ),
        "limit": refusal.setting,
        "limit_value": refusal.limit,
        "resets_at": rfc3339(refusal.resets_at),
    }
