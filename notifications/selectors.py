from typing import Any, Protocol, cast

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User

from .models import Notification, meeting_model


class _MeetingsSeenBy(Protocol):
    """What this module asks of meetings.models.MeetingQuerySet, which notifications may not
    import (meetings sits above it): the one filter it calls."""

    def seen_by(self, user: User) -> QuerySet[Any]: ...


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its meeting's id and title while the
    user can still see the meeting (`meeting_visible`): someone removed from a meeting keeps
    the message, not a window on the meeting as it is now."""
    notifications = Notification.objects.for_recipient(user)
    if unread_only:
        notifications = notifications.unread()
    # Meeting's default manager is Meeting.objects, whose QuerySet is a MeetingQuerySet; typed
    # through meeting_model() it is only a QuerySet of some Model, hence the cast.
    meeting = cast(
        _MeetingsSeenBy, meeting_model()._default_manager.filter(pk=OuterRef("meeting_id"))
    )
    return (
        notifications.select_related("meeting")
        .only(
            "id",
            "kind",
            "message",
            "created_at",
            "read_at",
            "meeting__id",
            "meeting__title",
            "meeting__created_by_id",
        )
        .annotate(meeting_visible=Exists(meeting.seen_by(user)))
        .order_by("-created_at", "-id")
    )
