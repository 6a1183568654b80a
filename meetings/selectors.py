"""Reads of meetings, shaped for their callers: every related row a caller touches is loaded here,
in a fixed number of queries."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncWeek

from accounts.models import User

from .models import Meeting, MeetingQuerySet, Participant, Room, Series

USER_REF_FIELDS = ("id", "username")
ORGANIZER_ROLE = "organizer"
# Answers that keep a meeting in someone's calendar (a declined one does not).
HOLDING_ANSWERS = [
    Participant.Status.ACCEPTED,
    Participant.Status.TENTATIVE,
    Participant.Status.NEEDS_ACTION,
]
ROOM_REF_FIELDS = ("room__id", "room__name", "room__location")
# A meeting's own columns as every read shows it (the API, the calendar feed).
MEETING_FIELDS = (
    "id", "title", "description", "location", "start_time", "end_time", "status",
    "cancellation_reason", "created_at", "updated_at", "series_id", "original_start_time",
)  # fmt: skip


@dataclass(frozen=True)
class MeetingFilters:
    """The list filters; None means "not filtered"."""

    start: datetime | None = None  # overlapping [start, end)
    end: datetime | None = None
    status: str | None = None
    role: str | None = None  # "organizer" or "participant"
    search: str | None = None


@dataclass(frozen=True, slots=True)
class UserRef:
    id: int
    username: str


@dataclass(frozen=True, slots=True)
class ListedParticipant:
    """A participant as a list page shows it: what render.participant_dict and the entity tag
    read of a Participant, without building one."""

    user: UserRef
    status: str
    responded_at: datetime | None
    comment: str

    @property
    def user_id(self) -> int:
        return self.user.id


def meeting_people(*, meeting_ids: Collection[int]) -> dict[int, list[ListedParticipant]]:
    """The participants of these meetings with their users, in invitation order, in one query
    of plain rows: a page's 150 people as Participant and User models, put in place by
    prefetch_related (a queryset cloned per meeting), cost a third of the uncached list."""
    rows = (
        Participant.objects.filter(meeting_id__in=meeting_ids)
        .order_by("id")
        .values_list("meeting_id", "user_id", "user__username", "status", "responded_at", "comment")
    )
    people: dict[int, list[ListedParticipant]] = {meeting_id: [] for meeting_id in meeting_ids}
    for meeting_id, user_id, username, status, responded_at, comment in rows:
        people[meeting_id].append(
            ListedParticipant(UserRef(user_id, username), status, responded_at, comment)
        )
    return people


def _participants_prefetch() -> Prefetch:
    participants = (
        Participant.objects.select_related("user")
        .only("id", "meeting_id", "status", "responded_at", "comment", *user_ref("user"))
        .order_by("id")
    )
    return Prefetch("participants", queryset=participants)


def user_ref(relation: str) -> list[str]:
    return [f"{relation}__{field}" for field in USER_REF_FIELDS]


def _meetings_for(user: User, role: str | None) -> MeetingQuerySet:
    if role == "organizer":
        return Meeting.objects.organized_by(user)
    if role == "participant":
        return Meeting.objects.invited(user)
    return Meeting.objects.visible_to(user)


def _filtered(queryset: MeetingQuerySet, filters: MeetingFilters) -> MeetingQuerySet:
    if filters.start is not None or filters.end is not None:
        queryset = queryset.overlapping(filters.start, filters.end)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.search:
        queryset = queryset.filter(title__icontains=filters.search)
    return queryset


def meeting_list(*, user: User, filters: MeetingFilters = MeetingFilters()) -> QuerySet[Meeting]:
    """The meetings `user` organizes or is invited to, with organizer and participants loaded.

    Ordered by (start_time, id), which the keyset paginator relies on.
    """
    queryset = _filtered(_meetings_for(user, filters.role), filters)
    return (
        queryset.select_related("created_by", "room")
        .only(*MEETING_FIELDS, *user_ref("created_by"), *ROOM_REF_FIELDS)
        .prefetch_related(_participants_prefetch())
        .order_by("start_time", "id")
    )


def meeting_agenda(*, user: User, start: datetime) -> QuerySet[Meeting]:
    """The meetings `user` organizes or is invited to from `start` on, in time order, with
    their organizer and room but not their participants: a list of titles and times, where
    loading each meeting's invitees (up to 500 a meeting) would load what nobody sees."""
    return meeting_list(user=user, filters=MeetingFilters(start=start)).prefetch_related(None)


def meeting_detail_queryset(*, user: User) -> QuerySet[Meeting]:
    """What `user` may open by id: the same rows and shape as their list, unfiltered."""
    return meeting_list(user=user)


def meeting_locked(*, meeting_id: int) -> Meeting:
    """One meeting as meeting_list() shapes it, read from its row locked until the transaction
    ends: what a conditional write compares with, since the cached reads may lag a commit.

    The lock comes before the participants are read, so nobody's write to the meeting lands
    between the comparison and the write that follows it in the same transaction. Raises
    Meeting.DoesNotExist if it is gone.
    """
    return (
        Meeting.objects.filter(pk=meeting_id)
        .select_related("created_by", "room")
        .only(*MEETING_FIELDS, *user_ref("created_by"), *ROOM_REF_FIELDS)
        .prefetch_related(_participants_prefetch())
        .select_for_update(of=("self",))
        .get()
    )


@dataclass(frozen=True)
class MeetingStats:
    figures: dict
    next_start: datetime | None  # when "upcoming" next changes without any write


def meeting_stats(
    *, user: User, filters: MeetingFilters = MeetingFilters(), now: datetime
) -> MeetingStats:
    """Totals over the user's meetings (every status), in one aggregate query."""
    queryset = _filtered(_meetings_for(user, filters.role), filters).order_by()
    duration = ExpressionWrapper(F("end_time") - F("start_time"), output_field=DurationField())
    upcoming = Q(status=Meeting.Status.SCHEDULED, start_time__gt=now)
    per_status = {
        f"status_{status}": Count("id", filter=Q(status=status)) for status in Meeting.Status.values
    }
    totals = queryset.aggregate(
        total=Count("id"),
        duration=Sum(duration),
        upcoming=Count("id", filter=upcoming),
        next_start=Min("start_time", filter=upcoming),
        **per_status,
    )
    total_seconds = totals["duration"].total_seconds() if totals["duration"] else 0
    figures = {
        "total_meetings": totals["total"],
        "total_duration_seconds": int(total_seconds),
        "average_duration_seconds": total_seconds / totals["total"] if totals["total"] else None,
        "upcoming": totals["upcoming"],
        "by_status": {status: totals[f"status_{status}"] for status in Meeting.Status.values},
    }
    return MeetingStats(figures=figures, next_start=totals["next_start"])


def meeting_participant_counts(*, meeting_ids: Iterable[int]) -> dict[int, int]:
    """How many people each meeting invites, in one grouped query over the given meetings."""
    rows = (
        Participant.objects.filter(meeting_id__in=list(meeting_ids))
        .order_by()
        .values_list("meeting_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def meeting_invitees(*, meeting_ids: Collection[int]) -> dict[int, list[int]]:
    """The user ids each meeting invites (the organizer is not among them), in one query."""
    invitees: dict[int, list[int]] = {meeting_id: [] for meeting_id in meeting_ids}
    rows = Participant.objects.filter(meeting_id__in=list(meeting_ids)).order_by()
    for meeting_id, user_id in rows.values_list("meeting_id", "user_id"):
        invitees[meeting_id].append(user_id)
    return invitees


def meetings_per_week(*, first_week: datetime, weeks: int) -> list[tuple[datetime, int]]:
    """How many meetings start in each of `weeks` weeks from `first_week` (a Monday, 00:00 UTC),
    zeros included: one grouped query over the meeting_start index range."""
    end = first_week + timedelta(weeks=weeks)
    counts = dict(
        Meeting.objects.filter(start_time__gte=first_week, start_time__lt=end)
        .order_by()
        .annotate(week=TruncWeek("start_time"))
        .values_list("week")
        .annotate(n=Count("id"))
    )
    starts = [first_week + timedelta(weeks=i) for i in range(weeks)]
    return [(start, counts.get(start, 0)) for start in starts]


def room_list(*, min_capacity: int | None = None, search: str = "") -> QuerySet[Room]:
    rooms = Room.objects.all()
    if min_capacity is not None:
        rooms = rooms.filter(capacity__gte=min_capacity)
    if search:
        rooms = rooms.filter(name__icontains=search)
    return rooms.order_by("name", "id")


def room_upcoming_bookings(*, room: Room, now: datetime, limit: int) -> list[Meeting]:
    """The room's next bookings (not cancelled, not yet over), with their organizers."""
    return list(
        # overlapping(): on PostgreSQL the exclusion constraint's GiST index on (room, span)
        # finds them, where a btree would walk every past booking of the room first.
        Meeting.objects.filter(room=room)
        .overlapping(now, None)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("created_by")
        .only("id", "title", "start_time", "end_time", "room_id", *user_ref("created_by"))
        .order_by("start_time", "id")[:limit]
    )


@dataclass(frozen=True)
class SeriesCounts:
    occurrences: int = 0
    ahead: int = 0  # not yet over
    next_start: datetime | None = None  # of the next scheduled one not yet over


def series_occurrence_counts(
    *, series_ids: Iterable[int], now: datetime
) -> dict[int, SeriesCounts]:
    """Each series' occurrences counted, and its next one, in one grouped query over the given
    series (occurrence_once's index starts with the series)."""
    ahead = Q(end_time__gt=now)
    rows = (
        Meeting.objects.filter(series_id__in=list(series_ids))
        .order_by()
        .values_list("series_id")
        .annotate(
            n=Count("*"),
            ahead=Count("pk", filter=ahead),
            next_start=Min("start_time", filter=ahead & Q(status=Meeting.Status.SCHEDULED)),
        )
    )
    return {series_id: SeriesCounts(*counts) for series_id, *counts in rows}


def series_upcoming_occurrences(*, series: Series, now: datetime, limit: int) -> list[Meeting]:
    """The series' next occurrences not yet over, cancelled ones too, in time order."""
    return list(
        series.occurrences.filter(end_time__gt=now)
        .only("id", "series_id", "title", "start_time", "end_time", "status", "exception_fields")
        .order_by("start_time", "id")[:limit]
    )


def busy_queryset(
    *, user_ids: Sequence[int], start: datetime, end: datetime, excluding: int | None = None
) -> QuerySet:
    """(user id, start, end, role) of every meeting that holds one of the people during
    [start, end): those they organize (role "organizer"), and those they are invited to and
    have not declined (role: their answer); cancelled meetings left out. Times only.

    UNION ALL of the organizer half and the invited half, each finding the window's meetings
    with the overlap index: on PostgreSQL the organizer half ANDs the GiST index with
    meeting_organizer_start, and the invited half joins the GiST bitmap scan to an index scan
    of participant_user_status (docs/availability.md has the plans).
    """
    window = (
        Meeting.objects.overlapping(start, end).exclude(status=Meeting.Status.CANCELLED).order_by()
    )
    if excluding is not None:  # the meeting whose conflicts are asked for
        window = window.exclude(pk=excluding)
    organized = window.filter(created_by_id__in=user_ids).values_list(
        "created_by_id", "start_time", "end_time", Value(ORGANIZER_ROLE, output_field=CharField())
    )
    invited = window.filter(
        participants__user_id__in=user_ids, participants__status__in=HOLDING_ANSWERS
    ).values_list("participants__user_id", "start_time", "end_time", "participants__status")
    return organized.union(invited, all=True)
