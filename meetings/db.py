"""PostgreSQL-only database pieces. SQLite, the embedded default, has no range types or trigrams."""

from django.contrib.postgres.fields import DateTimeRangeField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db import models
from django.db.models.functions import Cast, Upper


class TsTzRange(models.Func):
    """tstzrange(start, end): the half-open [start, end) range of a meeting."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def meeting_postgres_indexes() -> list[models.Index]:
    """Indexes that exist on PostgreSQL only.

    They stay out of Meeting.Meta.indexes on purpose: SQLite rebuilds a table from the model
    state on many schema changes and would try to create them. Migration 0002 adds them.
    """
    return [
        # Overlap of [start_time, end_time) with a window, fast at any date: `&&` on a GiST
        # range index, where a btree must walk every meeting that starts before the window ends.
        GistIndex(TsTzRange("start_time", "end_time"), name="meeting_span_gist"),
        # Title search: icontains compiles to UPPER(title::text) LIKE UPPER('%...%').
        GinIndex(
            OpClass(Upper(Cast("title", models.TextField())), name="gin_trgm_ops"),
            name="meeting_title_trgm",
        ),
    ]
