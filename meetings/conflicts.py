"""Who would be double-booked: each person's meetings that overlap a given time."""

from collections.abc import Collection
from datetime import datetime

from .models import Meeting, Participant

RUNNING = Meeting.Status.SCHEDULED


def people_conflicts(
    *,
    user_ids: Collection[int],
    start: datetime,
    end: datetime,
    exclude_meeting_id: int | None = None,
) -> list[dict]:
    """For each of the people who has any, the meetings they attend during [start, end):
    those they organize and those they accepted, cancelled ones left out.

    One query, whatever the number of people: the overlap index finds the meetings of the
    window, and each half of the union joins its people to them. Only times are given (and
    the person), never titles: the caller may not be invited to those meetings.
    """
    if not user_ids:
        return []
    window = (
        Meeting.objects.overlapping(start, end)
        .filter(status=RUNNING)
        .exclude(pk=exclude_meeting_id)
        .order_by()
    )
    organized = window.filter(created_by_id__in=user_ids).values_list(
        "created_by_id", "created_by__username", "id", "start_time", "end_time"
    )
    accepted = (
        Participant.objects.filter(
            user_id__in=user_ids,
            status=Participant.Status.ACCEPTED,
            meeting_id__in=window.values("id"),
        )
        .order_by()
        .values_list("user_id", "user__username", "meeting_id", "meeting__start_time",
                     "meeting__end_time")
    )  # fmt: skip
    rows = sorted(set(organized.union(accepted, all=True)), key=lambda r: (r[0], r[3], r[2]))
    return _by_person(rows, order=list(user_ids))


def _by_person(rows, *, order: list[int]) -> list[dict]:
    found: dict[int, dict] = {}
    for user_id, username, _meeting_id, start_time, end_time in rows:
        person = found.setdefault(
            user_id, {"user": {"id": user_id, "username": username}, "meetings": []}
        )
        person["meetings"].append({"start_time": start_time, "end_time": end_time})
    return [found[user_id] for user_id in order if user_id in found]


def meeting_conflicts(*, meeting: Meeting) -> list[dict]:
    """people_conflicts() for everyone in `meeting` (its participants loaded), at its time;
    none for a cancelled meeting."""
    if meeting.status == Meeting.Status.CANCELLED:
        return []
    people = [meeting.created_by_id, *(p.user_id for p in meeting.participants.all())]
    return people_conflicts(
        user_ids=people,
        start=meeting.start_time,
        end=meeting.end_time,
        exclude_meeting_id=meeting.pk,
    )
