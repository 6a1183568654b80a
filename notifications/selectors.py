from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User

from .models import Notification, meeting_model


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its meeting's id and title while the
    user can still see the meeting (`meeting_visible`): someone removed from a meeting keeps
    the message, not a window on the meeting as it is now."""
    notifications = Notification.objects.for_recipient(user)
    if unread_only:
        notifications = notifications.unread()
    meeting = meeting_model().objects.filter(pk=OuterRef("meeting_id"))
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
