"""Reads: a person's subscriptions and their delivery logs."""

from django.db.models import QuerySet

from accounts.models import User

from .models import Delivery, Subscription

SUBSCRIPTION_FIELDS = (
    "id",
    "owner_id",
    "url",
    "events",
    "is_active",
    "disabled_at",
    "disabled_reason",
    "next_sequence",
    "created_at",
)
LOG_FIELDS = (
    "id",
    "subscription_id",
    "sequence",
    "webhook_id",
    "event_type",
    "status",
    "attempts",
    "next_attempt_at",
    "last_attempt_at",
    "response_code",
    "duration_ms",
    "error",
    "created_at",
    "delivered_at",
)


def subscription_list(*, user: User) -> QuerySet[Subscription]:
    """The user's own subscriptions, without their secrets."""
    return Subscription.objects.filter(owner=user).only(*SUBSCRIPTION_FIELDS).order_by("id")


def subscription_with_secret(*, user: User) -> QuerySet[Subscription]:
    """For the writes that change a subscription (and may show its new secret)."""
    return Subscription.objects.filter(owner=user)


def delivery_list(*, user: User, subscription_id: int) -> QuerySet[Delivery]:
    """One of the user's subscriptions' deliveries (a stranger's: none), payloads included."""
    return Delivery.objects.filter(subscription_id=subscription_id, subscription__owner=user).only(
        *LOG_FIELDS, "payload"
    )
