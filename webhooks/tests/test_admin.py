import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from webhooks.models import Delivery

from .factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def grow(size: int) -> None:
    subscription = SubscriptionFactory()
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            sequence=n,
            event_type="meeting.created",
            change_position=n,
            payload={},
        )  # fmt: skip
        for n in range(1, size + 1)
    )


@pytest.mark.parametrize("url", ["/admin/webhooks/subscription/", "/admin/webhooks/delivery/"])
def test_admin_lists_cost_the_same_at_any_size(staff, url):
    counts = []
    for size in (3, 30):
        grow(size)
        staff.get(url)
        with CaptureQueriesContext(connection) as queries:
            answer = staff.get(url)
        assert answer.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_secret_is_not_on_the_admin_page(staff):
    # given
    subscription = SubscriptionFactory()
    # when
    page = staff.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    # then
    assert page.status_code == 200
    assert subscription.secret.encode() not in page.content


def test_staff_switch_a_webhook_off_through_the_service(staff):
    # given
    subscription = SubscriptionFactory()
    # when
    answer = staff.post(
        f"/admin/webhooks/subscription/{subscription.pk}/change/", {"is_active": ""}
    )
    # then
    assert answer.status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_reason == "Turned off by staff (root)."
