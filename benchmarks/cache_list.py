"""The meeting list endpoint uncached, with a cold cache and with a warm one, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.cache_list [--users 40] [--rounds 5] [--mixed 3000]

In-process through Django's test client with token authentication (no HTTP server), so that
the figures are the application's own cost. The users are the busiest invitees of the seeded
data. Then a mixed run (80% reads of list, statistics and detail; 20% writes: renames and
answers, committed) prints the hit rate of each key family. The mixed run writes to the
database it is given: use a benchmark database.
"""

import argparse
import os
import random
import statistics
import time
from contextlib import contextmanager

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")  # measure the work, not the 429s
for name in ("SILK_ENABLED", "ZEAL", "DEBUG"):  # what a production server runs
    os.environ.setdefault(name, "false")
django.setup()

from django.db.models import Count  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_create  # noqa: E402
from meetings import cache as meeting_cache  # noqa: E402
from meetings.models import Meeting, Participant  # noqa: E402
from scheduler import caching  # noqa: E402


def clients_for(users: int) -> list[tuple[User, APIClient]]:
    busiest = Participant.objects.values("user").annotate(n=Count("id")).order_by("-n")[:users]
    chosen = User.objects.in_bulk([row["user"] for row in busiest])
    pairs = []
    for user in chosen.values():
        client = APIClient()
        _, key = token_create(user=user, client="benchmark")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        pairs.append((user, client))
    return pairs


@contextmanager
def uncached():
    original = caching.cached_for_user
    caching.cached_for_user = lambda *, compute, **kwargs: compute().body
    try:
        yield
    finally:
        caching.cached_for_user = original


def timed(pairs, url, *, before_each=lambda: None) -> list[float]:
    times = []
    for _, client in pairs:
        before_each()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:200]!r}")
    return times


def compare(pairs, url, rounds: int) -> dict[str, float]:
    results = {"uncached": [], "cold": [], "warm": []}
    for _ in range(rounds):  # interleaved, so that drift hits all three alike
        with uncached():
            results["uncached"] += timed(pairs, url)
        results["cold"] += timed(pairs, url, before_each=caching.bump_everything)
        timed(pairs, url)  # fill
        results["warm"] += timed(pairs, url)
    return {name: statistics.median(values) for name, values in results.items()}


def mixed(pairs, operations: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    caching.reset_hit_rates(meeting_cache.FAMILIES)
    visible = {
        user.pk: list(Meeting.objects.visible_to(user).values_list("pk", flat=True)[:50])
        for user, _ in pairs
    }
    writes = 0
    started = time.perf_counter()
    for _ in range(operations):
        user, client = rng.choice(pairs)
        meeting_id = rng.choice(visible[user.pk])
        roll = rng.random()
        if roll < 0.4:
            client.get("/api/meetings/")
        elif roll < 0.6:
            client.get("/api/meetings/stats/")
        elif roll < 0.8:
            client.get(f"/api/meetings/{meeting_id}/")
        else:
            writes += 1
            meeting = Meeting.objects.get(pk=meeting_id)
            if meeting.created_by_id == user.pk:
                client.patch(f"/api/meetings/{meeting_id}/", {"title": f"Renamed {writes}"})
            else:
                answer = rng.choice(["accepted", "declined", "tentative"])
                client.post(f"/api/meetings/{meeting_id}/rsvp/", {"status": answer})
    seconds = time.perf_counter() - started
    print(
        f"\nMixed run: {operations} requests ({writes} writes) by {len(pairs)} users "
        f"in {seconds:.1f} s"
    )
    print("| key family | hits | misses | hit rate |\n| --- | --- | --- | --- |")
    for family, figures in meeting_cache.hit_rates().items():
        rate = "-" if figures["hit_rate"] is None else f"{figures['hit_rate']:.1%}"
        print(f"| {family} | {figures['hits']} | {figures['misses']} | {rate} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mixed", type=int, default=3000)
    args = parser.parse_args()
    from django.conf import settings
    from django.db import connection

    print(
        f"{Meeting.objects.count():,} meetings on {connection.vendor}, cache "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, {args.users} users, "
        f"{args.rounds} rounds\n"
    )
    pairs = clients_for(args.users)
    print("| request | uncached ms | cold ms | warm ms | uncached / warm | cold / uncached |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, url in [
        ("list, first page", "/api/meetings/"),
        ("list, a month", "/api/meetings/?from=2026-06-01T00:00Z&to=2026-07-01T00:00Z"),
        ("statistics", "/api/meetings/stats/"),
    ]:
        m = compare(pairs, url, args.rounds)
        print(
            f"| {label} | {m['uncached']:.2f} | {m['cold']:.2f} | {m['warm']:.2f} | "
            f"{m['uncached'] / m['warm']:.1f}x | {m['cold'] / m['uncached']:.2f} |",
            flush=True,
        )
    if args.mixed:
        mixed(pairs, args.mixed)


if __name__ == "__main__":
    main()
