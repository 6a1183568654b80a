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
"""

import argparse
import json
import os
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--json", help="write the figures here too")
    arguments = parser.parse_args()
    settings.SERIES_MAX_OCCURRENCES = max(settings.SERIES_MAX_OCCURRENCES, arguments.days)
    meetings = Meeting.objects.count()
    print(f"{meetings:,} meetings; a daily series of {arguments.days} occurrences, 10 people")
    samples: dict[str, list[dict]] = {"naive": [], "tuned": []}
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
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump({"meetings": meetings, "days": arguments.days, **results}, out, indent=2)


if __name__ == "__main__":
    main()
