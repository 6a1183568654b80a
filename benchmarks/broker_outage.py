"""How long creating a meeting takes with the Celery broker up, down and stalled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler \
        .venv/bin/python -m benchmarks.broker_outage

Starts a private redis-server as the broker (and stops, pauses it), creates meetings through
the API in-process, and prints each request's time. Writes a few meetings and events to the
database it is given.
"""

import os
import statistics
import time

from testsupport.servers import private_redis

with private_redis() as broker:
    os.environ["CELERY_BROKER_URL"] = broker.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from rest_framework.test import APIClient

    from accounts.models import User
    from notifications import tasks
    from notifications.models import Event

    organizer = User.objects.filter(is_active=True).order_by("id").first()
    guests = list(User.objects.filter(is_active=True).order_by("id")[1:4])
    client = APIClient()
    client.force_authenticate(organizer)

    def create() -> float:
        started = time.perf_counter()
        response = client.post(
            "/api/meetings/",
            {
                "title": "Outage benchmark",
                "start_time": "2027-01-04T09:00:00Z",
                "end_time": "2027-01-04T10:00:00Z",
                "participant_ids": [g.pk for g in guests],
            },
            format="json",
        )
        if response.status_code != 201:
            raise RuntimeError(response.content)
        return (time.perf_counter() - started) * 1000

    def series(n=5):
        return [create() for _ in range(n)]

    create()  # warm up
    up = series()
    broker.kill()
    down = series()
    broker.start()
    tasks._broker._open_until = 0
    create()
    broker.pause()
    stalled = series()
    broker.resume()
    pending = Event.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).count()
    print("| broker | first request ms | median of the next 4 ms |\n| --- | --- | --- |")
    for name, times in (("up", up), ("down", down), ("stalled (SIGSTOP)", stalled)):
        print(f"| {name} | {times[0]:.0f} | {statistics.median(times[1:]):.0f} |")
    print(f"\n{pending} events wait in the outbox for the sweep (no worker runs here).")
