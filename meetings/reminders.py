"""Reminders before meetings: run every minute by beat; each one sent once per start time."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import User
from notifications import emails
from notifications.messages import reminder_message
from notifications.models import Notification

from .models import Meeting, Participant, meeting_place

REMINDER_MINUTES = [minutes for minutes, _ in User.REMINDER_CHOICES if minutes > 0]


def reminders_send_due(*, now: datetime) -> int:
    """Remind every participant whose meeting starts within their reminder time.

    Skips cancelled meetings, declined invitations, meetings already started and people
    already reminded of this start time. A meeting that moves is reminded of again. One query
    per reminder setting, whatever the number of meetings.
    """
    with transaction.atomic():
        created = sum(_remind(now=now, minutes=minutes) for minutes in REMINDER_MINUTES)
    sent_recently = Notification.objects.filter(
        kind=Notification.Kind.REMINDER, created_at__gte=now - timedelta(hours=1)
    )
    emails.send_pending_emails(sent_recently)
    return created


def _remind(*, now: datetime, minutes: int) -> int:
    already = Notification.objects.filter(
        kind=Notification.Kind.REMINDER,
        meeting_id=OuterRef("meeting_id"),
        recipient_id=OuterRef("user_id"),
        about_start=OuterRef("meeting__start_time"),
    )
    due = (
        Participant.objects.filter(
            user__reminder_minutes=minutes,
            user__is_active=True,
            meeting__status=Meeting.Status.SCHEDULED,
            meeting__start_time__gt=now,
            meeting__start_time__lte=now + timedelta(minutes=minutes),
        )
        .exclude(status=Participant.Status.DECLINED)
        .exclude(Exists(already))
        .order_by()
        .values_list(
            "meeting_id",
            "user_id",
            "user__timezone",
            "meeting__title",
            "meeting__start_time",
            "meeting__location",
            "meeting__room__name",  # the room: one LEFT JOIN in the same query
            "meeting__room__location",
        )
    )
    rows = [
        Notification(
            recipient_id=user_id,
            meeting_id=meeting_id,
            kind=Notification.Kind.REMINDER,
            message=reminder_message(
                title=title,
                start=start,
                location=meeting_place(
                    room_name=room, room_location=room_location, location=location
                ),
                zone_name=zone,
            ),
            about_start=start,
        )
        for meeting_id, user_id, zone, title, start, location, room, room_location in due
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
