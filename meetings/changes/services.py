"""Keeping the change record's sync state small."""

from datetime import datetime, timedelta

from django.conf import settings

from .models import Change, SyncState

# A token is refused after SYNC_RETENTION_DAYS; its tombstones are kept a day longer, for the
# changes of a transaction that ran across the moment the token was given.
GRACE = timedelta(days=1)


def sync_tombstones_delete(*, now: datetime) -> int:
    """Delete what sync keeps of meetings people can no longer see, once no token still in use
    can ask for it. The state of meetings people still see is kept: it is one row each."""
    cutoff = now - timedelta(days=settings.SYNC_RETENTION_DAYS) - GRACE
    deleted, _ = SyncState.objects.filter(change=Change.DELETED, changed_at__lt=cutoff).delete()
    return deleted
