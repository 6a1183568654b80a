"""Cache invalidation on every save and delete of meetings and invitations.

Bulk writes (bulk_create, QuerySet.update) send no signals: the services that make them call
meetings.cache.flush_meetings themselves. Only invalidation lives here, no business rules.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import cache
from .models import Meeting, Participant, Room


def _is_full_save(instance, update_fields, field: str) -> bool:
    return instance.pk is not None and (update_fields is None or field in update_fields)


@receiver(pre_save, sender=Meeting, dispatch_uid="meetings.remember_organizer")
def remember_organizer(sender, instance, update_fields=None, **kwargs):
    # The admin can hand a meeting to someone else; the previous organizer's caches go too.
    instance._previous_people = ()
    if _is_full_save(instance, update_fields, "created_by"):
        instance._previous_people = tuple(
            Meeting.objects.filter(pk=instance.pk).values_list("created_by_id", flat=True)
        )


@receiver(post_save, sender=Meeting, dispatch_uid="meetings.flush_saved_meeting")
def flush_saved_meeting(sender, instance, **kwargs):
    cache.flush_meetings(
        meeting_ids=[instance.pk],
        user_ids=[instance.created_by_id, *getattr(instance, "_previous_people", ())],
    )


@receiver(post_delete, sender=Meeting, dispatch_uid="meetings.flush_deleted_meeting")
def flush_deleted_meeting(sender, instance, **kwargs):
    # Its invitations were deleted first, each with its own signal naming its person.
    cache.flush_meetings(user_ids=[instance.created_by_id])


@receiver(pre_save, sender=Participant, dispatch_uid="meetings.remember_invitation")
def remember_invitation(sender, instance, update_fields=None, **kwargs):
    instance._previous_people = ()
    instance._previous_meetings = ()
    if _is_full_save(instance, update_fields, "user"):
        before = Participant.objects.filter(pk=instance.pk).values_list("meeting_id", "user_id")
        for meeting_id, user_id in before:
            instance._previous_meetings, instance._previous_people = (meeting_id,), (user_id,)


@receiver(post_save, sender=Participant, dispatch_uid="meetings.flush_saved_invitation")
def flush_saved_invitation(sender, instance, **kwargs):
    cache.flush_meetings(
        meeting_ids=[instance.meeting_id, *getattr(instance, "_previous_meetings", ())],
        user_ids=[instance.user_id, *getattr(instance, "_previous_people", ())],
    )


@receiver(post_delete, sender=Participant, dispatch_uid="meetings.flush_deleted_invitation")
def flush_deleted_invitation(sender, instance, **kwargs):
    cache.flush_meetings(meeting_ids=[instance.meeting_id], user_ids=[instance.user_id])


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="meetings.remember_username")
def remember_username(sender, instance, update_fields=None, **kwargs):
    instance._username_changed = False
    if _is_full_save(instance, update_fields, "username"):
        before = sender.objects.filter(pk=instance.pk).values_list("username", flat=True).first()
        instance._username_changed = before is not None and before != instance.username


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="meetings.flush_renamed_user")
def flush_renamed_user(sender, instance, **kwargs):
    # Everyone who shares a meeting with them shows their username: rare enough to flush all.
    if getattr(instance, "_username_changed", False):
        cache.flush_everything()


@receiver(post_save, sender=Room, dispatch_uid="meetings.flush_changed_room")
def flush_changed_room(sender, instance, created=False, **kwargs):
    # Meetings show their room's name and place; rooms change rarely, so flush everything
    # rather than find everyone who ever booked this one.
    if not created:
        cache.flush_everything()
