"""What each kind of event tells each recipient, with times in the recipient's own time zone."""

import zoneinfo
from datetime import datetime

from django.utils.dateparse import parse_datetime

from .models import Event, Notification

# Keyed by str: an event read back from the database has a plain str kind (Kind members are strs).
NOTIFICATION_KIND: dict[str, Notification.Kind] = {
    Event.Kind.MEETING_CREATED: Notification.Kind.INVITATION,
    Event.Kind.PARTICIPANT_ADDED: Notification.Kind.INVITATION,
    Event.Kind.MEETING_CHANGED: Notification.Kind.UPDATED,
    Event.Kind.MEETING_CANCELLED: Notification.Kind.CANCELLED,
    Event.Kind.MEETING_DELETED: Notification.Kind.CANCELLED,
    Event.Kind.PARTICIPANT_REMOVED: Notification.Kind.PARTICIPANT_REMOVED,
    Event.Kind.RSVP: Notification.Kind.RSVP,
}

ANSWERS = {"accepted": "accepted", "declined": "declined", "tentative": "may come to"}


def when(value: str | None, zone_name: str) -> str:
    """'Mon 2 Mar 2026, 10:00 (Europe/Paris)' for an ISO time, in the reader's zone."""
    if not value:
        return ""
    moment: datetime = parse_datetime(value)
    zone = zoneinfo.ZoneInfo(zone_name or "UTC")
    try:
        local = moment.astimezone(zone)
    except OverflowError:  # at the ends of the calendar, say it in UTC
        local, zone_name = moment.astimezone(zoneinfo.ZoneInfo("UTC")), "UTC"
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone_name})"


def event_message(event: Event, zone_name: str) -> str:
    p = event.payload
    title, start = p.get("title", "a meeting"), when(p.get("start_time"), zone_name)
    actor = p.get("actor_name") or "Someone"
    place = f" at {p['location']}" if p.get("location") else ""
    match event.kind:
        case Event.Kind.MEETING_CREATED | Event.Kind.PARTICIPANT_ADDED:
            return f"{actor} invited you to “{title}” on {start}{place}."
        case Event.Kind.MEETING_CHANGED if p.get("room_lost"):
            more = int(p.get("occurrences", "1")) - 1
            others = f" (and {more} later occurrences)" if more > 0 else ""
            return (
                f"“{title}” on {start}{others} is without {p['room_lost']}: "
                "the room was booked for another meeting. Choose another room."
            )
        case Event.Kind.MEETING_CHANGED:
            return f"“{title}” has changed: it is now on {start}{place}."
        case Event.Kind.MEETING_CANCELLED:
            reason = f" Reason: {p['reason']}" if p.get("reason") else ""
            return f"{actor} cancelled “{title}” on {start}.{reason}"
        case Event.Kind.MEETING_DELETED:
            return f"{actor} deleted “{title}” on {start}."
        case Event.Kind.PARTICIPANT_REMOVED:
            return f"{actor} removed you from “{title}” on {start}."
        case Event.Kind.RSVP:
            answer = ANSWERS.get(p.get("answer"), p.get("answer", "answered"))
            comment = f" “{p['comment']}”" if p.get("comment") else ""
            return f"{actor} {answer} “{title}” on {start}.{comment}"
    return f"News about “{title}”."


def reminder_message(*, title: str, start: datetime, location: str, zone_name: str) -> str:
    place = f" at {location}" if location else ""
    return f"Reminder: “{title}” starts on {when(start.isoformat(), zone_name)}{place}."
