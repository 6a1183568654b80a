"""A Celery worker inside the test process, for tests that need tasks really queued and run."""

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController


@contextmanager
def running_worker(app: Celery) -> Iterator[WorkController]:
    """A worker in a thread of this process that runs one task at a time, in a pool thread.

    Not the "solo" pool, which runs each task on the worker's event loop: kombu's loop queues
    the late acknowledgement with call_soon, and a callback queued from the loop's own thread,
    in the middle of a turn, waits until the loop's next poll returns. With prefetch 1 RabbitMQ
    sends nothing more until that ack, so the poll sleeps out its timer, up to 10 s, again and
    again: a stream of tasks then runs in bursts 10 s apart. A pool thread's ack wakes the loop
    at once, as the deployed prefork worker's does.
    """
    with start_worker(
        app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=15
    ) as worker:
        yield worker
