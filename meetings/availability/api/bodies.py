"""The answers of free/busy and find-a-time as plain dicts, times in the caller's zone
(rfc3339()). Their shape is serializers.py's, and a test parses answers back through it."""

from dataclasses import asdict
from datetime import datetime

from accounts.models import User
from meetings import availability
from scheduler.api.fields import rfc3339


def _interval(start: datetime, end: datetime, **extra: object) -> dict:
    return {"start_time": rfc3339(start), "end_time": rfc3339(end), **extra}


def free_busy_body(*, params: dict, busy: list[availability.PersonBusy]) -> dict:
    return {
        "from": rfc3339(params["from"]),
        "to": rfc3339(params["to"]),
        "users": [
            {
                "id": person.user.pk,
                "username": person.user.username,
                "busy": [_interval(i.start, i.end, status=i.status) for i in person.intervals],
            }
            for person in busy
        ],
    }


def suggestion_body(
    *, params: dict, people: list[User], suggestion: availability.Suggestion
) -> dict:
    return {
        "from": rfc3339(params["from"]),
        "to": rfc3339(params["to"]),
        "duration": params["duration"],
        "attendees": [
            {"id": person.pk, "username": person.username, "timezone": person.timezone}
            for person in people
        ],
        "slots": _slots(suggestion),
        "reasons": suggestion.reasons,
    }


def _slots(suggestion: availability.Suggestion) -> list[dict]:
    if suggestion.rooms is None:
        return [_interval(start, end) for start, end in suggestion.slots]
    return [
        _interval(start, end, rooms=[asdict(room) for room in rooms])
        for (start, end), rooms in zip(suggestion.slots, suggestion.rooms, strict=True)
    ]
