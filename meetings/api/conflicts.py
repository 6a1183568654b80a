"""How the API tells of clashes: a room already booked (409), people already busy, and an
organizer who has sent as many invitations as they may this hour (429). The kernel's
exception handler answers the two errors as register_answers() tells it."""

from rest_framework import status
from rest_framework.response import Response

from meetings.booking import RoomConflict
from meetings.invitations import HourlyInvitationLimit
from scheduler.api import exceptions
from scheduler.api.fields import rfc3339


def register_answers() -> None:
    exceptions.register_answer(RoomConflict, room_conflict_answer)
    exceptions.register_answer(HourlyInvitationLimit, invitation_limit_answer)


def room_conflict_answer(conflict: RoomConflict) -> Response:
    return Response(room_conflict_body(conflict), status=status.HTTP_409_CONFLICT)


def invitation_limit_answer(refusal: HourlyInvitationLimit) -> Response:
    return Response(
        invitation_limit_body(refusal),
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(refusal.retry_after)},
    )


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
        reason = f"{room.name} is already booked from {start} to {end}."
    else:
        reason = (
            f"{room.name} is already booked from {start} to {end} by “{clash.title}” "
            f"(meeting {clash.pk})."
        )
    body = {"room_id": [reason], "conflicting_meeting": _clash(clash)}
    if conflict.clashes:  # a recurring meeting: every occurrence in the way
        if len(conflict.clashes) > 1:
            body["room_id"] = [f"{room.name} is already booked at {len(conflict.clashes)} of "
                               f"these times, the first from {start} to {end}."]  # fmt: skip
        body["conflicting_meetings"] = [_clash(meeting) for meeting in conflict.clashes]
    return body


def _clash(meeting) -> dict:
    times = {"start_time": rfc3339(meeting.start_time), "end_time": rfc3339(meeting.end_time)}
    if not getattr(meeting, "viewer_sees", False):
        return times
    return {
        "id": meeting.pk,
        "title": meeting.title,
        **times,
        "organizer": {"id": meeting.created_by.id, "username": meeting.created_by.username},
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
