"""Incremental sync against re-reading the list, and what recording changes costs a write.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.sync [--users 5] [--rounds 5] [--others 10000]

For the busiest invitees of the seeded data (one client each, a real token):
- the naive baseline: re-read every page of the list (uncached), as a client must without sync;
- a full sync (every page of /api/meetings/sync/);
- a sync with nothing new for the caller, after `--others` meetings of other people changed;
- a sync after k of the caller's own meetings changed (k = 1, 10, 100).
Then the price of the change record on a bulk write: an UPDATE of 5,000 meetings and one of
their participants' answers, with the triggers and without (session_replication_role), each in
a transaction rolled back.

Changes are committed (sync reads only committed transactions) and undone after: run it on a
benchmark database only. Medians in ms; queries per request, the token lookup included.
"""

import argparse
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")
os.environ.setdefault("SILK_ENABLED", "false")
os.environ.setdefault("ZEAL", "false")
os.environ.setdefault("DEBUG", "false")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Value  # noqa: E402
from django.db.models.functions import Concat, Left, Length  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from meetings.models import Meeting  # noqa: E402

from .cache_list import clients_for, uncached  # noqa: E402


def pages(client, url: str) -> tuple[int, int, str | None]:
    """Follow `next` to the end: (items, queries, sync token)."""
    items = queries = 0
    token = None
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:200]!r}")
        body = response.json()
        items += len(body["results"])
        queries += len(captured)
        url = body["next"]
        token = body.get("next_sync_token") or token
    return items, queries, token


def timed(work, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def touch(meeting_ids: list[int]) -> None:
    """A committed change to these meetings (a dot on their location), undone by untouch."""
    Meeting.objects.filter(pk__in=meeting_ids).update(location=Concat("location", Value(".")))


def untouch(meeting_ids: list[int]) -> None:
    Meeting.objects.filter(pk__in=meeting_ids).update(
        location=Left("location", Length("location") - 1)
    )


def row(label: str, ms: float, queries, items, note: str = "") -> None:
    print(f"| {label} | {ms:.1f} | {queries} | {items} | {note} |")


def reads(args) -> None:
    pairs = clients_for(args.users)
    print("| request (busiest invitee, median over users) | ms | queries | items | |")
    print("| --- | --- | --- | --- | --- |")
    figures: dict[str, list] = {}
    for user, client in pairs:
        with uncached():
            naive, (n_items, n_queries, _) = timed(
                lambda c=client: pages(c, "/api/meetings/?page_size=100"), args.rounds
            )
        full, (f_items, f_queries, token) = timed(
            lambda c=client: pages(c, "/api/meetings/sync/?page_size=100"), args.rounds
        )
        others = list(
            Meeting.objects.exclude(created_by=user)
            .exclude(participants__user=user)
            .order_by("-id")
            .values_list("pk", flat=True)[: args.others]
        )
        _, (_, _, token) = timed(lambda c=client: pages(c, "/api/meetings/sync/"), 1)
        touch(others)
        try:
            quiet, (q_items, q_queries, _) = timed(
                lambda c=client, t=token: pages(c, f"/api/meetings/sync/?sync_token={t}"),
                args.rounds,
            )
        finally:
            untouch(others)
        figures.setdefault("naive", []).append((naive, n_queries, n_items))
        figures.setdefault("full", []).append((full, f_queries, f_items))
        figures.setdefault("quiet", []).append((quiet, q_queries, q_items))
        own = list(Meeting.objects.visible_to(user).order_by("-id").values_list("pk", flat=True))
        for k in (1, 10, 100):
            _, (_, _, token) = timed(lambda c=client: pages(c, "/api/meetings/sync/"), 1)
            touch(own[:k])
            try:
                ms, (items, queries, _) = timed(
                    lambda c=client, t=token: pages(
                        c, f"/api/meetings/sync/?sync_token={t}&page_size=100"
                    ),
                    args.rounds,
                )
            finally:
                untouch(own[:k])
            figures.setdefault(f"k{k}", []).append((ms, queries, items))

    def median(name):
        values = figures[name]
        return (statistics.median(v[0] for v in values), values[0][1], values[0][2])

    naive = median("naive")
    row("re-read the whole list, uncached (the baseline)", *naive, "1x")
    full = median("full")
    row("full sync (every page)", *full, f"{naive[0] / full[0]:.1f}x")
    quiet = median("quiet")
    note = f"{naive[0] / quiet[0]:.0f}x; after {args.others:,} others' changes"
    row("sync, nothing new for the caller", *quiet, note)
    for k in (1, 10, 100):
        figure = median(f"k{k}")
        row(f"sync, {k} of the caller's meetings changed", *figure, f"{naive[0] / figure[0]:.0f}x")


class Rollback(Exception):
    pass


def write_cost(statement: str, *, triggers: bool) -> float:
    started = 0.0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if not triggers:
                cursor.execute("SET LOCAL session_replication_role = replica")
            started = time.perf_counter()
            cursor.execute(statement)
            elapsed = (time.perf_counter() - started) * 1000
            raise Rollback
    except Rollback:
        return elapsed


def writes(args) -> None:
    last = Meeting.objects.order_by("-id").values_list("pk", flat=True).first()
    first = last - 5000
    statements = {
        "UPDATE 5,000 meetings (title)": (
            f"UPDATE meetings_meeting SET title = title || '.' WHERE id > {first}"
        ),
        "UPDATE their participants' answers": (
            "UPDATE meetings_participant SET status = 'accepted' "
            f"WHERE meeting_id > {first} AND status <> 'accepted'"
        ),
    }
    print("\n| bulk write | with the change record (ms) | without (ms) | cost |")
    print("| --- | --- | --- | --- |")
    for label, statement in statements.items():
        on, off = [], []
        for _ in range(args.rounds):  # alternately, so that drift hits both
            on.append(write_cost(statement, triggers=True))
            off.append(write_cost(statement, triggers=False))
        with_record, without = statistics.median(on), statistics.median(off)
        print(f"| {label} | {with_record:.0f} | {without:.0f} | {with_record / without:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--others", type=int, default=10000)
    args = parser.parse_args()
    print(f"{Meeting.objects.count():,} meetings on {connection.vendor}\n")
    reads(args)
    if connection.vendor == "postgresql":
        writes(args)


if __name__ == "__main__":
    main()
