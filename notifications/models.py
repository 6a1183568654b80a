from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_recipient(self, user):
        return self.filter(recipient=user)


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

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
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
