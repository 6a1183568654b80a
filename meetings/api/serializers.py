from django.conf import settings
from django.db import models
from rest_framework import serializers

from meetings.invitations import check_per_request_items
from meetings.models import Meeting, Participant, Room
from meetings.services.bulk import MAX_BULK_MEETINGS
from meetings.services.participants import MAX_PARTICIPANTS
from scheduler.api.fields import (
    BoundedListField,
    LocalDateTimeField,
    RFC3339DateTimeField,
    StrictCharField,
)
from scheduler.validation import ItemsValidationError

from .etags import meeting_etag

DESCRIPTION_MAX_LENGTH = 10_000
MAX_ID = 2**63 - 1  # bigint: a larger number would be a database error, not a 400


def id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = StrictCharField(read_only=True)


class _ReadSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: RFC3339DateTimeField,
    }


class RoomRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = StrictCharField(read_only=True)
    location = StrictCharField(read_only=True)


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ("id", "name", "capacity", "location")
        read_only_fields = fields


class ParticipantSerializer(_ReadSerializer):
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = Participant
        fields = ("user", "status", "responded_at", "comment")
        read_only_fields = fields


class MeetingSerializer(_ReadSerializer):
    """A meeting as every endpoint returns it. Reads only what meeting_list() loaded."""

    organizer = UserRefSerializer(source="created_by", read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    room = RoomRefSerializer(read_only=True, allow_null=True, help_text="The room booked.")
    series_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The recurring meeting this is an occurrence of; null for a single meeting.",
    )
    original_start_time = RFC3339DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="An occurrence's start as its series' rule made it (RECURRENCE-ID), which "
        "names it even after it is moved; null for a single meeting.",
    )
    etag = serializers.SerializerMethodField(
        help_text="The meeting's entity tag, as in the ETag header (quotes included): it "
        "changes whenever anything shown here changes. Send it in If-Match to change the "
        "meeting only if nobody else has meanwhile (412 otherwise), or in If-None-Match to "
        "read it only if it has changed (304 otherwise)."
    )

    class Meta:
        model = Meeting
        fields = (
            "id",
            "title",
            "description",
            "location",
            "start_time",
            "end_time",
            "status",
            "cancellation_reason",
            "room",
            "organizer",
            "participants",
            "created_at",
            "updated_at",
            "series_id",
            "original_start_time",
            "etag",
        )
        read_only_fields = fields

    def get_etag(self, meeting: Meeting) -> str:
        return meeting_etag(meeting)


class BusyTimeSerializer(serializers.Serializer):
    start_time = RFC3339DateTimeField()
    end_time = RFC3339DateTimeField()


class PersonConflictSerializer(serializers.Serializer):
    """Someone who already attends other meetings at that time (times only, no titles)."""

    user = UserRefSerializer()
    meetings = BusyTimeSerializer(many=True)


class MeetingWrittenSerializer(MeetingSerializer):
    """A meeting just created or changed, with the people it double-books."""

    conflicts = PersonConflictSerializer(
        many=True,
        read_only=True,
        help_text="Each person's other meetings at this time that they organize or accepted.",
    )

    class Meta(MeetingSerializer.Meta):
        fields = (*MeetingSerializer.Meta.fields, "conflicts")
        read_only_fields = fields


SEEN_ONLY = "Only if you organize that meeting or are invited to it."


class RoomConflictMeetingSerializer(serializers.Serializer):
    """When the room is busy; which meeting holds it only if the caller may see that meeting."""

    id = serializers.IntegerField(required=False, help_text=SEEN_ONLY)
    title = StrictCharField(required=False, help_text=SEEN_ONLY)
    start_time = RFC3339DateTimeField()
    end_time = RFC3339DateTimeField()
    organizer = UserRefSerializer(required=False, help_text=SEEN_ONLY)


class RoomConflictSerializer(serializers.Serializer):
    """409: the room is booked at an overlapping time."""

    room_id = serializers.ListField(child=StrictCharField())
    conflicting_meeting = RoomConflictMeetingSerializer(
        required=False, help_text="Absent if that meeting was cancelled meanwhile: try again."
    )
    conflicting_meetings = RoomConflictMeetingSerializer(
        many=True,
        required=False,
        help_text="A recurring meeting: every booking in the way of its occurrences (the first "
        "100), in time order.",
    )


class NotificationPreviewSerializer(serializers.Serializer):
    kind = StrictCharField()
    recipients = UserRefSerializer(many=True)
    message = StrictCharField(help_text="What they would read (times in your zone).")


class MeetingPreviewSerializer(MeetingSerializer):
    """A meeting as a write would leave it; a new one has no id yet."""

    id = serializers.IntegerField(read_only=True, allow_null=True)


class ScopeResultSerializer(serializers.Serializer):
    """What a write in a scope touched."""

    scope = StrictCharField()
    series_id = serializers.IntegerField(
        allow_null=True, help_text="The series the occurrences belong to now (a split makes one)."
    )
    occurrences = serializers.IntegerField(help_text="Occurrences changed, made or deleted.")
    people = serializers.IntegerField(help_text="People whose calendars change.")
    rooms = serializers.ListField(child=serializers.IntegerField(), help_text="Rooms touched.")
    exceptions_dropped = serializers.IntegerField(
        help_text="Occurrences changed on their own that a new time pattern replaced."
    )


class DryRunSerializer(serializers.Serializer):
    """What the write would do; nothing of it is saved."""

    dry_run = serializers.BooleanField()
    scope = ScopeResultSerializer(required=False, allow_null=True)
    meeting = MeetingPreviewSerializer(
        allow_null=True, help_text="The meeting as it would be (id null if new); null if refused."
    )
    conflicts = PersonConflictSerializer(many=True)
    room_conflict = RoomConflictSerializer(allow_null=True)
    affected_people = UserRefSerializer(many=True)
    notifications = NotificationPreviewSerializer(many=True)


class DryRunParamsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Report conflicts, affected people and notifications; save nothing.",
    )


def _end_time_field(**kwargs) -> LocalDateTimeField:
    days = settings.MEETING_MAX_DAYS
    return LocalDateTimeField(
        help_text=f"After start_time, and at most {days} days after it (MEETING_MAX_DAYS).",
        **kwargs,
    )


def _participant_ids_field(*, all_invitees: bool, **kwargs) -> BoundedListField:
    """`all_invitees`: the list is everyone invited after a change, those already invited
    included; otherwise every id in it is a new invitation."""
    per_request, per_hour = settings.INVITES_PER_REQUEST, settings.INVITES_PER_HOUR
    most = MAX_PARTICIPANTS if all_invitees else min(MAX_PARTICIPANTS, per_request)
    what = "Everyone invited after the change" if all_invitees else "Users to invite"
    return BoundedListField(
        child=id_field(),
        max_length=most,
        help_text=f"{what} (at most {most}); the organizer is left out. Each new invitation "
        f"counts against INVITES_PER_REQUEST ({per_request:,} per request, a bulk request's "
        f"meetings together: 400 past it) and INVITES_PER_HOUR ({per_hour:,} per organizer per "
        "hour: 429 past it); inviting someone already invited costs nothing.",
        **kwargs,
    )


class _LimitsFromSettings:
    """end_time and participant_ids are made when the serializer is, with the limits the
    settings hold then (the schema shows them), rather than those at import."""

    all_invitees = False

    def get_fields(self):
        fields = super().get_fields()
        required = {"required": False} if self.all_invitees else {}
        fields["end_time"] = _end_time_field(**required)
        fields["participant_ids"] = _participant_ids_field(
            all_invitees=self.all_invitees,
            required=False,
            **({} if self.all_invitees else {"default": list}),
        )
        return fields


class MeetingWriteSerializer(_LimitsFromSettings, serializers.Serializer):
    """Input of POST /api/meetings/ and of each bulk item. Only these fields can be set: the
    organizer is the caller, and status and timestamps are the server's."""

    title = StrictCharField(max_length=200)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    location = StrictCharField(max_length=200, allow_blank=True, required=False, default="")
    start_time = LocalDateTimeField()
    end_time = LocalDateTimeField()  # get_fields() adds the limits
    participant_ids = BoundedListField(child=id_field())  # get_fields() adds the limits
    room_id = id_field(required=False, allow_null=True, default=None, help_text="A room to book.")

    def validate(self, attrs):
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": "A meeting must end after it starts."})
        return attrs


RECURRENCE_HELP = (
    "RFC 5545 lines, as Google Calendar's API takes them: one RRULE (FREQ DAILY, WEEKLY, "
    "MONTHLY or YEARLY; INTERVAL, COUNT, UNTIL, BYDAY with ordinals such as -1FR, BYMONTHDAY, "
    "BYMONTH, BYSETPOS, WKST) and EXDATE or RDATE lines. The rule runs in time_zone's "
    "wall-clock time from start_time; anything else is refused, naming the part."
)
TIME_ZONE_HELP = "The IANA zone the rule is evaluated in (default: the organizer's)."


def _recurrence_field(**kwargs) -> BoundedListField:
    return BoundedListField(
        child=StrictCharField(max_length=10_000), max_length=100, help_text=RECURRENCE_HELP,
        **kwargs,
    )  # fmt: skip


class MeetingCreateSerializer(MeetingWriteSerializer):
    """POST /api/meetings/: a meeting, or with `recurrence` a recurring meeting (a series),
    whose occurrences are meetings of their own."""

    recurrence = _recurrence_field(required=False)
    time_zone = StrictCharField(max_length=64, required=False, help_text=TIME_ZONE_HELP)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "time_zone" in attrs and "recurrence" not in attrs:
            raise serializers.ValidationError(
                {"time_zone": "Only a recurring meeting has a time zone: send recurrence too."}
            )
        return attrs


class SeriesSerializer(serializers.Serializer):
    """A recurring meeting, as POST /api/meetings/ made it."""

    id = serializers.IntegerField()
    recurrence = serializers.ListField(child=StrictCharField())
    time_zone = StrictCharField()
    rule = StrictCharField(help_text="The rule in words: every Monday until 30 June 2027.")
    occurrences = serializers.IntegerField(help_text="How many occurrences were made.")
    complete = serializers.BooleanField(
        help_text="False for a rule without end: more occurrences are made as time passes."
    )


class MeetingSeriesWrittenSerializer(MeetingWrittenSerializer):
    """A recurring meeting just created: its first occurrence, and the series."""

    series = SeriesSerializer(read_only=True)

    class Meta(MeetingWrittenSerializer.Meta):
        fields = (*MeetingWrittenSerializer.Meta.fields, "series")
        read_only_fields = fields


SCOPE_HELP = (
    "For an occurrence of a recurring meeting: this (the default) changes it alone, as an "
    "exception; following splits the series there and changes it and the later ones; all "
    "changes every occurrence not yet over. On a single meeting every scope means the meeting."
)


class ScopeParamsSerializer(DryRunParamsSerializer):
    scope = serializers.ChoiceField(
        choices=[("this", "this"), ("following", "following"), ("all", "all")],
        required=False,
        default="this",
        help_text=SCOPE_HELP,
    )


class MeetingScopedWrittenSerializer(MeetingWrittenSerializer):
    scope = ScopeResultSerializer(read_only=True)

    class Meta(MeetingWrittenSerializer.Meta):
        fields = (*MeetingWrittenSerializer.Meta.fields, "scope")
        read_only_fields = fields


class MeetingScopedSerializer(MeetingSerializer):
    scope = ScopeResultSerializer(read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = (*MeetingSerializer.Meta.fields, "scope")
        read_only_fields = fields


class ParticipantScopedSerializer(ParticipantSerializer):
    scope = ScopeResultSerializer(read_only=True)

    class Meta(ParticipantSerializer.Meta):
        fields = (*ParticipantSerializer.Meta.fields, "scope")
        read_only_fields = fields


class MeetingUpdateSerializer(_LimitsFromSettings, serializers.Serializer):
    """PATCH: any subset of the fields; participant_ids replaces the invitee list."""

    all_invitees = True

    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False
    )
    location = StrictCharField(max_length=200, allow_blank=True, required=False)
    start_time = LocalDateTimeField(required=False)
    end_time = LocalDateTimeField(required=False)  # get_fields() adds the limits
    status = serializers.ChoiceField(choices=Meeting.Status.choices, required=False)
    participant_ids = BoundedListField(child=id_field(), required=False)  # get_fields() too
    room_id = id_field(
        required=False, allow_null=True, help_text="A room to book; null gives the room back."
    )
    recurrence = _recurrence_field(required=False)
    time_zone = StrictCharField(max_length=64, required=False, help_text=TIME_ZONE_HELP)

    def validate(self, attrs):
        meeting = self.context["meeting"]
        start = attrs.get("start_time", meeting.start_time)
        end = attrs.get("end_time", meeting.end_time)
        if end <= start:
            raise serializers.ValidationError({"end_time": "A meeting must end after it starts."})
        return attrs


class MeetingBulkSerializer(serializers.ListSerializer):
    """POST /api/meetings/bulk/: a JSON list of meetings, errors keyed by item index. Their
    invitations count together against the per-request and hourly limits."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("child", MeetingWriteSerializer())
        kwargs.setdefault("max_length", MAX_BULK_MEETINGS)
        kwargs.setdefault("min_length", 1)
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        self._check_invitations_per_request(data)
        # DRF reports a list's errors as a list with {} for the good items; key them by index.
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, list) and len(error.detail) == len(data):
                raise serializers.ValidationError(
                    {str(i): item for i, item in enumerate(error.detail) if item}
                ) from None
            raise

    def _check_invitations_per_request(self, data) -> None:
        """Before the items' ids are validated one by one (500 items of 500 ids are 250,000):
        the ids they list, counted together, against INVITES_PER_REQUEST."""
        if not isinstance(data, list) or len(data) > MAX_BULK_MEETINGS:
            return  # DRF says what is wrong with the list itself
        listed = (
            len(item["participant_ids"])
            if isinstance(item, dict) and isinstance(item.get("participant_ids"), list)
            else 0
            for item in data
        )
        try:
            check_per_request_items(listed)
        except ItemsValidationError as error:
            raise serializers.ValidationError(error.item_errors) from None


class InvitationLimitSerializer(serializers.Serializer):
    """429: too many requests (the throttles: `detail` only), or the organizer has sent
    INVITES_PER_HOUR invitations this hour. Either way, see Retry-After."""

    detail = StrictCharField()
    limit = StrictCharField(required=False, help_text="The limit reached: INVITES_PER_HOUR.")
    limit_value = serializers.IntegerField(
        required=False, help_text="Invitations per organizer per hour."
    )
    resets_at = RFC3339DateTimeField(
        required=False, help_text="When the hour's count starts again."
    )


class PreconditionFailedSerializer(serializers.Serializer):
    """412: If-Match named none of the meeting's current ETag; nothing was changed."""

    detail = StrictCharField()
    code = serializers.ChoiceField(choices=["precondition_failed"])
    etag = StrictCharField(help_text="The meeting's current ETag, as in the ETag header.")


class CancelSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=500, allow_blank=True, required=False, default="")


class RsvpSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            Participant.Status.ACCEPTED,
            Participant.Status.DECLINED,
            Participant.Status.TENTATIVE,
        ]
    )
    comment = StrictCharField(max_length=500, allow_blank=True, required=False, default="")


class InviteSerializer(serializers.Serializer):
    user_id = id_field()


class BulkStatusSerializer(serializers.Serializer):
    ids = BoundedListField(child=id_field(), min_length=1, max_length=MAX_BULK_MEETINGS)
    status = serializers.ChoiceField(choices=Meeting.Status.choices)


class BulkStatusResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class MeetingStatsSerializer(serializers.Serializer):
    total_meetings = serializers.IntegerField()
    total_duration_seconds = serializers.IntegerField()
    average_duration_seconds = serializers.FloatField(allow_null=True)
    upcoming = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())


class MeetingListParamsSerializer(serializers.Serializer):
    """The list's query parameters; `from` and `to` are Python keywords, hence get_fields()."""

    def get_fields(self):
        return {
            "from": LocalDateTimeField(
                required=False, help_text="Meetings that end after this time (ISO 8601)."
            ),
            "to": LocalDateTimeField(
                required=False, help_text="Meetings that start before this time (ISO 8601)."
            ),
            "status": serializers.ChoiceField(choices=Meeting.Status.choices, required=False),
            "role": serializers.ChoiceField(
                choices=[("organizer", "organizer"), ("participant", "participant")],
                required=False,
                help_text="Only meetings I organize, or only those I am invited to.",
            ),
            "search": StrictCharField(
                required=False, max_length=100, help_text="Words in the title."
            ),
        }

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["to"] <= attrs["from"]:
            raise serializers.ValidationError({"to": "Must be after from."})
        return attrs
