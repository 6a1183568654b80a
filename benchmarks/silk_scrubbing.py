"""What scrubbing Silk's records costs: Silk's own middleware against ours, both recording
every request, medians of requests interleaved one by one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_bench \
        .venv/bin/python -m benchmarks.silk_scrubbing [--requests 300]

In-process through Django's test client with token authentication, against a meeting list of
50 meetings (a 30 kB JSON answer) and the caller's profile. Makes its user and meetings if
missing; deletes every Silk record at the end.
"""

import argparse
import os
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("THROTTLE_USER", "100000000/hour")  # measure the work, not the 429s
os.environ["SILK_ENABLED"] = "true"
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ZEAL", "false")
django.setup()

from django.conf import settings  # noqa: E402
from django.db.models.signals import pre_save  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from silk.config import SilkyConfig  # noqa: E402
from silk.models import Request, Response  # noqa: E402

from accounts.models import User  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from scheduler import silk_recording  # noqa: E402
from scheduler.silk import SILK_MIDDLEWARE  # noqa: E402

SILKS_OWN = "silk.middleware.SilkyMiddleware"
RECEIVERS = [
    (silk_recording.scrub_request, Request, "scheduler.silk_recording.request"),
    (silk_recording.scrub_response, Response, "scheduler.silk_recording.response"),
]


def scrubbing(on: bool) -> None:
    for receiver, sender, uid in RECEIVERS:
        if on:
            pre_save.connect(receiver, sender=sender, dispatch_uid=uid)
        else:
            pre_save.disconnect(sender=sender, dispatch_uid=uid)


def client() -> APIClient:
    user, _ = User.objects.get_or_create(username="silk-scrubbing-bench")
    if not Meeting.objects.filter(created_by=user).exists():
        now = timezone.now()
        Meeting.objects.bulk_create(
            Meeting(
                created_by=user,
                title=f"Meeting {i}",
                start_time=now + timedelta(hours=i),
                end_time=now + timedelta(hours=i, minutes=30),
            )
            for i in range(50)
        )
    token, _ = Token.objects.get_or_create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    ours = list(settings.MIDDLEWARE)
    variants = {
        "Silk": [SILKS_OWN if name == SILK_MIDDLEWARE else name for name in ours],
        "Silk + scrubbing": ours,
    }
    SilkyConfig().SILKY_INTERCEPT_PERCENT = 100
    api = client()
    print(f"{args.requests} requests per variant, medians\n")
    print("| request | Silk | Silk + scrubbing | scrubbing |\n| --- | --- | --- | --- |")
    for url in ("/api/meetings/?page_size=50", "/api/users/me/"):
        times = {name: [] for name in variants}
        for _ in range(args.requests):
            for name, chain in variants.items():
                scrubbing(on=chain is ours)
                with override_settings(MIDDLEWARE=chain):
                    started = time.perf_counter()
                    response = api.get(url)
                    times[name].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{name} {url}: {response.status_code}")
        bare, scrubbed = (statistics.median(times[name]) for name in variants)
        print(f"| {url} | {bare:.2f} ms | {scrubbed:.2f} ms | {scrubbed / bare - 1:+.1%} |")
    scrubbing(on=True)
    Request.objects.all().delete()


if __name__ == "__main__":
    main()
