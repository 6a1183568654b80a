"""Issue 19, target 4: the bulk create at least 80% of COPY's speed, for the same 10,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.bulk_create [--rounds 5] [--rows 10000] [--json out.json]

The same rows (no invitees; every 16th books a room, as about 6% of seed_demo's meetings do,
at times ahead of the seeded data so that the rooms are free) written five ways, each in a
transaction rolled back, in rounds whose order rotates, so that each way meets the table as
often in each state:
- copy: the floor. A bare COPY of the rows into meetings_meeting from a buffer made before
  the clock starts (psycopg2's copy_expert), with the table's indexes, exclusion constraint
  and change-record triggers, as every way has them.
- service: meeting_bulk_create(), everything it does: checks, room locks (the clash check is
  the constraint's, inside the COPY), the returned instances, cache flush and events (none:
  no invitees).
- api: the whole request, POST /api/meetings/bulk/ through Django's test client (in process,
  no HTTP server): middleware, token, JSON parsing, the serializer, the service, the written
  meetings read back and rendered.
- api x500: the same rows as the API takes them, 500 per request (MAX_BULK_MEETINGS).
- bulk_create: the service writing with bulk_create, as on SQLite (the reference: the old
  path, less the Event objects it made for items without invitees).
The service and the single request get MAX_BULK_MEETINGS raised to the row count: the limit
is a policy for one request, not a cost. The commit's work (the cache flush and the events'
delivery, run on commit) is not in any figure: nothing commits.

Tables: the median of the rounds in ms, the spread (min-max), and speed as COPY's time over
each way's, from the medians and paired by round (the median of each round's ratio); then the
statements of one service call. Between rounds the three written tables are vacuumed, so that
the row versions rolled back do not pile up in their indexes.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")
os.environ.setdefault("SLOW_REQUEST_MS", "100000")  # a 10,000-meeting request is not news
os.environ.setdefault("SILK_ENABLED", "false")
os.environ.setdefault("ZEAL", "false")
os.environ.setdefault("DEBUG", "false")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_create  # noqa: E402
from meetings import copy_loader  # noqa: E402
from meetings.api import serializers  # noqa: E402
from meetings.models import Meeting, Room  # noqa: E402
from meetings.services import bulk  # noqa: E402
from scheduler.audit import Actor, acting_as, without_context  # noqa: E402

COLUMNS = (
    "title", "description", "location", "start_time", "end_time", "created_by_id", "room_id",
    "status", "cancellation_reason", "created_at", "updated_at", "series_id",
    "original_start_time", "exception_fields",
)  # fmt: skip
WAYS = ("copy", "service", "api", "api x500", "bulk_create")


class Rollback(Exception):
    pass


def rolled_back(work) -> float:
    """Milliseconds work() took, its writes undone."""
    elapsed = 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            work()
            elapsed = (time.perf_counter() - started) * 1000
            raise Rollback
    except Rollback:
        return elapsed


def the_rows(count: int, room_every: int) -> tuple[User, list[dict]]:
    """The items, as the serializer hands them to the service."""
    organizer = User.objects.filter(is_active=True).order_by("pk").first()
    rooms = list(Room.objects.filter(capacity__gte=1).order_by("pk"))
    last = Meeting.objects.aggregate(last=Max("end_time"))["last"] or timezone.now()
    first = last.replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    items = []
    for i in range(count):
        start = first + timedelta(minutes=30 * i)
        books = room_every and rooms and i % room_every == 0
        items.append(
            {
                "title": f"Bulk benchmark {i}",
                "description": "",
                "location": "",
                "start_time": start,
                "end_time": start + timedelta(minutes=30),
                "participant_ids": [],
                "room_id": rooms[(i // room_every) % len(rooms)].pk if books else None,
            }
        )
    return organizer, items


def copy_buffer(organizer: User, items: list[dict]) -> io.StringIO:
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for item in items:
        room = r"\N" if item["room_id"] is None else str(item["room_id"])
        values = (
            item["title"], "", "", item["start_time"].isoformat(), item["end_time"].isoformat(),
            str(organizer.pk), room, "scheduled", "", now, now, r"\N", r"\N", "",
        )  # fmt: skip
        buffer.write("\t".join(values) + "\n")
    return buffer


def api_body(items: list[dict]) -> list[dict]:
    return [
        {
            **{k: v for k, v in item.items() if k not in ("start_time", "end_time")},
            "start_time": item["start_time"].isoformat(),
            "end_time": item["end_time"].isoformat(),
        }
        for item in items
    ]


def raise_the_limit(count: int) -> None:
    for module in (bulk, serializers):
        module.MAX_BULK_MEETINGS = max(count, 500)  # type: ignore[attr-defined]


def the_ways(organizer: User, items: list[dict]) -> dict:
    buffer = copy_buffer(organizer, items)
    copy_sql = f"COPY meetings_meeting ({', '.join(COLUMNS)}) FROM STDIN"
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {token_create(user=organizer, client='bench')[1]}"
    )
    body = json.dumps(api_body(items))
    parts = [json.dumps(api_body(items[i : i + 500])) for i in range(0, len(items), 500)]
    as_the_api = Actor(id=organizer.pk, label=organizer.get_username(), source="api")

    def copy():
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(copy_sql, buffer)

    def service():
        with acting_as(as_the_api):
            made = bulk.meeting_bulk_create(organizer=organizer, items=items)
        assert len(made) == len(items)  # noqa: S101

    def post(data: str) -> None:
        response = client.post("/api/meetings/bulk/", data, content_type="application/json")
        assert response.status_code == 201, response.content[:300]  # noqa: S101

    def bulk_created():
        # The loader's SQLite path: bulk_create of the meetings and of their invitations.
        with acting_as(as_the_api), loader_as_bulk_create():
            bulk.meeting_bulk_create(organizer=organizer, items=items)

    return {
        "copy": copy,
        "service": service,
        "api": lambda: post(body),
        "api x500": lambda: [post(part) for part in parts],
        "bulk_create": bulk_created,
    }


@contextmanager
def loader_as_bulk_create():
    """The service with the loader's other path: bulk_create, as on SQLite."""

    def with_bulk_create(model, rows, *, same=None):
        return copy_loader._bulk_create(model, rows, same)

    saved = bulk.insert_objects, bulk.load_rows
    bulk.insert_objects = bulk.load_rows = with_bulk_create
    try:
        yield
    finally:
        bulk.insert_objects, bulk.load_rows = saved


def vacuum() -> None:
    with connection.cursor() as cursor:
        for table in ("meetings_meeting", "meetings_meetingchange", "meetings_syncstate"):
            cursor.execute(f"VACUUM {table}")


def statements(organizer: User, items: list[dict]) -> list[str]:
    sql: list[str] = []

    def work():
        with CaptureQueriesContext(connection) as queries:
            bulk.meeting_bulk_create(organizer=organizer, items=items)
        sql.extend(without_context(q["sql"])[:70] for q in queries.captured_queries)

    rolled_back(work)
    return sql


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--room-every", type=int, default=16, help="0: no room bookings")
    parser.add_argument("--ways", default=",".join(WAYS), help=f"some of {', '.join(WAYS)}")
    parser.add_argument("--json", help="write the figures here too")
    arguments = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL): COPY is the floor.")
    ways = arguments.ways.split(",")
    raise_the_limit(arguments.rows)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, 64 << 20)
    organizer, items = the_rows(arguments.rows, arguments.room_every)
    run = the_ways(organizer, items)
    meetings = Meeting.objects.count()
    booked = sum(item["room_id"] is not None for item in items)
    print(
        f"{meetings:,} meetings in {connection.settings_dict['NAME']}; {len(items):,} rows "
        f"({booked:,} book a room), {arguments.rounds} rounds after a warm-up, each rolled back"
    )
    for way in ways:  # warm-up: caches, the connection, imports
        rolled_back(run[way])
    samples: dict[str, list[float]] = {way: [] for way in ways}
    for round_ in range(arguments.rounds):
        vacuum()
        order = ways[round_ % len(ways) :] + ways[: round_ % len(ways)]
        for way in order:
            samples[way].append(rolled_back(run[way]))
        print(f"  round {round_ + 1}: " + ", ".join(f"{w} {samples[w][-1]:.0f}" for w in ways))
    floor = statistics.median(samples["copy"]) if "copy" in samples else None
    print(
        "\n| way | median (ms) | min-max (ms) | time / COPY | speed vs COPY "
        "| speed vs COPY, paired by round |"
    )
    print("|---|---|---|---|---|---|")
    figures = {}
    for way in ways:
        median = statistics.median(samples[way])
        ratio = median / floor if floor else float("nan")
        # Each round's COPY against the same round's run: steadier on a machine whose load
        # drifts from one round to the next.
        paired = (
            statistics.median(c / t for c, t in zip(samples["copy"], samples[way], strict=True))
            if floor
            else float("nan")
        )
        figures[way] = {
            "median_ms": median, "samples_ms": samples[way], "time_over_copy": ratio,
            "paired_speed": paired,
        }  # fmt: skip
        print(
            f"| {way} | {median:.0f} | {min(samples[way]):.0f}-{max(samples[way]):.0f} "
            f"| {ratio:.2f}x | {1 / ratio:.0%} | {paired:.0%} |"
        )
    sql = statements(organizer, items)
    print(f"\nThe service's {len(sql)} statements for {len(items):,} rows:")
    for number, statement in enumerate(sql, 1):
        print(f"  {number}. {statement}")
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump(
                {"meetings": meetings, "rows": len(items), "booked": booked, "ways": figures},
                out,
                indent=2,
            )


if __name__ == "__main__":
    main()
