"""Recurring meetings: a two-year daily series made and edited in one request, against the
row-by-row way (one meeting at a time, as a client without series must do it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.recurrence [--runs 3] [--days 730] [--json out.json]

Each run makes the series (10 people and a room) through the API, then renames every
occurrence (PATCH ?scope=all), in a transaction that is rolled back, so the database is left
as it was. The baseline makes the same meetings with meeting_create one by one, and renames
them with meeting_update one by one. Both sides run alternately in one process on the same
data; the table gives medians in ms, the ratio, and the queries of one run.

Then the reads (uncached): the list, a window of it, a meeting, free/busy and find-a-time for
the busiest people, first on the data as it is, then with 20% of the meetings made
occurrences of series (every meeting of one organizer in five), each after VACUUM ANALYZE:
the same queries, and the timings side by side. The conversion is committed (measured inside
the transaction that made it, every read would wade through the 200,000 old row versions it
left) and undone afterwards, whatever happens: run it on a benchmark database only.
"""

import argparse
import json
import os
import re
import statistics
import time
from datetime import UTC, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")
os.environ.setdefault("INVITES_PER_HOUR", "100000000")  # the baseline invites 7,300 times
os.environ.setdefault("NOTICES_PER_HOUR", "100000000")
os.environ.setdefault("SILK_ENABLED", "false")
os.environ.setdefault("ZEAL", "false")
os.environ.setdefault("DEBUG", "false")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from accounts.models import User  # noqa: E402
from meetings.api.views import MeetingViewSet  # noqa: E402
from meetings.models import Meeting, Room  # noqa: E402
from meetings.services.lifecycle import meeting_create, meeting_update  # noqa: E402

from .cache_list import clients_for, uncached  # noqa: E402

FIRST = datetime(2031, 1, 6, 8, tzinfo=UTC)  # ahead of seed_demo's data: a free room
results: dict[str, dict] = {}


class Rollback(Exception):
    pass


def rolled_back(work):
    """work()'s result, its writes undone."""
    outcome = {}
    try:
        with transaction.atomic():
            outcome["value"] = work()
            raise Rollback
    except Rollback:
        return outcome["value"]


def people() -> tuple[User, list[int], Room]:
    users = list(User.objects.filter(is_active=True).order_by("pk")[:11])
    room = Room.objects.filter(capacity__gte=11).order_by("pk").first()
    if room is None:
        room = Room.objects.create(name="Benchmark room", capacity=20)
    return users[0], [u.pk for u in users[1:]], room


def tuned(days: int):
    organizer, invitees, room = people()
    factory = APIRequestFactory()
    create = MeetingViewSet.as_view({"post": "create"})
    update = MeetingViewSet.as_view({"patch": "partial_update"})
    body = {
        "title": "Daily",
        "start_time": FIRST.isoformat(),
        "end_time": (FIRST + timedelta(minutes=15)).isoformat(),
        "participant_ids": invitees,
        "room_id": room.pk,
        "recurrence": [f"RRULE:FREQ=DAILY;COUNT={days}"],
        "time_zone": "Europe/Amsterdam",
    }

    def make():
        request = factory.post("/api/meetings/", body, format="json")
        force_authenticate(request, user=organizer)
        response = create(request)
        assert response.status_code == 201, response.data  # noqa: S101
        return response.data["id"]

    def rename(first_id):
        request = factory.patch(
            f"/api/meetings/{first_id}/?scope=all", {"title": "Renamed"}, format="json"
        )
        force_authenticate(request, user=organizer)
        response = update(request, pk=str(first_id))
        assert response.status_code == 200, response.data  # noqa: S101

    return make, rename


def naive(days: int):
    organizer, invitees, room = people()

    def make():
        return [
            meeting_create(
                organizer=organizer,
                title="Daily",
                start_time=FIRST + timedelta(days=day),
                end_time=FIRST + timedelta(days=day, minutes=15),
                participant_ids=invitees,
                room_id=room.pk,
            )
            for day in range(days)
        ]

    def rename(meetings):
        for meeting in meetings:
            meeting_update(meeting=meeting, by=organizer, title="Renamed")

    return make, rename


def measure(make, rename) -> dict:
    def work():
        timings = {}
        with CaptureQueriesContext(connection) as made_queries:
            started = time.perf_counter()
            made = make()
            timings["create_ms"] = (time.perf_counter() - started) * 1000
        with CaptureQueriesContext(connection) as renamed_queries:
            started = time.perf_counter()
            rename(made)
            timings["edit_ms"] = (time.perf_counter() - started) * 1000
        timings["create_queries"] = len(made_queries)
        timings["edit_queries"] = len(renamed_queries)
        return timings

    return rolled_back(work)


# Every meeting of one organizer in five becomes an occurrence of that organizer's series; an
# organizer's meetings that start together get starts a microsecond apart as original starts.
SERIES_SQL = (
    """
    INSERT INTO meetings_series (created_by_id, time_zone, recurrence, first_start, duration,
        complete, title, description, location, room_id, participant_ids, created_at)
    SELECT id, 'UTC', '["RRULE:FREQ=WEEKLY"]', now(), interval '30 minutes', true,
        'Benchmark series', '', '', NULL, '[]', now()
    FROM accounts_user WHERE id % 5 = 0
    """,
    """
    UPDATE meetings_meeting m
       SET series_id = s.id,
           original_start_time = m.start_time + (x.n - 1) * interval '1 microsecond'
      FROM (SELECT id, row_number() OVER (PARTITION BY created_by_id, start_time ORDER BY id) n
              FROM meetings_meeting) x,
           meetings_series s
     WHERE x.id = m.id AND s.created_by_id = m.created_by_id
       AND s.title = 'Benchmark series'
    """,
)
# The control: the same rows rewritten without making series, which moves them in the table
# as the conversion does.
REWRITE_SQL = "UPDATE meetings_meeting SET title = title WHERE created_by_id % 5 = 0"
UNDO_SQL = (
    """
    UPDATE meetings_meeting SET series_id = NULL, original_start_time = NULL
     WHERE series_id IN (SELECT id FROM meetings_series WHERE title = 'Benchmark series')
    """,
    "DELETE FROM meetings_series WHERE title = 'Benchmark series'",
)
QUERIES = re.compile(r'db;dur=[0-9.]+;desc="([0-9]+) queries"')


def execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def vacuumed() -> None:
    execute("VACUUM ANALYZE meetings_meeting", "VACUUM ANALYZE meetings_series")


def read_paths(pairs) -> dict[str, str]:
    people = ",".join(str(user.pk) for user, _ in pairs)
    window = "from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z"
    first = Meeting.objects.visible_to(pairs[0][0]).order_by("start_time").values("pk")[0]["pk"]
    return {
        "list, page 1": "/api/meetings/",
        "list, a month": f"/api/meetings/?{window}",
        "a meeting": f"/api/meetings/{first}/",
        "free/busy, 50 people": f"/api/availability/?users={people}&{window}",
        "find-a-time, 50 people": (
            f"/api/availability/suggest/?users={people}&duration=30&{window}"
        ),
    }


def read_figures(pairs, paths: dict[str, str], runs: int) -> dict[str, tuple[float, int]]:
    """Median ms of each read over `runs` rounds of 10 users (of the first user for one
    meeting and for 50 people), and its queries (Server-Timing says), uncached."""
    figures = {}
    with uncached():
        for name, url in paths.items():
            samples, queries = [], 0
            clients = [pairs[0]] * 10 if "50 people" in name or "meeting" in name else pairs
            for _ in range(runs):
                for _, client in clients:
                    started = time.perf_counter()
                    response = client.get(url)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (url, response.content[:200])  # noqa: S101
                    queries = int(QUERIES.search(response["Server-Timing"]).group(1))
            figures[name] = (statistics.median(samples), queries)
    return figures


def reads(runs: int) -> None:
    pairs = clients_for(50)
    paths = read_paths(pairs)
    vacuumed()
    before = read_figures(pairs[:10], paths, runs)
    execute(REWRITE_SQL)
    vacuumed()
    rewritten = read_figures(pairs[:10], paths, runs)
    try:
        execute(*SERIES_SQL)
        vacuumed()
        share = Meeting.objects.filter(series__isnull=False).count() / Meeting.objects.count()
        after = read_figures(pairs[:10], paths, runs)
    finally:
        execute(*UNDO_SQL)
        vacuumed()
    print(f"\nReads, uncached: before; the same rows rewritten (the control); and with {share:.0%}")
    print("of the meetings occurrences of series")
    print("| read | before (ms) | rewritten (ms) | with series (ms) | series / rewritten "
          "| queries before | with series |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name in paths:
        (ms_before, q_before), (ms_after, q_after) = before[name], after[name]
        ms_control = rewritten[name][0]
        results[f"read: {name}"] = {
            "before_ms": ms_before, "rewritten_ms": ms_control, "series_ms": ms_after,
            "before_queries": q_before, "series_queries": q_after,
        }  # fmt: skip
        print(
            f"| {name} | {ms_before:.2f} | {ms_control:.2f} | {ms_after:.2f} "
            f"| {ms_after / ms_control:.2f} | {q_before} | {q_after} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--json", help="write the figures here too")
    parser.add_argument("--reads-only", action="store_true")
    arguments = parser.parse_args()
    settings.SERIES_MAX_OCCURRENCES = max(settings.SERIES_MAX_OCCURRENCES, arguments.days)
    meetings = Meeting.objects.count()
    print(f"{meetings:,} meetings; a daily series of {arguments.days} occurrences, 10 people")
    samples: dict[str, list[dict]] = {"naive": [], "tuned": []}
    if arguments.reads_only:
        reads(arguments.runs)
        return
    for _ in range(arguments.runs):
        samples["tuned"].append(measure(*tuned(arguments.days)))
        samples["naive"].append(measure(*naive(arguments.days)))
    print("| step | row by row (ms) | series (ms) | ratio | queries row by row | series |")
    print("|---|---|---|---|---|---|")
    for step in ("create", "edit"):
        naive_ms = statistics.median(s[f"{step}_ms"] for s in samples["naive"])
        tuned_ms = statistics.median(s[f"{step}_ms"] for s in samples["tuned"])
        naive_q = samples["naive"][0][f"{step}_queries"]
        tuned_q = samples["tuned"][0][f"{step}_queries"]
        results[step] = {
            "naive_ms": naive_ms, "tuned_ms": tuned_ms, "ratio": naive_ms / tuned_ms,
            "naive_queries": naive_q, "tuned_queries": tuned_q,
        }  # fmt: skip
        print(
            f"| {step} | {naive_ms:.0f} | {tuned_ms:.0f} | {naive_ms / tuned_ms:.1f}x "
            f"| {naive_q} | {tuned_q} |"
        )
    reads(arguments.runs)
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump({"meetings": meetings, "days": arguments.days, **results}, out, indent=2)


if __name__ == "__main__":
    main()
