"""The change record in the admin: read-only, at a fixed cost, linked from each meeting."""

import pytest
from django.urls import reverse

from meetings.changes.models import MeetingChange
from meetings.models import Meeting
from testsupport.admin_datasets import assert_fixed_queries

pytestmark = pytest.mark.django_db

CHANGES = reverse("admin:meetings_meetingchange_changelist")


def a_change(data) -> MeetingChange:
    return MeetingChange.objects.filter(meeting_id=data.focus.pk).order_by("id").first()


@pytest.mark.parametrize(
    ("url_for", "expected"),
    [
        # session, user, count, page
        (lambda data: CHANGES, 4),
        (lambda data: CHANGES + "?source=system&subject__exact=participant", 4),
        (lambda data: CHANGES + "?action__exact=created&o=1", 4),
        (lambda data: CHANGES + f"?q={data.focus.pk}", 4),
        (lambda data: CHANGES + f"?meeting_id={data.focus.pk}", 4),
        (lambda data: CHANGES + "?p=2", 4),
        # session, user, the row
        (lambda data: reverse("admin:meetings_meetingchange_change", args=[a_change(data).pk]), 3),
    ],
)
def test_the_change_record_pages_run_a_fixed_number_of_queries(
    admin_client, admin_dataset, url_for, expected
):
    assert_fixed_queries(admin_client, admin_dataset, url_for, expected)


def test_a_meetings_page_links_to_its_history(admin_client, admin_dataset):
    # given
    url = reverse("admin:meetings_meeting_change", args=[admin_dataset.focus.pk])

    # when
    response = admin_client.get(url)

    # then
    assert f"{CHANGES}?meeting_id={admin_dataset.focus.pk}" in response.text
    assert "Every change to this meeting" in response.text


def test_the_list_shows_who_from_where_and_what_changed(admin_client, admin_dataset):
    # given: staff rename the meeting through its admin page's data path, the ORM
    from scheduler.audit import Actor, acting_as

    with acting_as(Actor(id=7, label="stella", source="admin")):
        Meeting.objects.filter(pk=admin_dataset.focus.pk).update(title="Renamed")

    # when
    response = admin_client.get(CHANGES + f"?meeting_id={admin_dataset.focus.pk}")

    # then
    [renamed, created] = response.context["cl"].result_list
    assert renamed.action == "updated"
    assert created.action == "created"
    assert "stella (#7)" in response.text
    assert "<li>title: Focus meeting → Renamed</li>" in response.text


def test_a_search_is_a_meetings_number_exactly(admin_client, admin_dataset):
    admin_dataset.grow(12)
    focus = admin_dataset.focus.pk

    found = admin_client.get(CHANGES + f"?q={focus}").context["cl"].result_list
    nothing = admin_client.get(CHANGES + "?q=Focus").context["cl"].result_list

    assert {change.meeting_id for change in found} == {focus}
    assert list(nothing) == []


def test_nobody_adds_edits_or_deletes_a_change(admin_client, admin_dataset):
    # given
    change = a_change(admin_dataset)
    page = reverse("admin:meetings_meetingchange_change", args=[change.pk])

    # when
    viewed = admin_client.get(page)
    posted = admin_client.post(page, {"source": "api"})
    added = admin_client.get(reverse("admin:meetings_meetingchange_add"))
    deleted = admin_client.post(
        reverse("admin:meetings_meetingchange_delete", args=[change.pk]), {"post": "yes"}
    )
    action = admin_client.post(
        CHANGES, {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"}
    )

    # then
    assert viewed.status_code == 200
    assert 'name="_save"' not in viewed.text
    assert (posted.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    assert action.status_code == 200  # "no action selected": there is none to choose
    assert MeetingChange.objects.filter(pk=change.pk, source=change.source).exists()
