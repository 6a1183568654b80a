"""A list page cut from each half of "organized or invited" (MeetingQuerySet.first_in_order)
holds exactly the rows that LIMIT on the whole union gives, page after page, filtered or not."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.selectors import MeetingFilters, meeting_list
from meetings.tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 5, 4, 8, tzinfo=UTC)


@pytest.fixture
def olga():
    """Olga organizes 30 meetings and is invited to 30, their times interleaved and some
    equal (the id breaks the tie); others' meetings she must never see lie between."""
    olga = UserFactory()
    for n in range(90):
        at = START + timedelta(hours=n // 2)
        role = n % 3
        meeting = MeetingFactory(
            start_time=at,
            end_time=at + timedelta(minutes=30),
            status="cancelled" if n % 7 == 0 else "scheduled",
            **({"created_by": olga} if role == 0 else {}),
        )
        if role == 1:
            ParticipantFactory(meeting=meeting, user=olga)
    return olga


def _pages(queryset, size: int, cut) -> list[list[int]]:
    pages, after = [], None
    while True:
        page = queryset.order_by("start_time", "id")
        if after is not None:
            page = page.filter(start_time__gte=after[0]).exclude(
                start_time=after[0], id__lte=after[1]
            )
        rows = list(cut(page, size))
        if not rows:
            return pages
        pages.append([row.id for row in rows])
        after = (rows[-1].start_time, rows[-1].id)


@pytest.mark.parametrize(
    "filters",
    [MeetingFilters(), MeetingFilters(status="scheduled"), MeetingFilters(start=START)],
    ids=["all", "scheduled", "from"],
)
@pytest.mark.parametrize("size", [1, 7, 25])
def test_each_page_is_the_page_limit_gives(olga, filters, size):
    queryset = meeting_list(user=olga, filters=filters).prefetch_related(None)

    cut = _pages(queryset, size, lambda page, n: page.first_in_order(n))
    whole = _pages(queryset, size, lambda page, n: page[:n])

    assert cut == whole
    seen = [pk for page in cut for pk in page]
    assert len(seen) == len(set(seen)) == queryset.count() > size


def test_the_cut_never_shows_a_meeting_the_user_cannot_see(olga):
    strangers = set(
        Meeting.objects.exclude(pk__in=meeting_list(user=olga)).values_list("pk", flat=True)
    )

    page = meeting_list(user=olga).first_in_order(100)

    assert strangers
    assert not strangers & {meeting.pk for meeting in page}


@pytest.mark.postgres
def test_the_cut_reads_the_users_meetings_once_per_half(olga):
    page = meeting_list(user=olga).prefetch_related(None).order_by("start_time", "id")

    sql = str(page.first_in_order(10).query)

    # each half reaches its own rows (organized by olga; her invitations), once; the union of
    # all her meetings, which only the halves narrow, is not built at all
    assert sql.count("meetings_participant") == 1
    assert sql.count("UNION ALL") == 1
    assert " UNION (" not in sql


@pytest.mark.postgres
def test_a_query_whose_visibility_is_no_longer_a_plain_condition_is_cut_whole(olga):
    mine = meeting_list(user=olga).prefetch_related(None)
    either = (mine.filter(status="cancelled") | mine.filter(status="scheduled")).order_by(
        "start_time", "id"
    )
    either._viewer = olga  # as if it had come from visible_to() unchanged

    rows = either.first_in_order(10)

    assert [m.pk for m in rows] == [m.pk for m in mine.order_by("start_time", "id")[:10]]
