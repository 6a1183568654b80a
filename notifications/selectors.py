from django.db.models import QuerySet

from accounts.models import User

from .models import Notification


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its meeting's id and title."""
    notifications = Notification.objects.for_recipient(user)
    if unread_only:
        notifications = notifications.unread()
    return (
        notifications.select_related("meeting")
        .only("id", "kind", "message", "created_at", "read_at", "meeting__id", "meeting__title")
        .order_by("-created_at", "-id")
    )
