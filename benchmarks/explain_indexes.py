"""EXPLAIN ANALYZE of the queries the indexes were chosen for, on the seeded PostgreSQL data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
        .venv/bin/python -m benchmarks.explain_indexes [--runs 7] [--plans]

Prints one markdown table row per query: the index the plan uses, the rows it returns and the
median execution time of several runs (after one warm-up, so the pages are cached). The overlap
query is measured at an early, a middle and a late date, with the GiST range index and, inside a
rolled-back transaction, with the plain btree on (start_time, end_time) that it replaces.
Read-only: every change is rolled back.
"""

import argparse
import os
import re
import statistics
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from meetings.booking import Booking, _clashes  # noqa: E402
from meetings.models import Meeting, Participant, Room  # noqa: E402
from meetings.people_conflicts import meeting_conflicts  # noqa: E402
from meetings.selectors import meeting_list, room_upcoming_bookings  # noqa: E402
from notifications.models import Notification  # noqa: E402

BTREE_OVERLAP = (
    'SELECT "id", "title", "start_time", "end_time" FROM "meetings_meeting" '
    'WHERE "start_time" < %s AND "end_time" > %s ORDER BY "start_time", "id"'
)


def explain(sql: str, params, runs: int) -> tuple[float, str]:
    """Median execution time in ms of EXPLAIN ANALYZE, and the last plan."""
    times, plan = [], ""
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            times.append(float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)))
    return statistics.median(times[1:]), plan


def summary(plan: str) -> tuple[str, str]:
    indexes = sorted(
        set(
            re.findall(
                r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?"
                r"(?:using|on) (\w+)",
                plan,
            )
        )
    )
    seq = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
    used = ", ".join([*indexes, *(f"seq scan {t}" for t in seq)]) or "-"
    rows = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+)", plan)
    return used, rows.group(1) if rows else "?"


def row(label: str, queryset_or_sql, params=None, *, runs: int, show: bool) -> None:
    if params is None:
        sql, params = queryset_or_sql.query.sql_with_params()
    else:
        sql = queryset_or_sql
    ms, plan = explain(sql, params, runs)
    used, rows = summary(plan)
    print(f"| {label} | {used} | {rows} | {ms:.2f} |", flush=True)
    if show:
        print("\n```\n" + plan + "\n```\n")


def office_hours(moment):
    """10:00 UTC on the nearest weekday at or before `moment`, when meetings happen."""
    while moment.weekday() >= 5:
        moment -= timedelta(days=1)
    return moment.replace(hour=10, minute=0, second=0, microsecond=0)


def busiest(model, field: str) -> int:
    top = model.objects.values(field).order_by().annotate(n=Count("id")).order_by("-n")
    return top.values_list(field, flat=True).first()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a seeded PostgreSQL database.")
    runs, show = args.runs, args.plans

    span = Meeting.objects.aggregate(first=Min("start_time"), last=Max("start_time"))
    total = Meeting.objects.count()
    print(
        f"{total:,} meetings, {Participant.objects.count():,} participants, "
        f"from {span['first']:%Y-%m-%d} to {span['last']:%Y-%m-%d}\n"
    )
    length = span["last"] - span["first"]
    dates = {
        name: office_hours(span["first"] + length * fraction)
        for name, fraction in (("early", 0.02), ("middle", 0.5), ("late", 0.98))
    }
    print("| query | index used | rows | median ms |")
    print("| --- | --- | --- | --- |")
    for window_name, window in (("1 hour", timedelta(hours=1)), ("1 day", timedelta(days=1))):
        for when, start in dates.items():
            end = start + window
            row(
                f"overlap {window_name}, {when}: GiST `&&`",
                Meeting.objects.overlapping(start, end).only(
                    "id", "title", "start_time", "end_time"
                ),
                runs=runs,
                show=show,
            )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX meeting_span_gist")
            cursor.execute(
                'CREATE INDEX meeting_start_end ON "meetings_meeting" ("start_time", "end_time")'
            )
            cursor.execute('ANALYZE "meetings_meeting"')
        for window_name, window in (("1 hour", timedelta(hours=1)), ("1 day", timedelta(days=1))):
            for when, start in dates.items():
                row(
                    f"overlap {window_name}, {when}: btree (start_time, end_time)",
                    BTREE_OVERLAP,
                    [start + window, start],
                    runs=runs,
                    show=show,
                )
        transaction.set_rollback(True)

    organizer = busiest(Meeting, "created_by")
    row(
        "organizer's next 50 meetings",
        Meeting.objects.organized_by(organizer)
        .filter(start_time__gte=dates["middle"])
        .order_by("start_time", "id")[:50],
        runs=runs,
        show=show,
    )
    invitee = busiest(Participant, "user")
    row(
        "meetings I accepted, next 50",
        Meeting.objects.filter(
            participants__user=invitee,
            participants__status="accepted",
            start_time__gte=dates["middle"],
        ).order_by("start_time", "id")[:50],
        runs=runs,
        show=show,
    )
    row(
        "a participant's invitations by status",
        Participant.objects.filter(user=invitee, status="needs_action").values("meeting_id"),
        runs=runs,
        show=show,
    )
    meeting = Participant.objects.order_by("-id").values_list("meeting_id", flat=True).first()
    row(
        "a meeting's accepted participants",
        Participant.objects.filter(meeting=meeting, status="accepted").order_by().values("user_id"),
        runs=runs,
        show=show,
    )
    recipient = busiest(Notification, "recipient")
    row(
        "my unread notifications, newest 20",
        Notification.objects.for_recipient(recipient).unread()[:20],
        runs=runs,
        show=show,
    )
    row(
        "title search 'budget', newest 50 (admin)",
        Meeting.objects.filter(title__icontains="budget").order_by("-start_time", "-id")[:50],
        runs=runs,
        show=show,
    )
    row(
        "title search 'zzz' (no match), newest 50 (admin)",
        Meeting.objects.filter(title__icontains="zzz").order_by("-start_time", "-id")[:50],
        runs=runs,
        show=show,
    )
    _rooms_and_conflicts(dates["middle"], runs=runs, show=show)
    row(
        "meeting list page 1 in time order (keyset)",
        Meeting.objects.filter(start_time__gte=dates["middle"]).order_by("start_time", "id")[:50],
        runs=runs,
        show=show,
    )


def _rooms_and_conflicts(middle, *, runs: int, show: bool) -> None:
    booked = Meeting.objects.filter(room__isnull=False).values("room").order_by()
    room = booked.annotate(n=Count("id")).order_by("-n").values_list("room", flat=True).first()
    if room is None:
        print("| (no room is booked: reseed with seed_demo to measure the room queries) | | | |")
        return
    booking = Booking(room_id=room, start_time=middle, end_time=middle + timedelta(hours=1))
    row("room booking check, 1 hour", _clashes([booking]).values("id"), runs=runs, show=show)
    with CaptureQueriesContext(connection) as captured:
        room_upcoming_bookings(room=Room(pk=room), now=middle, limit=20)
    row("a room's next 20 bookings (admin)", captured[0]["sql"], [], runs=runs, show=show)
    hour = (middle, middle + timedelta(hours=1))
    organizer = Meeting.objects.overlapping(*hour).first().created_by
    meeting = meeting_list(user=organizer).overlapping(*hour).first()  # with its people loaded
    with CaptureQueriesContext(connection) as captured:
        meeting_conflicts(meeting=meeting)
    row(
        f"conflicts of a meeting's {1 + len(meeting.participants.all())} people",
        captured[0]["sql"],
        [],
        runs=runs,
        show=show,
    )


if __name__ == "__main__":
    main()
