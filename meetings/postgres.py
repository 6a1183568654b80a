"""PostgreSQL-only database pieces. SQLite, the embedded default, has no range types or trigrams."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db import models
from django.db.models import Q
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


def meeting_start_by_id_index() -> models.Index:
    """A meeting's start, found by its id without reading its row (migration 0010): the
    invitations' half of a list page (MeetingQuerySet.first_in_order) reads the start of each
    of the user's invited meetings to take the first ones, index-only, where the primary key
    sent every lookup to the table. PostgreSQL only, as above: SQLite has no INCLUDE."""
    return models.Index(fields=["id"], include=["start_time"], name="meeting_id_start")


ROOM_CONSTRAINT = "room_no_double_booking"


def room_exclusion_constraint() -> ExclusionConstraint:
    """No two meetings that are not cancelled hold one room at overlapping times.

    The database itself refuses a double booking, whatever wrote it (a race between two
    requests, a raw INSERT). Ranges are half-open, so back-to-back bookings are allowed.
    btree_gist lets the GiST index compare room_id with `=`. PostgreSQL only, like the
    indexes above: the services hold the same rule on SQLite.
    """
    return ExclusionConstraint(
        name=ROOM_CONSTRAINT,
        expressions=[
            ("room", RangeOperators.EQUAL),
            (TsTzRange("start_time", "end_time"), RangeOperators.OVERLAPS),
        ],
        condition=Q(room__isnull=False) & ~Q(status="cancelled"),
        violation_error_message="This room is already booked at that time.",
    )
