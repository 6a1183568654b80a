import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.services.bulk import meeting_bulk_set_status
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler.audit import without_context

pytestmark = pytest.mark.django_db


def test_bulk_cancel_is_one_update_that_counts_only_what_changed(django_assert_num_queries):
    # given
    scheduled = [ParticipantFactory().meeting for _ in range(3)]
    cancelled = MeetingFactory(status=Meeting.Status.CANCELLED)
    other = MeetingFactory()
    before = {m.pk: m.updated_at for m in [*scheduled, cancelled]}
    chosen = Meeting.objects.filter(pk__in=before)
    staff = UserFactory(is_staff=True)
    # when: SAVEPOINT, which change, UPDATE, their participants, INSERT events, RELEASE (the
    # test runs in a transaction)
    with django_assert_num_queries(6) as queries:
        changed = meeting_bulk_set_status(
            meetings=chosen, status=Meeting.Status.CANCELLED, by=staff, counted=False
        )
    # then
    assert changed == 3
    sqls = [without_context(q["sql"]) for q in queries.captured_queries]
    assert [sql.split()[0] for sql in sqls].count("UPDATE") == 1
    rows = Meeting.objects.in_bulk([*before, other.pk])
    assert {rows[pk].status for pk in before} == {Meeting.Status.CANCELLED}
    assert rows[other.pk].status == Meeting.Status.SCHEDULED
    assert all(rows[m.pk].updated_at > before[m.pk] for m in scheduled)
    assert rows[cancelled.pk].updated_at == before[cancelled.pk]
