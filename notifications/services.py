from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Notification


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read; reading it again keeps the first read time."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read with one UPDATE; returns how many."""
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())
