import pytest
from django.db import connection
from django.urls import reverse

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from scheduler.admin_pagination import EstimatedCountPaginator

pytestmark = pytest.mark.django_db

MEETINGS = reverse("admin:meetings_meeting_changelist")


def count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'COUNT(*) AS "__count"' in q["sql"]]


def test_small_tables_are_counted_exactly():
    MeetingFactory.create_batch(3)

    assert EstimatedCountPaginator(Meeting.objects.all(), 50).count == 3


@pytest.mark.postgres
def test_a_big_unfiltered_table_is_counted_from_the_planner_estimate(
    admin_client, django_assert_num_queries, monkeypatch
):
    # given: "big" means above the threshold, lowered here to keep the table small
    MeetingFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting")
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 0)
    # when
    with django_assert_num_queries(6) as queries:
        response = admin_client.get(MEETINGS)
    # then
    assert count_queries(queries) == []
    assert any("reltuples" in q["sql"] for q in queries.captured_queries)
    assert response.context["cl"].result_count == 7


@pytest.mark.postgres
def test_a_filtered_list_is_still_counted_exactly(admin_client, monkeypatch):
    MeetingFactory.create_batch(3)
    MeetingFactory(status=Meeting.Status.CANCELLED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting")
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 0)

    response = admin_client.get(MEETINGS + "?status__exact=cancelled")

    assert response.context["cl"].result_count == 1
