from datetime import UTC, datetime, timedelta
from typing import Self
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.sql.where import AND

from accounts.models import User

# The change record's models live beside the code that reads them; imported here to register.
from .changes.models import MeetingChange, SyncState  # noqa: F401
from .postgres import TsTzRange
from .recurrence.describe import describe
from .recurrence.rules import parse_recurrence


def check_meeting_times(start_time: datetime, end_time: datetime) -> None:
    """A meeting ends after it starts, and lasts at most MEETING_MAX_DAYS days: a meeting of
    178 years booked a room for everyone and showed its people busy for ever. The services
    (every API write) and the admin's form (through Meeting.clean) check it."""
    if end_time <= start_time:
        raise ValidationError({"end_time": "A meeting must end after it starts."})
    days = settings.MEETING_MAX_DAYS
    # In UTC: two times in one zone subtract as wall-clock times, an hour off across a DST shift.
    if end_time.astimezone(UTC) - start_time.astimezone(UTC) > timedelta(days=days):
        raise ValidationError(
            {"end_time": f"A meeting lasts at most {days} days; this one ends too late."}
        )


def meeting_place(
    *, room_name: str | None = "", room_location: str | None = "", location: str = ""
) -> str:
    """Where people go, said the same way everywhere (messages, reminders, the calendar feed):
    the room booked, where that room is, then the meeting's own location words; blanks and
    repeats left out."""
    parts = (part.strip() for part in (room_name or "", room_location or "", location or ""))
    return ", ".join(dict.fromkeys(part for part in parts if part))


# A user's invitations, fenced (OFFSET 0) so that PostgreSQL reads them first and finds their
# meetings by id, rather than walking every meeting in time order looking for them.
INVITED_MEETING_IDS = "SELECT meeting_id FROM meetings_participant WHERE user_id = %s OFFSET 0"  # noqa: S608


class MeetingQuerySet(models.QuerySet["Meeting"]):
    # Set by visible_to(), for first_in_order(): whose meetings, and the condition it added.
    _viewer: User | None = None
    _visibility: object | None = None

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]  # private; the stubs omit it
        clone._viewer, clone._visibility = self._viewer, self._visibility
        return clone

    def overlapping(self, start: datetime | None, end: datetime | None) -> Self:
        """Meetings that overlap the half-open window [start, end): start < end and end > start.

        On PostgreSQL this is `tstzrange(start_time, end_time) && window`, which the GiST index
        answers at any date; a btree on (start_time, end_time) must scan every meeting that
        starts before `end`, which is nearly all of them for late dates.
        """
        if connections[self.db].vendor == "postgresql":
            return self.alias(span=TsTzRange("start_time", "end_time")).filter(
                span__overlap=DateTimeTZRange(start, end, "[)")
            )
        window = Q()
        if end is not None:
            window &= Q(start_time__lt=end)
        if start is not None:
            window &= Q(end_time__gt=start)
        return self.filter(window)

    def organized_by(self, user: User) -> Self:
        return self.filter(created_by=user)

    def visible_to(self, user: User) -> Self:
        """Meetings the user organizes or is invited to: who may see a meeting (seen_by() is
        the same rule for a few rows at a time).

        `id IN (organized UNION invited)` lets each half use its own index and costs what the
        user's own meetings cost; `created_by = u OR id IN (invited)` cannot use either index
        and walks the whole table: 1-2 ms against 80-400 ms at a million meetings.
        """
        organized = Meeting.objects.filter(created_by=user).order_by().values("id")
        invited = Participant.objects.filter(user=user).order_by().values("meeting_id")
        visible = self.filter(pk__in=organized.union(invited))
        visible._viewer, visible._visibility = user, visible.query.where.children[-1]
        return visible

    def _without_visibility(self) -> Self | None:
        """This query less the condition visible_to() added, for parts that are narrower than
        it anyway; None if that condition is no longer one of the query's ANDed conditions."""
        where = self.query.where
        if where.connector != AND or where.negated:
            return None
        if not any(condition is self._visibility for condition in where.children):
            return None
        narrower = self._chain()  # type: ignore[attr-defined]  # private; the stubs omit it
        kept = [c for c in narrower.query.where.children if c is not self._visibility]
        narrower.query.where.children = kept
        return narrower

    def first_in_order(self, count: int) -> Self:
        """The first `count` rows in the query's order: a list page.

        After visible_to() on PostgreSQL, each half takes its own first `count` ids before the
        union, the organizer's through (created_by, start_time, id) and the invitations by id
        through (id) INCLUDE (start_time), both index-only; only the page's rows are read
        whole. The union of all the user's meetings, joined whole and sorted, read every one
        of them from the table.

        Each half is narrower than visible_to()'s condition (the user's own meetings, the
        user's invitations), and so is their union: the condition is left out of the whole
        query, which would otherwise build the union of all the user's meetings once per part
        (a third of the page's time at 2,000 meetings, half of it planning).
        """
        if self._viewer is None or connections[self.db].vendor != "postgresql":
            return self[:count]
        narrower = self._without_visibility()
        if narrower is None:
            return self[:count]
        ids = narrower.values("id")
        organized = ids.filter(created_by=self._viewer)[:count]
        invited_ids = RawSQL(INVITED_MEETING_IDS, (self._viewer.pk,))  # noqa: S611 - no input
        invited = ids.filter(pk__in=invited_ids)[:count]
        return narrower.filter(pk__in=organized.union(invited, all=True))[:count]

    def seen_by(self, user: User) -> Self:
        """visible_to(user), tested row by row: for a query that asks it of a few meetings
        reached from other rows (a notification's meeting), where visible_to() would build the
        user's whole set of meetings first and join it against the table."""
        invited = Participant.objects.filter(meeting_id=OuterRef("pk"), user=user)
        return self.filter(Q(created_by=user) | Exists(invited))

    def invited(self, user: User) -> Self:
        return self.filter(pk__in=Participant.objects.filter(user=user).values("meeting_id"))


class Room(models.Model):
    """A place that one meeting at a time can book."""

    name = models.CharField(max_length=100, unique=True)
    capacity = models.PositiveIntegerField(help_text="How many people it seats.")
    location = models.CharField(max_length=200, blank=True, help_text="Building, floor.")

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    """A recurring meeting: its rule, and the occurrences it made, which are meetings
    (Meeting.series), so that every read, index and constraint of meetings serves them too.

    The rule is evaluated in `time_zone` from `first_start` (its DTSTART); each occurrence
    lasts `duration` in wall-clock time there. `complete` is False while the rule makes more
    occurrences than were made (an unbounded rule, or one past the horizon).

    title, description, location, room and participant_ids are what a new occurrence gets
    (when an unbounded series is extended) and what the calendar feed shows for the series;
    an occurrence may differ in the fields its `exception_fields` names.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organized_series",
        verbose_name="organizer",
    )
    time_zone = models.CharField(max_length=64)
    recurrence = models.JSONField(help_text="RFC 5545 lines: RRULE, EXDATE, RDATE.")
    first_start = models.DateTimeField()
    duration = models.DurationField()
    complete = models.BooleanField(default=True)
    title = models.CharField(max_length=200, default="")
    description = models.TextField(blank=True, default="")
    location = models.CharField(max_length=200, blank=True, default="")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="series"
    )
    participant_ids = models.JSONField(default=list, blank=True, help_text="Who is invited.")
    # What holds for occurrences made later too: the series was cancelled from an occurrence
    # on (scope following or all), and people's answers to all of it ({user id: [status,
    # comment]}).
    cancelled_from = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"{self.title or 'Series'} ({self.rule_in_words})"

    @property
    def rule_in_words(self) -> str:
        """The rule in words: "every Monday and Wednesday until 30 June 2027"."""
        zone = ZoneInfo(self.time_zone)
        rule = parse_recurrence(self.recurrence, zone=zone)
        return describe(rule, first_start=self.first_start, zone=zone)


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organized_meetings",
        verbose_name="organizer",
        db_index=False,  # meeting_organizer_start covers lookups by organizer
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,  # a room with bookings is not deleted from under them
        null=True,
        blank=True,
        related_name="meetings",
        db_index=False,  # meeting_room_start covers lookups by room
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An occurrence of a recurring meeting: its series, and the start its rule gave it (which
    # names it even after it is moved).
    series = models.ForeignKey(
        Series,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occurrences",
        db_index=False,  # occurrence_once starts with series
    )
    original_start_time = models.DateTimeField(null=True, blank=True)
    # The fields changed on this occurrence alone (scope "this"), comma-separated: edits of
    # the whole series leave them as they are.
    exception_fields = models.CharField(max_length=200, blank=True, default="", db_default="")

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ("start_time", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="meeting_end_after_start",
                violation_error_message="A meeting must end after it starts.",
            ),
            # One occurrence per start of the rule; also the index of a series' occurrences.
            models.UniqueConstraint(
                fields=["series", "original_start_time"],
                condition=Q(series__isnull=False),
                name="occurrence_once",
            ),
        ]
        indexes = [
            # Time-ordered listings (admin, keyset pages) and early-date windows.
            models.Index(fields=["start_time", "id"], name="meeting_start"),
            # "Meetings I organize", in list order.
            models.Index(fields=["created_by", "start_time", "id"], name="meeting_organizer_start"),
            # A room's bookings in time order, and the SQLite overlap check of a booking.
            models.Index(
                fields=["room", "start_time"],
                name="meeting_room_start",
                condition=Q(room__isnull=False),
            ),
            # PostgreSQL also has meeting_span_gist and meeting_title_trgm (migration 0002)
            # and the room_no_double_booking exclusion constraint (migration 0006).
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start_time and self.end_time:
            check_meeting_times(self.start_time, self.end_time)

    @property
    def duration(self) -> timedelta:
        return self.end_time - self.start_time

    @property
    def place(self) -> str:
        """meeting_place() of this meeting; reads its room (select_related it)."""
        room = self.room if self.room_id else None
        return meeting_place(
            room_name=room.name if room else None,
            room_location=room.location if room else None,
            location=self.location,
        )


ALREADY_INVITED = "This person is already invited to this meeting."


def with_exception(name: str) -> Case:
    """exception_fields with `name` in it, as an UPDATE's value: single meetings, and
    occurrences that have it already, keep theirs."""
    return Case(
        When(series__isnull=True, then=F("exception_fields")),
        When(exception_fields__contains=name, then=F("exception_fields")),
        When(exception_fields="", then=Value(name)),
        default=Concat(F("exception_fields"), Value("," + name)),
    )


class Participant(models.Model):
    """A person invited to a meeting, with their answer (RFC 5545 PARTSTAT names)."""

    class Status(models.TextChoices):
        NEEDS_ACTION = "needs_action", "Needs action"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        TENTATIVE = "tentative", "Tentative"

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="participants",
        db_index=False,  # the (meeting, user) unique index starts with meeting
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="participations",
        db_index=False,  # participant_user_status starts with user
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEEDS_ACTION)
    responded_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True, help_text="A note with the answer.")

    class Meta:
        ordering = ("meeting_id", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                name="participant_unique_meeting_user",
                violation_error_message=ALREADY_INVITED,
            ),
        ]
        indexes = [
            # "Meetings I am invited to", by my answer; meeting last makes it a covering index
            # for the visible_to() subquery.
            models.Index(fields=["user", "status", "meeting"], name="participant_user_status"),
            # "Who accepted this meeting?" and per-status counts for one meeting.
            models.Index(fields=["meeting", "status"], name="participant_meeting_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.meeting}"
