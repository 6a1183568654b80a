from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User

from .models import Notification


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its meeting's id and title while the
    user can still see the meeting (`meeting_visible`): someone removed from a meeting keeps
    the message, not a window on the meeting as it is now."""
    from meetings.models import Participant

    notifications = Notification.objects.for_recipient(user)
    if unread_only:
        notifications = notifications.unread()
    invited = Participant.objects.filter(meeting_id=OuterRef("meeting_id"), user=user)
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
        .annotate(meeting_visible=Q(meeting__created_by=user) | Exists(invited))
        .order_by("-created_at", "-id")
    )
