"""The transactional outbox: events are written with the change that caused them and delivered
after the commit, by a task or, failing that, by the periodic sweep (delivery.py). This module
records; it imports the tasks, which import delivery, never the other way round."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from . import tasks
from .models import Event

_captured: ContextVar[list[Event] | None] = ContextVar("captured_events", default=None)


@contextmanager
def events_captured() -> Iterator[list[Event]]:
    """The events recorded inside the block, for a dry run that will roll them back."""
    captured: list[Event] = []
    token = _captured.set(captured)
    try:
        yield captured
    finally:
        _captured.reset(token)


def events_record(events: Iterable[Event]) -> list[Event]:
    """Save events in the caller's transaction; their delivery is queued once it commits."""
    events = [event for event in events if event.recipient_ids]
    if not events:
        return []
    if (captured := _captured.get()) is not None:
        captured.extend(events)
    Event.objects.bulk_create(events)
    ids = [str(event.id) for event in events]
    transaction.on_commit(lambda: tasks.enqueue_deliveries(ids))
    return events
