"""Notifications' panel on the staff Performance page (scheduler.performance): the outbox."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import Event


def outbox_figures() -> dict:
    figures = Event.objects.aggregate(
        pending=Count("pk", filter=Q(delivered_at__isnull=True, failed_at__isnull=True)),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
        oldest=Min("created_at", filter=Q(delivered_at__isnull=True, failed_at__isnull=True)),
    )
    oldest = figures["oldest"]
    figures["oldest_age"] = timezone.now() - oldest if oldest else None
    return figures
