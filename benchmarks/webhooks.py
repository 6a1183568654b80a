"""Webhook delivery: how many events a second reach a local receiver, and what dispatching a
change costs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
        .venv/bin/python -m benchmarks.webhooks [--events 2000] [--subscriptions 4]

Makes a bench user with `subscriptions` webhooks to a local HTTP receiver (a threaded server
in this process, answering 200 at once), commits `events` meeting changes as the triggers
record them (bulk inserts), then times the dispatcher (change record -> deliveries) and the
deliverer (each subscription's line, signed, one POST per delivery, in sequence, as a
worker does one subscription at a time). Every delivery is checked: signature (the
standardwebhooks package) and sequence. Then deletes what it made (the change record is
append-only and keeps its rows). Applies the webhooks migrations if the database lacks them.
"""

import argparse
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
os.environ.setdefault("SILK_ENABLED", "false")
os.environ.setdefault("ZEAL", "false")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "true")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from standardwebhooks.webhooks import Webhook  # noqa: E402

from accounts.models import User  # noqa: E402
from meetings.changes.models import MeetingChange  # noqa: E402
from meetings.changes.selectors import change_horizon  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from webhooks import delivery, dispatch, signing  # noqa: E402
from webhooks.models import Delivery, Subscription  # noqa: E402

received: list[tuple[dict, bytes]] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=4)
    args = parser.parse_args()
    if "webhooks_delivery" not in connection.introspection.table_names():
        call_command("migrate", "webhooks", verbosity=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    user, _ = User.objects.get_or_create(username="webhook-bench")
    dispatch.cursor_ensure()
    dispatch.changes_dispatch(batches=10_000)  # whatever came before is not ours to time
    subscriptions = [
        Subscription.objects.create(
            owner=user,
            url=url,
            events=["meeting.created"],
            secret=signing.secret_new(),
            start_position=change_horizon(),
        )  # fmt: skip
        for _ in range(args.subscriptions)
    ]
    try:
        run(user, subscriptions, args.events)
    finally:
        Meeting.objects.filter(created_by=user).delete()
        Subscription.objects.filter(owner=user).delete()
        server.shutdown()


def run(user: User, subscriptions: list[Subscription], events: int) -> None:
    start = datetime(2031, 1, 6, 9, tzinfo=UTC)
    Meeting.objects.bulk_create(
        Meeting(
            title=f"Bench {n}",
            created_by=user,
            start_time=start + timedelta(hours=n),
            end_time=start + timedelta(hours=n, minutes=30),
        )  # fmt: skip
        for n in range(events)
    )
    last = MeetingChange.objects.order_by("-position").values_list("position", flat=True)[0]
    while change_horizon() <= last:
        time.sleep(0.05)
    began = time.perf_counter()
    done = dispatch.changes_dispatch(batches=10_000)
    dispatched = time.perf_counter() - began
    began = time.perf_counter()
    for subscription in subscriptions:
        while delivery.subscription_deliver(subscription_id=subscription.pk).more:
            pass
    sent = time.perf_counter() - began
    check(subscriptions, events)
    total = events * len(subscriptions)
    print(f"webhooks: {events} changes x {len(subscriptions)} subscriptions = {total} deliveries")
    print(
        f"  dispatch: {dispatched * 1000:.0f} ms for {done.changes} changes "
        f"({dispatched / max(done.changes, 1) * 1e6:.0f} us a change, "
        f"{dispatched / max(done.deliveries, 1) * 1e6:.0f} us a delivery made)"
    )
    print(
        f"  delivery: {total / sent:.0f} events/s delivered to a local receiver, one worker "
        f"({sent / total * 1000:.2f} ms each: sign, POST, record)"
    )


def check(subscriptions: list[Subscription], events: int) -> None:
    by_secret = {}
    for headers, body in received:
        for subscription in subscriptions:
            try:
                payload = Webhook(subscription.secret).verify(body, headers)
            except Exception:  # noqa: BLE001, S112 - another subscription's secret
                continue
            by_secret.setdefault(subscription.pk, []).append(payload["data"]["sequence"])
    for subscription in subscriptions:
        if by_secret.get(subscription.pk) != list(range(1, events + 1)):
            raise SystemExit(f"subscription {subscription.pk}: deliveries missing or out of order")
    if Delivery.objects.filter(subscription__in=subscriptions, status="pending").exists():
        raise SystemExit("deliveries left pending")


if __name__ == "__main__":
    main()
