"""The meeting representation for reads, built as plain dicts.

It produces exactly what MeetingSerializer does (a test holds the two equal), in a fraction of
the time: DRF builds a field object per attribute per row, which for a page of 50 meetings with
150 participants was most of the list's cost. MeetingSerializer stays the schema's source.
"""

from datetime import UTC, datetime

from django.utils import timezone


def _time(value: datetime | None) -> str | None:
    """As DRF's DateTimeField writes it: in the current time zone, 'Z' for UTC."""
    if value is None:
        return None
    try:
        text = timezone.localtime(value).isoformat()
    except OverflowError:  # at the ends of the calendar, say it in UTC
        text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _user(user) -> dict:
    return {"id": user.id, "username": user.username}


def participant_dict(participant) -> dict:
    return {
        "user": _user(participant.user),
        "status": participant.status,
        "responded_at": _time(participant.responded_at),
        "comment": participant.comment,
    }


def meeting_dict(meeting) -> dict:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "description": meeting.description,
        "location": meeting.location,
        "start_time": _time(meeting.start_time),
        "end_time": _time(meeting.end_time),
        "status": meeting.status,
        "cancellation_reason": meeting.cancellation_reason,
        "organizer": _user(meeting.created_by),
        "participants": [participant_dict(p) for p in meeting.participants.all()],
        "created_at": _time(meeting.created_at),
        "updated_at": _time(meeting.updated_at),
    }
