"""The calendar feed's reads: whose feed a secret opens, and which meetings it shows.

A feed costs three queries however many meetings it holds: the owner by token, the meetings
with their organizer, room and series, and their participants with their users; a fourth when
it shows a series: the occurrences of those series the user is not in.
"""

from datetime import datetime, timedelta

from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest

from accounts.models import User
from meetings.models import Meeting, MeetingQuerySet, Participant
from meetings.selectors import MEETING_FIELDS

from . import ics

FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=2 * 365)
# A feed is downloaded whole at every refresh: beyond this many events the farthest from now
# are left out (docs/feed.md says so).
FEED_MAX_EVENTS = 2000
PERSON_FIELDS = ("id", "username", "first_name", "last_name")
SERIES_FIELDS = (
    "id", "time_zone", "recurrence", "first_start", "duration", "title", "description",
    "location", "created_at",
)  # fmt: skip


def feed_owner(*, token: str) -> User | None:
    """The active user whose feed `token` opens, or None."""
    return User.objects.filter(feed_token=token, is_active=True).only(*PERSON_FIELDS).first()


def _in_feed(user: User) -> MeetingQuerySet:
    """Meetings the user organizes, or is invited to and has not declined."""
    # Meeting.objects.visible_to(user)'s rule and query shape (`id IN (organized UNION
    # invited)`, each half on its own index), written again for one difference: a declined
    # invitation leaves the feed, while the API still shows it. Keep the two in step.
    organized = Meeting.objects.filter(created_by=user).order_by().values("id")
    attending = (
        Participant.objects.filter(user=user)
        .exclude(status=Participant.Status.DECLINED)
        .order_by()
        .values("meeting_id")
    )
    return Meeting.objects.filter(pk__in=organized.union(attending))


def _distance_from(now: datetime) -> Greatest:
    # Greatest(a - b, b - a) is |a - b| on both databases: PostgreSQL has no abs(interval).
    moment = Value(now, output_field=DateTimeField())
    return Greatest(
        F("start_time") - moment, moment - F("start_time"), output_field=DurationField()
    )


def _differs() -> Q:
    """Occurrences that differ from what their series' rule and fields make."""
    return (
        ~Q(exception_fields="")
        | Q(status=Meeting.Status.CANCELLED)
        | ~Q(start_time=F("original_start_time"))
    )


def _with_exceptions(user: User, start: datetime, end: datetime) -> MeetingQuerySet:
    """The user's meetings in the window, and the occurrences that differ from their rule
    (moved, changed, cancelled) of each series shown, wherever they fall: the series' master
    event makes occurrences outside the window too, and must not make them as the rule has
    them."""
    in_window = _in_feed(user).overlapping(start, end)
    shown = in_window.exclude(series=None).order_by().values("series_id")
    return in_window | _in_feed(user).filter(_differs(), series_id__in=shown)


def feed_meetings(*, user: User, now: datetime) -> QuerySet[Meeting]:
    """The meetings of the user's feed: in the window around `now`, cancelled ones included
    (their STATUS tells clients to remove them), at most FEED_MAX_EVENTS, the nearest first.
    Occurrences of a series come with their series (and its room), and the series' exceptions
    outside the window with them."""
    participants = (
        Participant.objects.select_related("user")
        .only("id", "meeting_id", "status", *(f"user__{field}" for field in PERSON_FIELDS))
        .order_by("id")
    )
    return (
        _with_exceptions(user, now - FEED_PAST, now + FEED_AHEAD)
        .select_related("created_by", "room", "series", "series__room")
        .only(
            *MEETING_FIELDS,
            "exception_fields",
            *(f"created_by__{field}" for field in PERSON_FIELDS),
            "room__name",
            "room__location",
            *(f"series__{field}" for field in SERIES_FIELDS),
            "series__room__name",
            "series__room__location",
        )
        # A series' exceptions come first: cut, their master would make them as the rule has
        # them (a cancelled occurrence back on); beyond the limit, the farthest from now go.
        .alias(
            distance=_distance_from(now),
            plain=Case(When(_differs() & Q(series__isnull=False), then=0), default=1),
        )
        .order_by("plain", "distance", "id")
        .prefetch_related(Prefetch("participants", queryset=participants))[:FEED_MAX_EVENTS]
    )


def not_attended(*, user: User, series_ids: set[int]) -> dict[int, list[datetime]]:
    """By series, the original starts of its occurrences the user is not in (declined, or not
    invited to that one): the series' master event would make them, so the user's feed takes
    them out with EXDATEs. One query."""
    if not series_ids:
        return {}
    rows = (
        Meeting.objects.filter(series_id__in=series_ids)
        .exclude(pk__in=_in_feed(user))
        .order_by("original_start_time")
        .values_list("series_id", "original_start_time")
    )
    missing: dict[int, list[datetime]] = {}
    for series_id, start in rows:
        if start is not None:  # every occurrence has one
            missing.setdefault(series_id, []).append(start)
    return missing


def feed_body(*, user: User, now: datetime) -> bytes:
    """The user's feed as iCalendar bytes."""
    meetings = list(feed_meetings(user=user, now=now))
    series_ids = {meeting.series_id for meeting in meetings if meeting.series_id is not None}
    return ics.calendar_bytes(
        owner=user, meetings=meetings, not_attended=not_attended(user=user, series_ids=series_ids)
    )
