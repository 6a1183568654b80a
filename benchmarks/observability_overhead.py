"""What the request cost middleware and Silk cost per request, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.observability_overhead [--requests 400]

In-process through Django's test client with token authentication, against the meeting list
(cached, as most requests are, and uncached) and the statistics. Variants are interleaved
request by request so that drift hits them alike.
"""

import argparse
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")  # measure the work, not the 429s
os.environ.setdefault("SILK_ENABLED", "true")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ZEAL", "false")
django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import override_settings  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from silk.config import SilkyConfig  # noqa: E402
from silk.models import Request  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_create  # noqa: E402
from meetings.models import Participant  # noqa: E402
from scheduler import caching  # noqa: E402
from scheduler.settings.components.silk import authentication_index  # noqa: E402
from scheduler.silk import SILK_MIDDLEWARE as SILK  # noqa: E402 - Silk's, scrubbing what it keeps

OURS = "scheduler.middleware.RequestCostMiddleware"


def middleware(*, ours: bool, silk: bool) -> list[str]:
    chosen = [m for m in settings.MIDDLEWARE if m not in (OURS, SILK)]
    if silk:
        at = authentication_index(chosen) + 1
        chosen.insert(at, SILK)
    if ours:
        chosen.insert(0, OURS)
    return chosen


VARIANTS = {
    "bare": (middleware(ours=False, silk=False), 0),
    "middleware": (middleware(ours=True, silk=False), 0),
    "middleware + Silk at 10%": (middleware(ours=True, silk=True), 10),
    "middleware + Silk at 100%": (middleware(ours=True, silk=True), 100),
}


def client_for(user_id: int) -> APIClient:
    client = APIClient()
    _, key = token_create(user=User.objects.get(pk=user_id), client="benchmark")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def measure(url: str, requests: int, *, uncached: bool) -> dict[str, float]:
    user_id = Participant.objects.values("user").annotate(n=Count("id")).order_by("-n")[0]["user"]
    times = {name: [] for name in VARIANTS}
    for _ in range(requests):
        for name, (chain, percent) in VARIANTS.items():
            SilkyConfig().SILKY_INTERCEPT_PERCENT = percent
            with override_settings(MIDDLEWARE=chain):
                client = client_for(user_id)
                if uncached:
                    caching.bump_everything()
                started = time.perf_counter()
                response = client.get(url)
                times[name].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{name} {url}: {response.status_code}")
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    print(f"{args.requests} requests per variant, medians\n")
    header = " | ".join(VARIANTS)
    print(f"| request | {header} | middleware overhead | + Silk 10% overhead |")
    print("| --- |" + " --- |" * (len(VARIANTS) + 2))
    for label, url, uncached in [
        ("meeting list, cached", "/api/meetings/", False),
        ("meeting list, uncached", "/api/meetings/", True),
        ("statistics, cached", "/api/meetings/stats/", False),
    ]:
        m = measure(url, args.requests, uncached=uncached)
        bare = m["bare"]
        cells = " | ".join(f"{m[name]:.2f} ms" for name in VARIANTS)
        print(
            f"| {label} | {cells} | {(m['middleware'] / bare - 1):+.1%} | "
            f"{(m['middleware + Silk at 10%'] / bare - 1):+.1%} |",
            flush=True,
        )
    Request.objects.all().delete()


if __name__ == "__main__":
    main()
