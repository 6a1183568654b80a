from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Meeting


@transaction.atomic
def meeting_bulk_cancel(*, meetings: QuerySet[Meeting]) -> int:
    """Cancel the scheduled meetings among `meetings` with one UPDATE; returns how many changed."""
    return meetings.filter(status=Meeting.Status.SCHEDULED).update(
        status=Meeting.Status.CANCELLED, updated_at=timezone.now()
    )
