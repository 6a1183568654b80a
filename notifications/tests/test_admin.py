import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Event, Notification
from notifications.tests.factories import NotificationFactory
from testsupport.admin_datasets import assert_fixed_queries

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


EVENTS = reverse("admin:notifications_event_changelist")


@pytest.mark.parametrize(
    "url", [EVENTS, EVENTS + "?delivery=pending", EVENTS + "?delivery=failed&kind__exact=rsvp"]
)
def test_the_outbox_list_runs_a_fixed_number_of_queries(admin_client, url):
    counts = []
    for size in (1, 60):
        Event.objects.bulk_create(
            Event(kind="rsvp", recipient_ids=[1]) for _ in range(size - Event.objects.count())
        )
        admin_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5


def test_staff_deliver_a_failed_event_again(admin_client, django_capture_on_commit_callbacks):
    guest = UserFactory()
    event = Event.objects.create(
        kind="rsvp", recipient_ids=[guest.pk], attempts=11, failed_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(EVENTS, {"action": "deliver_again", "_selected_action": [event.pk]})

    event.refresh_from_db()
    assert event.delivered_at is not None
    assert Notification.objects.filter(recipient=guest, event=event).count() == 1
