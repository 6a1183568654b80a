"""A list too long is refused before any of its elements is looked at: DRF validates every
element and only then counts them (5.9 million ids held a worker for 22 s before the 400)."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from meetings.services.bulk import MAX_BULK_MEETINGS
from meetings.services.participants import MAX_PARTICIPANTS
from meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 3, 2, 9, tzinfo=UTC)
HUGE = 100_000


@pytest.fixture
def integers_validated(monkeypatch):
    """How many integers the request validated (each id of a list is one)."""
    validated = []
    original = serializers.IntegerField.to_internal_value

    def counting(field, data):
        validated.append(data)
        return original(field, data)

    monkeypatch.setattr(serializers.IntegerField, "to_internal_value", counting)
    return validated


def meeting(**extra):
    return {
        "title": "Sync",
        "start_time": NINE.isoformat(),
        "end_time": (NINE + timedelta(hours=1)).isoformat(),
        **extra,
    }


def test_bulk_status_refuses_a_huge_list_of_ids_without_validating_one(api_as, integers_validated):
    # given
    client = api_as(UserFactory())
    # when
    response = client.post(
        "/api/meetings/bulk-status/", {"ids": list(range(1, HUGE + 1)), "status": "cancelled"}
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "ids": [f"Ensure this field has no more than {MAX_BULK_MEETINGS} elements."]
    }
    assert integers_validated == []


def test_a_list_at_its_limit_is_still_validated_element_by_element(api_as, integers_validated):
    # given: the longest list allowed, one of its ids invalid
    ids = [*range(1, MAX_BULK_MEETINGS), 0]
    # when
    response = api_as(UserFactory()).post(
        "/api/meetings/bulk-status/", {"ids": ids, "status": "cancelled"}
    )
    # then
    assert response.status_code == 400
    assert "499" in response.json()["ids"]  # the index of the bad one
    assert len(integers_validated) == MAX_BULK_MEETINGS


@pytest.mark.parametrize("method", ["post", "patch"])
def test_participant_ids_are_counted_before_they_are_validated(api_as, integers_validated, method):
    # given
    me = UserFactory()
    mine = MeetingFactory(created_by=me)
    client = api_as(me)
    path = "/api/meetings/" if method == "post" else f"/api/meetings/{mine.pk}/"
    # when
    response = getattr(client, method)(path, meeting(participant_ids=[1] * HUGE))
    # then
    assert response.status_code == 400
    assert response.json() == {
        "participant_ids": [f"Ensure this field has no more than {MAX_PARTICIPANTS} elements."]
    }
    assert integers_validated == []


def test_a_bulk_item_with_too_long_a_list_is_refused_without_validating_its_ids(
    api_as, integers_validated
):
    response = api_as(UserFactory()).post(
        "/api/meetings/bulk/", [meeting(), meeting(participant_ids=[1] * (MAX_PARTICIPANTS + 1))]
    )

    assert response.status_code == 400
    assert response.json() == {
        "1": {
            "participant_ids": [f"Ensure this field has no more than {MAX_PARTICIPANTS} elements."]
        }
    }
    assert integers_validated == []


def test_a_huge_bulk_list_is_refused_before_its_items(api_as, integers_validated):
    response = api_as(UserFactory()).post(
        "/api/meetings/bulk/", [{"participant_ids": [1]}] * (MAX_BULK_MEETINGS + 1)
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [f"Ensure this field has no more than {MAX_BULK_MEETINGS} elements."]
    }
    assert integers_validated == []
