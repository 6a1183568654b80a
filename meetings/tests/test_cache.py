"""Nobody reads stale meetings after a write, whichever path the write took.

Each test warms the caches of everybody concerned, makes one write as it happens in
production (committed, so on_commit callbacks run), and reads again.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory
from meetings import cache as meeting_cache
from meetings.models import Meeting, Participant
from meetings.services.lifecycle import meeting_cancel, meeting_update
from meetings.tests.factories import MeetingFactory, ParticipantFactory
from scheduler import caching

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block as a committed transaction would (on_commit runs)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def world(committed, api_as):
    with committed():
        organizer, guest, outsider = UserFactory(), UserFactory(), UserFactory()
        meeting = MeetingFactory(created_by=organizer, title="Before")
        ParticipantFactory(meeting=meeting, user=guest)
    return {
        "meeting": meeting,
        "organizer": organizer,
        "guest": guest,
        "outsider": outsider,
        "clients": {u: api_as(u) for u in (organizer, guest, outsider)},
    }


def reads(client, meeting_id):
    """What a user sees: list, detail and statistics (each cached)."""
    listed = {m["id"]: m for m in client.get("/api/meetings/").json()["results"]}
    detail = client.get(f"/api/meetings/{meeting_id}/")
    stats = client.get("/api/meetings/stats/").json()
    return listed.get(meeting_id), (detail.json() if detail.status_code == 200 else None), stats


def warm(world):
    for client in world["clients"].values():
        reads(client, world["meeting"].pk)
        reads(client, world["meeting"].pk)  # now served from the cache


def hits():
    return sum(family["hits"] for family in meeting_cache.hit_rates().values())


def test_warm_reads_come_from_the_cache(world):
    warm(world)
    before = hits()

    reads(world["clients"][world["guest"]], world["meeting"].pk)

    assert hits() == before + 3


def test_an_api_edit_reaches_organizer_and_participants(world, committed):
    warm(world)
    meeting = world["meeting"]

    with committed():
        world["clients"][world["organizer"]].patch(
            f"/api/meetings/{meeting.pk}/", {"title": "After"}
        )

    for user in (world["organizer"], world["guest"]):
        listed, detail, _ = reads(world["clients"][user], meeting.pk)
        assert listed["title"] == detail["title"] == "After"


def test_an_answer_reaches_the_organizer(world, committed):
    warm(world)
    meeting = world["meeting"]

    with committed():
        world["clients"][world["guest"]].post(
            f"/api/meetings/{meeting.pk}/rsvp/", {"status": "declined"}
        )

    listed, detail, _ = reads(world["clients"][world["organizer"]], meeting.pk)
    assert listed["participants"][0]["status"] == detail["participants"][0]["status"] == "declined"


def test_an_invitation_reaches_the_new_participant(world, committed):
    warm(world)
    meeting = world["meeting"]

    with committed():
        world["clients"][world["organizer"]].post(
            f"/api/meetings/{meeting.pk}/participants/", {"user_id": world["outsider"].pk}
        )

    listed, detail, stats = reads(world["clients"][world["outsider"]], meeting.pk)
    assert listed is not None
    assert detail is not None
    assert stats["total_meetings"] == 1


@pytest.mark.parametrize("how", ["uninvite", "replace invitees", "delete meeting"])
def test_people_who_lose_a_meeting_stop_seeing_it(world, committed, how):
    warm(world)
    meeting, organizer = world["meeting"], world["clients"][world["organizer"]]

    with committed():
        if how == "uninvite":
            organizer.delete(f"/api/meetings/{meeting.pk}/participants/{world['guest'].pk}/")
        elif how == "replace invitees":
            organizer.patch(f"/api/meetings/{meeting.pk}/", {"participant_ids": []})
        else:
            organizer.delete(f"/api/meetings/{meeting.pk}/")

    listed, detail, stats = reads(world["clients"][world["guest"]], meeting.pk)
    assert (listed, detail, stats["total_meetings"]) == (None, None, 0)


def test_a_cancellation_changes_the_statistics(world, committed):
    warm(world)

    with committed():
        world["clients"][world["organizer"]].post(f"/api/meetings/{world['meeting'].pk}/cancel/")

    _, _, stats = reads(world["clients"][world["guest"]], world["meeting"].pk)
    assert stats["by_status"] == {"scheduled": 0, "cancelled": 1}


def test_a_bulk_create_reaches_the_invitees(world, committed):
    warm(world)
    start = world["meeting"].start_time + timedelta(days=1)

    with committed():
        world["clients"][world["organizer"]].post(
            "/api/meetings/bulk/",
            [
                {
                    "title": "Bulk",
                    "start_time": start.isoformat(),
                    "end_time": (start + timedelta(hours=1)).isoformat(),
                    "participant_ids": [world["outsider"].pk],
                }
            ],
        )

    _, _, stats = reads(world["clients"][world["outsider"]], world["meeting"].pk)
    assert stats["total_meetings"] == 1


def test_a_bulk_status_change_reaches_the_participants(world, committed):
    warm(world)

    with committed():
        world["clients"][world["organizer"]].post(
            "/api/meetings/bulk-status/", {"ids": [world["meeting"].pk], "status": "cancelled"}
        )

    listed, detail, _ = reads(world["clients"][world["guest"]], world["meeting"].pk)
    assert listed["status"] == detail["status"] == "cancelled"


def test_the_admin_cancel_action_reaches_the_participants(world, committed, admin_client):
    warm(world)

    with committed():
        admin_client.post(
            reverse("admin:meetings_meeting_changelist"),
            {"action": "cancel_selected", "_selected_action": [world["meeting"].pk]},
        )

    listed, _, _ = reads(world["clients"][world["guest"]], world["meeting"].pk)
    assert listed["status"] == "cancelled"


def test_an_admin_edit_reaches_the_participants_and_a_new_organizer(world, committed):
    warm(world)
    meeting = Meeting.objects.get(pk=world["meeting"].pk)

    with committed():
        meeting.title = "Edited by staff"
        meeting.created_by = world["outsider"]
        meeting.save()  # what the admin's change form does

    listed, _, _ = reads(world["clients"][world["guest"]], meeting.pk)
    assert listed["title"] == "Edited by staff"
    assert reads(world["clients"][world["organizer"]], meeting.pk)[0] is None
    assert reads(world["clients"][world["outsider"]], meeting.pk)[0] is not None


def test_code_that_saves_an_invitation_is_seen(world, committed):
    warm(world)

    with committed():
        Participant.objects.filter(meeting=world["meeting"]).get().delete()

    assert reads(world["clients"][world["guest"]], world["meeting"].pk)[0] is None


def test_renaming_a_user_reaches_everyone_who_shows_them(world, committed):
    warm(world)

    with committed():
        guest = world["guest"]
        guest.username = "renamed"
        guest.save()

    listed, _, _ = reads(world["clients"][world["organizer"]], world["meeting"].pk)
    assert listed["participants"][0]["user"]["username"] == "renamed"


def test_seeding_demo_data_is_seen(world, committed):
    warm(world)

    with committed():
        from meetings.demo import seed

        seed(users=3, meetings=20)

    # the seeded users include the existing ones, so some of them got new meetings
    fresh = {
        u: reads(world["clients"][u], world["meeting"].pk)[2]["total_meetings"]
        for u in (world["organizer"], world["guest"], world["outsider"])
    }
    actual = {u: Meeting.objects.visible_to(u).count() for u in fresh}
    assert fresh == actual


def test_a_rolled_back_write_leaves_the_cache_right(world):
    warm(world)
    guest_client = world["clients"][world["guest"]]
    before = reads(guest_client, world["meeting"].pk)

    inside = {}

    def doomed():
        with transaction.atomic():
            meeting_cancel(meeting=world["meeting"], by=world["organizer"], reason="x")
            # reads inside the transaction see its change, and must not cache it
            inside["reads"] = reads(guest_client, world["meeting"].pk)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        doomed()

    assert inside["reads"][0]["status"] == "cancelled"
    assert reads(guest_client, world["meeting"].pk) == before
    assert before[0]["status"] == "scheduled"


def test_a_slow_reader_cannot_put_stale_data_back(world, committed):
    """The reader reads the database, the writer commits and flushes, then the reader stores
    what it read: the next read must not serve it."""
    guest, meeting = world["guest"], world["meeting"]
    stale_body = b'{"stale": true}'

    def slow_render():
        # the writer gets in between the reader's query and its store
        with committed():
            meeting_update(meeting=meeting, by=world["organizer"], title="Fresh")
        return stale_body

    key = meeting_cache._key(meeting_cache.LIST, guest.pk, "race")
    first = caching.cached_for_user(
        family=meeting_cache.LIST,
        user_id=guest.pk,
        key=key,
        timeout=60,
        compute=lambda: caching.Computed(slow_render(), None),
    )
    second = caching.cached_for_user(
        family=meeting_cache.LIST,
        user_id=guest.pk,
        key=key,
        timeout=60,
        compute=lambda: caching.Computed(b'{"fresh": true}', None),
    )

    assert first == stale_body  # what the slow reader itself answers
    assert second == b'{"fresh": true}'


def test_statistics_expire_when_the_next_meeting_starts(world, committed, api_as):
    """ "upcoming" changes as time passes: the entry must not outlive the next start."""
    from django.utils import timezone

    with committed():
        soon = MeetingFactory(
            created_by=world["outsider"],
            start_time=timezone.now() + timedelta(seconds=30),
            end_time=timezone.now() + timedelta(hours=1),
        )
    captured = {}
    original = caching.cache.set

    def spy(key, value, timeout=None, **kwargs):
        captured[key] = timeout
        return original(key, value, timeout, **kwargs)

    caching.cache.set = spy
    try:
        world["clients"][world["outsider"]].get("/api/meetings/stats/")
    finally:
        caching.cache.set = original

    [timeout] = [t for k, t in captured.items() if meeting_cache.STATS in k]
    assert 0 < timeout <= 30
    assert soon.pk


def test_hit_rates_are_counted_per_family(world):
    caching.reset_hit_rates(meeting_cache.FAMILIES)
    client = world["clients"][world["guest"]]

    for _ in range(3):
        client.get("/api/meetings/")
    client.get("/api/meetings/stats/")

    rates = meeting_cache.hit_rates()
    assert rates[meeting_cache.LIST] == {"hits": 2, "misses": 1, "hit_rate": 0.6667}
    assert rates[meeting_cache.STATS] == {"hits": 0, "misses": 1, "hit_rate": 0.0}
    assert rates[meeting_cache.DETAIL] == {"hits": 0, "misses": 0, "hit_rate": None}
