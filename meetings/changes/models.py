"""The record of every change to meetings and their participants, written by database triggers
(triggers.py) in the transaction that made the change, so that no write path can leave it out:
the ORM, bulk updates, the admin, tasks, raw SQL and COPY alike.

`position` orders changes as their transactions committed, for readers that take changes in
order (sync, webhooks): on PostgreSQL it is the writing transaction's id, on SQLite (one writer
at a time) a counter. selectors.change_horizon() says up to where a reader may safely go.
"""

from django.db import models
from django.db.models import Q


class Subject(models.TextChoices):
    MEETING = "meeting", "Meeting"
    PARTICIPANT = "participant", "Participant"


class Change(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class MeetingChange(models.Model):
    """One row of the audit trail: a meeting or one of its participants created, changed or
    deleted, with the row before and after. Append-only: nothing updates or deletes these.

    Plain ids, not foreign keys: the history of a deleted meeting or user stays."""

    position = models.BigIntegerField()
    meeting_id = models.BigIntegerField()
    series_id = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=16, choices=Subject.choices)
    action = models.CharField(max_length=8, choices=Change.choices)
    user_id = models.BigIntegerField(null=True, blank=True, help_text="The participant's user.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # Who could see the meeting once the change was made (and a removed participant): whom a
    # webhook may tell.
    audience = models.JSONField(default=list)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=200, blank=True, help_text="A username or a task.")
    source = models.CharField(max_length=16, help_text="api, admin, task or system.")
    at = models.DateTimeField()

    class Meta:
        ordering = ("position", "id")
        indexes = [
            models.Index(fields=["meeting_id", "id"], name="meetingchange_meeting"),
            models.Index(fields=["position", "id"], name="meetingchange_position"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.action} ({self.meeting_id})"


class SyncState(models.Model):
    """What each person last had happen to each meeting they can (or could) see: one row per
    person and meeting, moved forward by every change, so that "what changed for me since
    position p" reads only that person's changed rows, never their meetings or anyone else's
    changes. A `deleted` row is a tombstone, kept for SYNC_RETENTION_DAYS."""

    user_id = models.BigIntegerField()
    meeting_id = models.BigIntegerField()
    position = models.BigIntegerField()
    change = models.CharField(max_length=8, choices=Change.choices)
    # The position at which the meeting last became visible to the person: a reader whose
    # token is older sees it `created`, however often it changed since.
    appeared = models.BigIntegerField()
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "meeting_id"], name="syncstate_once"),
        ]
        indexes = [
            models.Index(fields=["user_id", "position", "meeting_id"], name="syncstate_user"),
            models.Index(
                fields=["changed_at"], condition=Q(change="deleted"), name="syncstate_tombstones"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.change} for {self.user_id}"
