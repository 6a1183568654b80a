"""The performance guide's naive patterns against the project's own paths, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.orm_patterns [--runs 5] [--json out.json]

Every pair runs in the same process on the same data, alternately, and prints both medians and
their ratio. The write pairs insert and update 10,000 meetings and remove them afterwards. Run
it on a benchmark database made by seed_demo (10k, 100k or 1M meetings).
"""

import argparse
import json
import os
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")
os.environ.setdefault("SILK_ENABLED", "false")
os.environ.setdefault("ZEAL", "false")
os.environ.setdefault("DEBUG", "false")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from meetings.models import Meeting, Participant  # noqa: E402
from meetings.selectors import meeting_stats  # noqa: E402

PAGE = 50
results: dict[str, dict] = {}


def timed(function, runs: int) -> float:
    """Median milliseconds of `runs` calls, after one warm-up call."""
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def pair(name: str, naive, tuned, runs: int) -> None:
    naive_ms, tuned_ms = timed(naive, runs), timed(tuned, runs)
    results[name] = {"naive_ms": naive_ms, "tuned_ms": tuned_ms, "ratio": naive_ms / tuned_ms}
    print(f"| {name} | {naive_ms:.2f} | {tuned_ms:.2f} | {naive_ms / tuned_ms:.1f}x |", flush=True)


def reads(runs: int) -> None:
    def organizers_n_plus_one():
        return [m.created_by.username for m in Meeting.objects.order_by("start_time")[:200]]

    def organizers_joined():
        meetings = Meeting.objects.select_related("created_by").order_by("start_time")[:200]
        return [m.created_by.username for m in meetings]

    pair(
        "200 meetings with organizer: N+1 vs select_related",
        organizers_n_plus_one,
        organizers_joined,
        runs,
    )

    def participants_n_plus_one():
        return [list(m.participants.all()) for m in Meeting.objects.order_by("start_time")[:200]]

    def participants_prefetched():
        meetings = Meeting.objects.prefetch_related("participants").order_by("start_time")[:200]
        return [list(m.participants.all()) for m in meetings]

    pair(
        "200 meetings with participants: N+1 vs prefetch_related",
        participants_n_plus_one,
        participants_prefetched,
        runs,
    )

    pair(
        "10,000 titles: whole rows vs values_list",
        lambda: [m.title for m in Meeting.objects.order_by("id")[:10_000]],
        lambda: list(Meeting.objects.order_by("id").values_list("title", flat=True)[:10_000]),
        runs,
    )
    pair(
        "cancelled meetings: len() vs count()",
        lambda: len(Meeting.objects.filter(status="cancelled")),
        lambda: Meeting.objects.filter(status="cancelled").count(),
        runs,
    )
    user = User.objects.get(
        pk=Participant.objects.values("user").annotate(n=Count("id")).order_by("-n")[0]["user"]
    )

    def stats_in_python():
        meetings = list(Meeting.objects.visible_to(user))
        total = sum((m.end_time - m.start_time).total_seconds() for m in meetings)
        now = timezone.now()
        return {
            "total": len(meetings),
            "duration": total,
            "upcoming": sum(1 for m in meetings if m.status == "scheduled" and m.start_time > now),
        }

    pair(
        "a user's statistics: Python sums vs aggregates",
        stats_in_python,
        lambda: meeting_stats(user=user, now=timezone.now()),
        runs,
    )


def pagination(runs: int) -> None:
    ordered = Meeting.objects.order_by("start_time", "id").values_list("id", "title")
    total = Meeting.objects.count()
    for page in (1, 100, 1000, 10_000):
        offset = (page - 1) * PAGE
        if offset >= total:
            continue
        key = Meeting.objects.order_by("start_time", "id").values_list("start_time", "id")[offset]

        def by_offset(offset=offset):
            return list(ordered[offset : offset + PAGE])

        def by_keyset(key=key):
            start, pk = key
            after = ordered.filter(start_time__gte=start).exclude(start_time=start, id__lt=pk)
            return list(after[:PAGE])

        pair(f"page {page:,}: OFFSET vs keyset", by_offset, by_keyset, runs)
        results[f"page {page:,}: OFFSET vs keyset"]["page"] = page


def overlap(runs: int) -> None:
    span = Meeting.objects.aggregate(first=Min("start_time"), last=Max("start_time"))
    length = span["last"] - span["first"]
    for label, fraction in (("early", 0.02), ("middle", 0.5), ("late", 0.98)):
        moment = span["first"] + length * fraction
        while moment.weekday() >= 5:
            moment -= timedelta(days=1)
        start = moment.replace(hour=10, minute=0, second=0, microsecond=0)
        window = (start, start + timedelta(hours=1))

        def btree(window=window):
            return list(
                Meeting.objects.filter(start_time__lt=window[1], end_time__gt=window[0])
                .order_by()
                .values_list("id", flat=True)
            )

        def gist(window=window):
            return list(
                Meeting.objects.overlapping(*window).order_by().values_list("id", flat=True)
            )

        pair(f"one-hour overlap, {label}: two comparisons vs GiST &&", btree, gist, runs)


def writes() -> None:
    organizer = User.objects.order_by("id").first()
    start = timezone.now() + timedelta(days=3650)
    rows = [
        {
            "title": f"Bench {i}",
            "start_time": start + timedelta(minutes=i),
            "end_time": start + timedelta(minutes=i + 30),
        }
        for i in range(10_000)
    ]

    def commit_per_row():
        for row in rows:
            Meeting.objects.create(created_by=organizer, **row)  # autocommit: one per row

    def bulk():
        with transaction.atomic():
            Meeting.objects.bulk_create([Meeting(created_by=organizer, **row) for row in rows])

    bench = Meeting.objects.filter(title__startswith="Bench ", start_time__gte=start)
    started = time.perf_counter()
    commit_per_row()
    naive_ms = (time.perf_counter() - started) * 1000

    def save_per_row():
        for meeting in bench.only("id", "status"):
            meeting.status = "cancelled"
            meeting.save(update_fields=["status"])

    started = time.perf_counter()
    save_per_row()
    save_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    bench.update(status="scheduled")
    update_ms = (time.perf_counter() - started) * 1000
    bench.delete()
    started = time.perf_counter()
    bulk()
    bulk_ms = (time.perf_counter() - started) * 1000
    bench.delete()
    for name, naive, tuned in (
        ("10,000 inserts: a commit per row vs bulk_create", naive_ms, bulk_ms),
        ("10,000 status changes: save() per row vs one UPDATE", save_ms, update_ms),
    ):
        results[name] = {"naive_ms": naive, "tuned_ms": tuned, "ratio": naive / tuned}
        print(f"| {name} | {naive:.0f} | {tuned:.0f} | {naive / tuned:.1f}x |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="write the figures here too")
    parser.add_argument("--no-writes", action="store_true")
    args = parser.parse_args()
    meetings = Meeting.objects.count()
    print(
        f"{meetings:,} meetings, {Participant.objects.count():,} participants on "
        f"{connection.vendor} ({connection.settings_dict['NAME']}); medians of {args.runs}\n"
    )
    print("| pattern | naive ms | project ms | ratio |\n| --- | --- | --- | --- |")
    reads(args.runs)
    pagination(args.runs)
    if connection.vendor == "postgresql":
        overlap(args.runs)
    if not args.no_writes:
        writes()
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"meetings": meetings, "results": results}, out, indent=1)


if __name__ == "__main__":
    main()
