"""Reading the change record in commit order.

A change's position is its transaction's id on PostgreSQL. Transactions commit out of the order
their ids were given, so a reader that took every visible change up to the highest position it
saw could step past a transaction still running with a lower id, and miss it for good. Readers
go instead up to the horizon: the oldest transaction still running (PostgreSQL's snapshot xmin).
Every change below it is committed or will never be; a change at or above it is read next time.
On SQLite one writer at a time commits in position order, and the horizon is one past the last.
"""

from django.db import connections
from django.db.models import Max

from .models import MeetingChange


def change_horizon(*, using: str = "default") -> int:
    """The position below which the change record is final: no transaction can still add a
    change there. Read changes with position >= (the last horizon) and < (this one)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            return cursor.fetchone()[0]
    last = MeetingChange.objects.using(using).aggregate(last=Max("position"))["last"]
    return (last or 0) + 1
