from datetime import timedelta

import pytest

from notifications.models import Notification
from notifications.services import notifications_delete_old
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_old_notifications_are_cleaned_up(now):
    keep_recent_read = NotificationFactory(read_at=now)
    keep_old_unread = NotificationFactory()
    gone_old_read = NotificationFactory(read_at=now)
    gone_ancient = NotificationFactory()
    Notification.objects.filter(pk=keep_old_unread.pk).update(created_at=now - timedelta(days=200))
    Notification.objects.filter(pk=gone_old_read.pk).update(created_at=now - timedelta(days=100))
    Notification.objects.filter(pk=gone_ancient.pk).update(created_at=now - timedelta(days=400))

    assert notifications_delete_old(now=now) == 2

    assert set(Notification.objects.values_list("pk", flat=True)) == {
        keep_recent_read.pk,
        keep_old_unread.pk,
    }
