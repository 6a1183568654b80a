"""meetings.copy_loader: COPY on PostgreSQL, bulk_create elsewhere, the same results on both;
on PostgreSQL a COPY is a statement like any other (the execute wrappers, the query log)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from meetings.copy_loader import BLOCK, CHUNK, _texts, insert_objects, load_rows
from meetings.models import Meeting, Participant
from scheduler.audit import without_context

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 30, 9, tzinfo=UTC)


def meeting_rows(count: int, *, title: str = "Row") -> list[dict]:
    return [
        {
            "title": f"{title} {n}",
            "start_time": START + timedelta(hours=n),
            "end_time": START + timedelta(hours=n, minutes=30),
        }
        for n in range(count)
    ]


def verbs(queries) -> list[str]:
    return [without_context(q["sql"]).split(" ", 1)[0] for q in queries.captured_queries]


def test_insert_objects_returns_the_rows_as_stored_with_their_ids_in_order(
    django_assert_num_queries,
):
    # given
    organizer = User.objects.create(username="organizer")
    rows = meeting_rows(3)
    # when
    meetings = insert_objects(Meeting, rows, same={"created_by_id": organizer.pk})
    # then
    stored = Meeting.objects.in_bulk([m.pk for m in meetings])
    assert [stored[m.pk].title for m in meetings] == ["Row 0", "Row 1", "Row 2"]
    for meeting in meetings:
        assert not meeting._state.adding
        as_stored = stored[meeting.pk]
        for field in Meeting._meta.concrete_fields:
            assert getattr(meeting, field.attname) == getattr(as_stored, field.attname), field
    with django_assert_num_queries(0):  # every field set: nothing deferred, nothing to load
        assert [(m.status, m.exception_fields, m.series_id) for m in meetings] == [
            ("scheduled", "", None)
        ] * 3


def test_load_rows_is_one_statement_and_the_rows_get_their_ids(django_assert_num_queries):
    # given
    organizer = User.objects.create(username="organizer")
    guests = [User.objects.create(username=f"guest{n}") for n in range(3)]
    meeting = Meeting.objects.create(
        title="t", start_time=START, end_time=START + timedelta(hours=1), created_by=organizer
    )
    # when
    with django_assert_num_queries(1) as queries:
        load_rows(Participant, [{"meeting_id": meeting.pk, "user_id": g.pk} for g in guests])
    # then: COPY on PostgreSQL, logged like any statement, with who acts in front of it
    assert verbs(queries) == ["COPY" if connection.vendor == "postgresql" else "INSERT"]
    stored = Participant.objects.filter(meeting=meeting).order_by("pk")
    assert [(p.user_id, p.status) for p in stored] == [(g.pk, "needs_action") for g in guests]


def test_rows_over_several_blocks_and_chunks_stream_through_in_order():
    # given: more rows than a block, more text than a chunk, awkward text in a late block
    organizer = User.objects.create(username="organizer")
    rows = meeting_rows(BLOCK + 200, title="x" * 190)
    rows[BLOCK + 7]["title"] = "tab\there, line\nbreak, back\\slash \\N"
    assert sum(len(row["title"]) for row in rows) > 2 * CHUNK
    # when
    meetings = insert_objects(Meeting, rows, same={"created_by_id": organizer.pk})
    # then
    stored = Meeting.objects.in_bulk([m.pk for m in meetings])
    assert [m.title for m in meetings] == [row["title"] for row in rows]
    assert [stored[m.pk].title for m in meetings] == [row["title"] for row in rows]
    assert [stored[m.pk].start_time for m in meetings] == [row["start_time"] for row in rows]


def test_a_text_column_is_escaped_whole_or_value_by_value():
    assert _texts(["plain", "also plain"]) == ["plain", "also plain"]
    assert _texts(["a\tb", "c\\d", "e\r\nf"]) == ["a\\tb", "c\\\\d", "e\\r\\nf"]
    assert _texts(["a\tb", None, Meeting.Status.SCHEDULED]) == ["a\\tb", r"\N", "scheduled"]
    # a NUL inside a value would split the column wrongly: that value is left for PostgreSQL
    # to refuse, the others escaped one by one
    assert _texts(["a\x00b", "c\td"]) == ["a\x00b", "c\\td"]


def test_the_copy_goes_through_the_connections_execute_wrappers():
    # given: a wrapper such as the request's cost counter or the audit's
    organizer = User.objects.create(username="organizer")
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(without_context(sql).split(" ", 1)[0])
        return execute(sql, params, many, context)

    # when
    with connection.execute_wrapper(spy):
        insert_objects(Meeting, meeting_rows(2), same={"created_by_id": organizer.pk})
    # then
    if connection.vendor == "postgresql":
        assert seen == ["WITH", "COPY"]  # the ids reserved, then the rows
    else:
        assert seen == ["INSERT"]


@pytest.mark.postgres
def test_a_refused_copy_is_djangos_integrity_error_and_leaves_nothing():
    # given: the last row breaks the CHECK constraint on the times
    organizer = User.objects.create(username="organizer")
    rows = meeting_rows(3)
    rows[2]["end_time"] = rows[2]["start_time"]
    # when / then: psycopg2's error as Django's, so that callers catch it as any other write's
    with pytest.raises(IntegrityError, match="meeting_end_after_start"), transaction.atomic():
        insert_objects(Meeting, rows, same={"created_by_id": organizer.pk})
    assert not Meeting.objects.exists()
