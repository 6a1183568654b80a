"""Sync never steps past a transaction still running, on PostgreSQL, where transaction ids
(the change record's positions) are handed out at the first write and commit in any order."""

import threading

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory

from .test_sync import SYNC, _all_pages, _changes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_change_committed_late_under_a_lower_id_is_not_skipped(api_as):
    # given two meetings of olga's, and her sync token
    olga = UserFactory()
    first, second = MeetingFactory.create_batch(2, created_by=olga)
    client = api_as(olga)
    _, token = _all_pages(client, SYNC)
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():  # takes its transaction id first
                Meeting.objects.filter(pk=first.pk).update(title="Slow")
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=30)
    # when a later transaction commits first, and olga syncs while the first still runs
    Meeting.objects.filter(pk=second.pk).update(title="Fast")
    body = client.get(f"{SYNC}?sync_token={token}").json()  # no waiting for the horizon here
    meanwhile, token = body["results"], body["next_sync_token"]
    release.set()
    thread.join()
    # then she is given neither yet (the fast one lies above the running one), then both
    assert meanwhile == []
    after, _ = _changes(client, token)
    assert after == {first.pk: "updated", second.pk: "updated"}
