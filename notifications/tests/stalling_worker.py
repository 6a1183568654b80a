"""A Celery worker (prefork, one child) whose first delivery stalls, so that a test can kill it.

    python -m notifications.tests.stalling_worker <marker dir> <before-commit|after-commit>

before-commit: the notifications are inserted but not committed; after-commit: they are
committed and the e-mail is about to go out. The stalling child writes <marker dir>/stalled
holding its pid, then sleeps; any later delivery (after the kill) goes through.
"""

import os
import sys
import time
from pathlib import Path

import django

django.setup()

from notifications import emails  # noqa: E402
from notifications.models import Notification  # noqa: E402
from scheduler.celery import app  # noqa: E402

MARKER_DIR, WHERE = Path(sys.argv[1]), sys.argv[2]


def stall_once() -> None:
    marker = MARKER_DIR / "stalled"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    time.sleep(120)


if WHERE == "before-commit":
    real_bulk_create = Notification.objects.bulk_create

    def bulk_create_then_stall(*args, **kwargs):
        created = real_bulk_create(*args, **kwargs)
        stall_once()
        return created

    Notification.objects.bulk_create = bulk_create_then_stall
else:
    real_send = emails.send_pending_emails

    def stall_then_send(*args, **kwargs):
        stall_once()
        return real_send(*args, **kwargs)

    emails.send_pending_emails = stall_then_send

app.worker_main(
    [
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=WARNING",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
)
