import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_unread_for_recipient_is_newest_first_and_skips_read_and_others():
    # given
    mine_old, mine_new = NotificationFactory.create_batch(2)
    mine_new.recipient = mine_old.recipient
    mine_new.save()
    NotificationFactory(recipient=mine_old.recipient, read_at=timezone.now())
    NotificationFactory()  # somebody else's
    # when
    unread = Notification.objects.for_recipient(mine_old.recipient).unread()
    # then
    assert list(unread) == [mine_new, mine_old]


def test_a_notification_is_read_once_it_has_a_read_time():
    notification = NotificationFactory.build()
    assert not notification.is_read

    notification.read_at = timezone.now()

    assert notification.is_read
