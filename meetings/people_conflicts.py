"""Who would be double-booked: each person's meetings that overlap a given time."""

from .models import Meeting, Participant
from .selectors import ORGANIZER_ROLE, busy_queryset

# Of a person's busy time, what counts as a conflict: meetings they organize or accepted.
CONFLICTING = {ORGANIZER_ROLE, Participant.Status.ACCEPTED}


def meeting_conflicts(*, meeting: Meeting) -> list[dict]:
    """For each person in `meeting` (its organizer and participants loaded with their users)
    who has any, their other meetings at its time that they organize or accepted, cancelled
    ones left out; none for a cancelled meeting.

    One query, whatever the number of people: free/busy's busy time (the overlap index finds
    the window's meetings). Only times are given, never titles: the caller may not be invited
    to those meetings.
    """
    if meeting.status == Meeting.Status.CANCELLED:
        return []
    people = [meeting.created_by, *(p.user for p in meeting.participants.all())]
    rows = busy_queryset(
        user_ids=[person.pk for person in people],
        start=meeting.start_time,
        end=meeting.end_time,
        excluding=meeting.pk,
    )
    held: dict[int, list[dict]] = {}
    for user_id, start, end, role in sorted(rows, key=lambda row: (row[0], row[1])):
        if role in CONFLICTING:
            held.setdefault(user_id, []).append({"start_time": start, "end_time": end})
    return [
        {"user": {"id": person.pk, "username": person.username}, "meetings": held[person.pk]}
        for person in people
        if person.pk in held
    ]
