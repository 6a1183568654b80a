"""Webhook subscriptions and their deliveries.

A subscription is fed from the change record (meetings.changes): the dispatcher turns each
change its owner could see into one Delivery with the subscription's next sequence number, and
the deliverer sends each subscription's deliveries in sequence order, one at a time.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class EventType(models.TextChoices):
    MEETING_CREATED = "meeting.created", "Meeting created"
    MEETING_UPDATED = "meeting.updated", "Meeting updated (fields or participants)"
    MEETING_CANCELLED = "meeting.cancelled", "Meeting cancelled"
    MEETING_DELETED = "meeting.deleted", "Meeting deleted"
    MEETING_RSVP = "meeting.rsvp", "A participant answered"


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Subscription(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        db_index=False,  # webhooksubscription_owner starts with owner
    )
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    # whsec_<base64>: never logged, cached or shown after the answer that made it.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Changes at or past this position are its business: those before it were final before
    # the subscription existed.
    start_position = models.BigIntegerField(default=0)
    next_sequence = models.BigIntegerField(default=1)
    # One deliverer at a time: a short lease instead of a row lock held over the HTTP call
    # (a transaction held open that long would hold back the change horizon too).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "id"], name="webhooksubscription_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner_id})"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # both indexes below start with it
    )
    sequence = models.BigIntegerField()
    webhook_id = models.CharField(max_length=40, default=new_webhook_id, unique=True)
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    change_position = models.BigIntegerField()
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "sequence"], name="webhookdelivery_sequence_once"
            ),
        ]
        indexes = [
            # "The next pending delivery of subscription S" (the head of its line), and the
            # sweep's "subscriptions with a delivery due": only pending rows.
            models.Index(
                fields=["subscription", "sequence"],
                condition=Q(status="pending"),
                name="webhookdelivery_pending",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due",
            ),
            # The log, newest first (the unique constraint serves it in reverse order too;
            # this one is for the id keyset).
            models.Index(fields=["subscription", "-id"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.sequence} ({self.status})"


class DispatchCursor(models.Model):
    """Where the dispatcher has read the change record up to: every change before
    (position, last_id) has been turned into deliveries. One row, locked by the dispatcher."""

    position = models.BigIntegerField()
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"changes read to ({self.position}, {self.last_id})"
