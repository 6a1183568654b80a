import uuid
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import User


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)

    def for_recipient(self, user: User) -> Self:
        return self.filter(recipient=user)


class Event(models.Model):
    """Something people must hear about, written in the transaction that made it happen.

    The transactional outbox: a task delivers each event after the commit, and a periodic sweep
    delivers any that a broker outage or a lost worker left behind. The recipients and what to
    tell them are fixed when the event happens, so a later change cannot alter the message.
    """

    class Kind(models.TextChoices):
        MEETING_CREATED = "meeting_created", "Meeting created"
        MEETING_CHANGED = "meeting_changed", "Time or place changed"
        MEETING_CANCELLED = "meeting_cancelled", "Meeting cancelled"
        MEETING_DELETED = "meeting_deleted", "Meeting deleted"
        PARTICIPANT_ADDED = "participant_added", "Participant added"
        PARTICIPANT_REMOVED = "participant_removed", "Participant removed"
        RSVP = "rsvp", "Answer"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Plain ids, not foreign keys: a deleted meeting's event must still be delivered.
    meeting_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    recipient_ids = models.JSONField(default=list)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("created_at",)
        indexes = [
            # The sweep's "still to deliver, oldest first": only pending rows, so it stays
            # small however many events were ever delivered.
            models.Index(
                fields=["created_at"],
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
                name="event_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.id})"


class Notification(models.Model):
    """An in-app message about a meeting, shown to its recipient until read."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        UPDATED = "updated", "Meeting changed"
        CANCELLED = "cancelled", "Meeting cancelled"
        PARTICIPANT_ADDED = "participant_added", "Participant added"
        PARTICIPANT_REMOVED = "participant_removed", "Participant removed"
        RSVP = "rsvp", "Answer received"
        REMINDER = "reminder", "Reminder"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_recipient_created starts with recipient
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What made it, so that delivering twice makes it once: an event, or for a reminder the
    # start time it reminds of (a meeting that moves is reminded of again).
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    about_start = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["meeting", "recipient", "about_start"],
                condition=Q(kind="reminder"),
                name="notification_one_reminder",
            ),
        ]
        indexes = [
            # Everybody's newest first (the admin list) and the clean-up of old notifications:
            # without it the admin joins and sorts the whole table for 50 rows.
            models.Index(fields=["-created_at", "-id"], name="notification_created"),
            # "My notifications, newest first".
            models.Index(
                fields=["recipient", "-created_at"], name="notification_recipient_created"
            ),
            # "My unread notifications, newest first": a partial index holds only unread rows,
            # so it stays small however many notifications have been read.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def meeting_model() -> type[models.Model]:
    """The model behind Notification.meeting (meetings.Meeting).

    meetings sits above notifications (its services record the events that notifications
    delivers), so notifications imports nothing from meetings: it knows a meeting only as the
    target of a foreign key declared by string, the way reusable apps reach the user model.
    Code here that needs the model itself reaches it through this one door, not an import.
    """
    return Notification._meta.get_field("meeting").related_model
