import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.tests.factories import NotificationFactory
from scheduler.testing import assert_fixed_queries

pytestmark = pytest.mark.django_db

NOTIFICATIONS = reverse("admin:notifications_notification_changelist")


@pytest.mark.parametrize(
    ("url_for", "expected"),
    [
        (lambda data: NOTIFICATIONS, 5),
        (lambda data: NOTIFICATIONS + "?read=no&kind__exact=invitation&q=Invitation", 5),
        (
            lambda data: reverse(
                "admin:notifications_notification_change",
                args=[Notification.objects.latest("id").pk],
            ),
            5,
        ),
        (lambda data: reverse("admin:notifications_notification_add"), 2),
    ],
)
def test_notification_admin_pages_run_a_fixed_number_of_queries(
    admin_client, admin_dataset, url_for, expected
):
    assert_fixed_queries(admin_client, admin_dataset, url_for, expected)


@pytest.mark.parametrize(("choice", "expect_read"), [("no", False), ("yes", True)])
def test_read_filter_splits_read_from_unread(admin_client, choice, expect_read):
    read = NotificationFactory(read_at=timezone.now())
    unread = NotificationFactory()

    response = admin_client.get(NOTIFICATIONS + f"?read={choice}")

    shown = list(response.context["cl"].result_list)
    assert shown == ([read] if expect_read else [unread])
