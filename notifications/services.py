from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Event, Notification


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


def notifications_delete_old(
    *,
    now: datetime,
    read_after: timedelta = timedelta(days=90),
    any_after: timedelta = timedelta(days=365),
) -> int:
    """Housekeeping: read notifications after 90 days, any after a year, delivered events after
    30 days. Returns how many notifications went."""
    read = Notification.objects.filter(read_at__isnull=False, created_at__lt=now - read_after)
    old = Notification.objects.filter(created_at__lt=now - any_after)
    deleted = read.delete()[0] + old.delete()[0]
    Event.objects.filter(delivered_at__lt=now - timedelta(days=30)).delete()
    return deleted
