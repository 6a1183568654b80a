"""WEBHOOKS_PER_USER holds when a person's last free places are asked for at the same moment."""

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from testsupport.concurrency import N, at_once
from webhooks.models import Subscription
from webhooks.services import subscription_create

from .factories import SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_creates_never_pass_the_limit(settings):
    settings.WEBHOOKS_PER_USER = 5
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    owner = UserFactory()
    SubscriptionFactory.create_batch(3, owner=owner)

    def create(i):
        try:
            subscription_create(
                owner=owner, url=f"http://127.0.0.1:9/hook-{i}", events=["meeting.created"]
            )
        except ValidationError:
            return "refused"
        return "made"

    outcomes = at_once(create)

    assert sorted(outcomes) == ["made"] * 2 + ["refused"] * (N - 2)
    assert Subscription.objects.filter(owner=owner).count() == 5
