"""Free/busy and find-a-time for 50 people over a month, against a careless baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
        .venv/bin/python -m benchmarks.availability [--runs 20] [--people 50] [--month 2027-03]
        [--duration 30] [--plan] [--json out.json]

The people are drawn (with a fixed seed) among the organizers of meetings in the month whose
zones share working hours (UTC, London, Paris, Berlin: 09:00-16:00 UTC in winter), so that
find-a-time has work to do. "now" is the first of the month, which lies ahead of seed_demo's
data. Each approach runs once to warm up, then `runs` times; the table gives the median and
the 95th percentile in ms, their ratio and the queries of one run. The project's figures
leave out the API's token lookup (one more query); the view rows include rendering the JSON.

The project's reads go through the busy-time cache (per person and month, in Redis with
REDIS_URL): "cold" rows make every entry stale before each call, "warm" rows read it.

The baseline is what a careless implementation does: one query per person for all of their
meetings (organized or invited, with their answer), the window, the status and the answer
checked in Python, and find-a-time by trying every quarter hour of the month against each
person's hours and meetings. Both give the same answers (checked). Read-only.
"""

import argparse
import json
import os
import random
import statistics
import time
import zoneinfo
from datetime import UTC, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")
os.environ.setdefault("SILK_ENABLED", "false")
os.environ.setdefault("ZEAL", "false")
os.environ.setdefault("DEBUG", "false")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import OuterRef, Subquery  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from meetings.availability import (  # noqa: E402
    availability_users,
    busy_queryset,
    free_busy,
    suggest_slots,
)
from meetings.availability.api.views import FreeBusyView, SuggestView  # noqa: E402
from meetings.availability.intervals import QUARTER, quarter_ceiling  # noqa: E402
from meetings.models import Meeting, Participant  # noqa: E402
from scheduler import caching  # noqa: E402

SHARED_ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Berlin")
LIMIT = 20
results: dict[str, dict] = {}


# -- the careless baseline -------------------------------------------------------------------


def naive_busy(user, start, end) -> list[tuple[datetime, datetime, str]]:
    """All of one person's meetings, loaded whole; the window and the rules applied in Python."""
    answer = Participant.objects.filter(meeting=OuterRef("pk"), user=user).values("status")[:1]
    busy = []
    for meeting in Meeting.objects.visible_to(user).annotate(answer=Subquery(answer)):
        if meeting.status == "cancelled" or meeting.answer == "declined":
            continue
        if meeting.start_time < end and meeting.end_time > start:
            status = "busy" if meeting.answer in (None, "accepted") else "tentative"
            busy.append((max(meeting.start_time, start), min(meeting.end_time, end), status))
    return sorted(busy)


def naive_free_busy(user_ids, start, end) -> dict[int, list]:
    people = availability_users(user_ids=user_ids)
    return {person.pk: naive_busy(person, start, end) for person in people}


def _works(person, slot_start, slot_end) -> bool:
    zone = zoneinfo.ZoneInfo(person.timezone)
    local_start, local_end = slot_start.astimezone(zone), slot_end.astimezone(zone)
    return (
        local_start.date() == local_end.date()
        and local_start.isoweekday() in person.working_weekdays
        and person.work_start <= local_start.time()
        and local_end.time() <= person.work_end
    )


def naive_suggest(user_ids, start, end, duration, now) -> list:
    people = availability_users(user_ids=user_ids)
    busy = {person.pk: naive_busy(person, start, end) for person in people}
    slots, slot = [], quarter_ceiling(max(start, now))
    while slot + duration <= end and len(slots) < LIMIT:
        slot_end = slot + duration
        if all(
            _works(person, slot, slot_end)
            and not any(
                b_start < slot_end and b_end > slot for b_start, b_end, _ in busy[person.pk]
            )
            for person in people
        ):
            slots.append((slot, slot_end))
        slot += QUARTER
    return slots


# -- the project's paths ---------------------------------------------------------------------


def cold(function):
    """`function` with every cache entry made stale first: what the database costs."""

    def call():
        caching.bump_everything()
        return function()

    return call


def tuned_free_busy(user_ids, start, end) -> list:
    return free_busy(users=availability_users(user_ids=user_ids), start=start, end=end)


def tuned_suggest(user_ids, start, end, duration, now):
    return suggest_slots(
        people=availability_users(user_ids=user_ids),
        start=start,
        end=end,
        duration=duration,
        limit=LIMIT,
        now=now,
        display_zone=UTC,
    )


def view_call(view_class, caller, query: str):
    view = view_class.as_view()

    def call():
        request = APIRequestFactory().get(f"/api/availability/?{query}")
        force_authenticate(request, user=caller)  # no token row: nothing is written
        response = view(request)
        response.render()
        if response.status_code != 200:
            raise RuntimeError(response.content)
        return response

    return call


# -- measuring -------------------------------------------------------------------------------


def timed(function, runs: int) -> tuple[float, float]:
    """Median and 95th percentile in ms of `runs` calls, after one warm-up call."""
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[
        min(len(samples) - 1, round(0.95 * len(samples)) - 1)
    ]


def queries_of(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def pair(name: str, naive, tuned, runs: int) -> None:
    naive_ms, naive_p95 = timed(naive, runs)
    tuned_ms, tuned_p95 = timed(tuned, runs)
    row = {
        "naive_median_ms": naive_ms,
        "naive_p95_ms": naive_p95,
        "naive_queries": queries_of(naive),
        "project_median_ms": tuned_ms,
        "project_p95_ms": tuned_p95,
        "project_queries": queries_of(tuned),
        "ratio": naive_ms / tuned_ms,
    }
    results[name] = row
    print(
        f"| {name} | {naive_ms:.1f} | {naive_p95:.1f} | {row['naive_queries']} | {tuned_ms:.1f} "
        f"| {tuned_p95:.1f} | {row['project_queries']} | {row['ratio']:.1f}x |",
        flush=True,
    )


def single(name: str, function, runs: int) -> None:
    median, p95 = timed(function, runs)
    results[name] = {"median_ms": median, "p95_ms": p95, "queries": queries_of(function)}
    print(f"| {name} | | | | {median:.1f} | {p95:.1f} | {results[name]['queries']} | |")


def pick_people(start, end, count: int) -> list[int]:
    organizers = (
        Meeting.objects.overlapping(start, end)
        .filter(created_by__timezone__in=SHARED_ZONES, created_by__is_active=True)
        .order_by()
        .values_list("created_by_id", flat=True)
        .distinct()
    )
    return random.Random(9).sample(sorted(organizers), count)


def explain(user_ids, start, end) -> None:
    sql, params = busy_queryset(user_ids=user_ids, start=start, end=end).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print("\n```\n" + "\n".join(row[0] for row in cursor.fetchall()) + "\n```\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--month", default="2027-03", help="YYYY-MM")
    parser.add_argument("--duration", type=int, default=30, help="minutes, for find-a-time")
    parser.add_argument("--plan", action="store_true", help="print the busy query's plan")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    year, month = (int(part) for part in args.month.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    duration = timedelta(minutes=args.duration)
    ids = pick_people(start, end, args.people)

    rows = [row for person in tuned_free_busy(ids, start, end) for row in person.intervals]
    naive = naive_free_busy(ids, start, end)
    slots = tuned_suggest(ids, start, end, duration, now=start)
    if slots.slots != naive_suggest(ids, start, end, duration, now=start):
        raise RuntimeError("The baseline and the project propose different slots.")
    print(
        f"{Meeting.objects.count():,} meetings on {connection.settings_dict['NAME']}; "
        f"{len(ids)} people, {args.month}: {sum(len(v) for v in naive.values())} meetings, "
        f"{len(rows)} merged busy intervals; find-a-time for {args.duration} min: "
        f"{len(slots.slots)} slots {slots.reasons or ''}\nmedian and p95 of {args.runs} runs\n"
    )
    print(
        "| what | naive median ms | naive p95 ms | naive queries | project median ms "
        "| project p95 ms | project queries | ratio |\n| --- | --- | --- | --- | --- | --- | --- "
        "| --- |"
    )
    pair(
        "free/busy read, cold cache",
        lambda: naive_free_busy(ids, start, end),
        cold(lambda: tuned_free_busy(ids, start, end)),
        args.runs,
    )
    pair(
        "free/busy read, warm cache",
        lambda: naive_free_busy(ids, start, end),
        lambda: tuned_free_busy(ids, start, end),
        args.runs,
    )
    pair(
        "find-a-time, cold cache",
        lambda: naive_suggest(ids, start, end, duration, now=start),
        cold(lambda: tuned_suggest(ids, start, end, duration, now=start)),
        args.runs,
    )
    pair(
        "find-a-time, warm cache",
        lambda: naive_suggest(ids, start, end, duration, now=start),
        lambda: tuned_suggest(ids, start, end, duration, now=start),
        args.runs,
    )
    caller = availability_users(user_ids=ids[:1])[0]
    window = f"from={start:%Y-%m-%dT%H:%MZ}&to={end:%Y-%m-%dT%H:%MZ}"
    users = ",".join(str(user_id) for user_id in ids)
    free_busy_view = view_call(FreeBusyView, caller, f"users={users}&{window}")
    suggest_view = view_call(
        SuggestView, caller, f"users={users}&duration={args.duration}&limit={LIMIT}&{window}"
    )
    single("GET /api/availability/ (view + JSON), cold", cold(free_busy_view), args.runs)
    single("GET /api/availability/ (view + JSON), warm", free_busy_view, args.runs)
    single("GET /api/availability/suggest/ (view + JSON), cold", cold(suggest_view), args.runs)
    single("GET /api/availability/suggest/ (view + JSON), warm", suggest_view, args.runs)
    if args.plan:
        explain(ids, start, end)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"people": len(ids), "month": args.month, "results": results}, out, indent=1)


if __name__ == "__main__":
    main()
