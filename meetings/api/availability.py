"""GET /api/availability/ (free/busy) and GET /api/availability/suggest/ (find a time).

Any logged-in user may see any active user's busy times (never titles), as calendars inside an
organization allow. Times are read and written in the caller's zone; answers are built as plain
dicts (the serializers below are the schema, and a test parses answers back through them).
"""

import re
from dataclasses import asdict
from datetime import UTC, timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from meetings import availability
from meetings.availability.rooms import ROOMS_PER_SLOT
from scheduler.api.fields import (
    LocalDateTimeField,
    RFC3339DateTimeField,
    StrictCharField,
    rfc3339,
)
from scheduler.api.views import UserTimezoneMixin

from .serializers import MAX_ID, RoomSerializer

MAX_USERS = 100
MAX_WINDOW = timedelta(days=62)
MIN_DURATION, MAX_DURATION = 5, 720  # minutes
DEFAULT_LIMIT, MAX_LIMIT = 5, 20
_ID = re.compile(r"[0-9]{1,19}")

# -- parameters ------------------------------------------------------------------------------

USER_IDS_SCHEMA = {
    "type": "array",
    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "maxItems": MAX_USERS,
}


@extend_schema_field(USER_IDS_SCHEMA)
class UserIdsField(serializers.Field):
    """User ids, given as `users=3,1,2`, `users=3&users=1&users=2` or both mixed (the field gets
    every value of the parameter): their order is kept, repeats are dropped."""

    default_error_messages = {
        "invalid": "Give user ids separated by commas, such as 3,1,2.",
        "empty": "Give at least one user id.",
        "too_many": f"Ask about at most {MAX_USERS} people at once.",
    }

    def __init__(self, *, allow_empty: bool, **kwargs):
        self.allow_empty = allow_empty
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[int]:
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(value, str) for value in data):
            self.fail("invalid")
        joined = ",".join(data)
        if not joined.strip():
            if self.allow_empty:
                return []
            self.fail("empty")
        # Counted before anything is split or parsed.
        if joined.count(",") >= MAX_USERS:
            self.fail("too_many")
        parts = [part.strip() for part in joined.split(",")]
        if not all(_ID.fullmatch(part) and 1 <= int(part) <= MAX_ID for part in parts):
            self.fail("invalid")
        return list(dict.fromkeys(int(part) for part in parts))


def users_parameter(*, required: bool, description: str) -> OpenApiParameter:
    """`users=3&users=1&users=2`: an array as form style, exploded (OpenAPI's default for a query
    array, and what generated clients send); `users=3,1,2` is accepted too."""
    schema = {**USER_IDS_SCHEMA, "minItems": 1 if required else 0}
    return OpenApiParameter(
        "users", schema, required=required, style="form", explode=True, description=description
    )


class WindowParamsSerializer(serializers.Serializer):
    """`from` and `to` are Python keywords, hence get_fields()."""

    def users_field(self) -> UserIdsField:
        return UserIdsField(allow_empty=False)

    def get_fields(self):
        return {
            "users": self.users_field(),
            "from": LocalDateTimeField(help_text="Start of the window (ISO 8601)."),
            "to": LocalDateTimeField(
                help_text=f"End of the window, after `from`, at most {MAX_WINDOW.days} days on."
            ),
        }

    def validate(self, attrs):
        if attrs["to"] <= attrs["from"]:
            raise serializers.ValidationError({"to": ["Must be after from."]})
        # In UTC: two times of one zone subtract as wall-clock times in Python, an hour off
        # across a daylight-saving change.
        if attrs["to"].astimezone(UTC) - attrs["from"].astimezone(UTC) > MAX_WINDOW:
            raise serializers.ValidationError(
                {"to": [f"The window may span at most {MAX_WINDOW.days} days."]}
            )
        return attrs


class FreeBusyParamsSerializer(WindowParamsSerializer):
    pass


class SuggestParamsSerializer(WindowParamsSerializer):
    def users_field(self) -> UserIdsField:
        return UserIdsField(allow_empty=True, required=False, default=list)

    def get_fields(self):
        return {
            **super().get_fields(),
            "duration": serializers.IntegerField(
                min_value=MIN_DURATION, max_value=MAX_DURATION, help_text="Minutes."
            ),
            "limit": serializers.IntegerField(
                min_value=1,
                max_value=MAX_LIMIT,
                required=False,
                default=DEFAULT_LIMIT,
                help_text="How many slots at most.",
            ),
            "room": serializers.BooleanField(
                required=False,
                default=False,
                help_text="Only slots when a room seating everyone is free; each slot then "
                f"lists up to {ROOMS_PER_SLOT} of them, smallest first.",
            ),
        }


# -- answers (the schema; the views build the same shape as dicts) ----------------------------


class BusyIntervalSerializer(serializers.Serializer):
    start_time = RFC3339DateTimeField()
    end_time = RFC3339DateTimeField()
    status = serializers.ChoiceField(
        choices=[availability.BUSY, availability.TENTATIVE],
        help_text="busy: organizing or accepted; tentative: answered tentative or not yet.",
    )


class PersonFreeBusySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = StrictCharField()
    busy = BusyIntervalSerializer(many=True, help_text="Sorted; never two at once.")


class FreeBusySerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": RFC3339DateTimeField(),
            "to": RFC3339DateTimeField(),
            "users": PersonFreeBusySerializer(many=True, help_text="In the order asked."),
        }


class SlotSerializer(serializers.Serializer):
    start_time = RFC3339DateTimeField()
    end_time = RFC3339DateTimeField()
    rooms = RoomSerializer(many=True, required=False, help_text="With room=true only.")


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = StrictCharField()
    timezone = StrictCharField()


class SuggestionSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": RFC3339DateTimeField(),
            "to": RFC3339DateTimeField(),
            "duration": serializers.IntegerField(help_text="Minutes."),
            "attendees": AttendeeSerializer(many=True, help_text="The caller, then those asked."),
            "slots": SlotSerializer(many=True, help_text="Earliest first."),
            "reasons": serializers.ListField(
                child=StrictCharField(), help_text="Why there are no slots (empty if there are)."
            ),
        }


# -- views -----------------------------------------------------------------------------------


def _params(serializer_class, request) -> dict:
    # A plain dict, not the QueryDict: DRF reads `?to=` in a QueryDict as "not given". Its
    # dict() keeps only the last value of each name: `users` gets all of them.
    data = request.query_params.dict()
    if "users" in data:
        data["users"] = request.query_params.getlist("users")
    params = serializer_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _people(user_ids: list[int], *, caller: User | None = None) -> list[User]:
    """The people asked about (the caller first if given), or a 400 naming the missing ids."""
    wanted = list(dict.fromkeys([caller.pk, *user_ids])) if caller else user_ids
    people = availability.availability_users(user_ids=wanted)
    missing = sorted(set(user_ids) - {person.pk for person in people})
    if len(missing) == 1:
        raise serializers.ValidationError({"users": [f"No active user has the id {missing[0]}."]})
    if missing:
        ids = ", ".join(str(user_id) for user_id in missing)
        raise serializers.ValidationError({"users": [f"No active users have the ids {ids}."]})
    return people


def _interval(start, end, **extra) -> dict:
    return {"start_time": rfc3339(start), "end_time": rfc3339(end), **extra}


def free_busy_body(*, params: dict, busy: list[availability.PersonBusy]) -> dict:
    return {
        "from": rfc3339(params["from"]),
        "to": rfc3339(params["to"]),
        "users": [
            {
                "id": person.user.pk,
                "username": person.user.username,
                "busy": [_interval(i.start, i.end, status=i.status) for i in person.intervals],
            }
            for person in busy
        ],
    }


def suggestion_body(
    *, params: dict, people: list[User], suggestion: availability.Suggestion
) -> dict:
    return {
        "from": rfc3339(params["from"]),
        "to": rfc3339(params["to"]),
        "duration": params["duration"],
        "attendees": [
            {"id": person.pk, "username": person.username, "timezone": person.timezone}
            for person in people
        ],
        "slots": _slots(suggestion),
        "reasons": suggestion.reasons,
    }


def _slots(suggestion: availability.Suggestion) -> list[dict]:
    if suggestion.rooms is None:
        return [_interval(start, end) for start, end in suggestion.slots]
    return [
        _interval(start, end, rooms=[asdict(room) for room in rooms])
        for (start, end), rooms in zip(suggestion.slots, suggestion.rooms, strict=True)
    ]


class FreeBusyView(UserTimezoneMixin, APIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="availability_free_busy",
        summary="Free/busy of some people",
        description=(
            "Each person's busy times in the window: meetings that are not cancelled which "
            "they organize or are invited to and have not declined. Times only: no titles, no "
            "meeting ids. Intervals of one status are merged when they overlap or touch, "
            "clipped to the window and sorted; where busy and tentative overlap, busy wins. "
            "Three queries whatever the number of people."
        ),
        parameters=[
            FreeBusyParamsSerializer,
            users_parameter(
                required=True,
                description=f"Ids of active users, at most {MAX_USERS}: `users=3&users=1` or "
                "`users=3,1`.",
            ),
        ],
        responses=FreeBusySerializer,
    )
    def get(self, request):
        params = _params(FreeBusyParamsSerializer, request)
        people = _people(params["users"])
        busy = availability.free_busy(users=people, start=params["from"], end=params["to"])
        return Response(free_busy_body(params=params, busy=busy))


class SuggestView(UserTimezoneMixin, APIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="availability_suggest",
        summary="Find a time for some people and me",
        description=(
            "The first slots (earliest first, at most `limit`) of `duration` minutes in the "
            "window when the caller and every person listed work (each in their own zone and "
            "working hours) and none of them is busy or tentative. Slots start on the quarter "
            "hour and never in the past. With no slot, `reasons` says why in sentences. "
            "With `room=true`, only slots when a room seating everyone is free. Three queries "
            "whatever the number of people (four with rooms)."
        ),
        parameters=[
            SuggestParamsSerializer,
            users_parameter(
                required=False,
                description=f"Ids of active users besides the caller, at most {MAX_USERS}: "
                "`users=3&users=1` or `users=3,1`.",
            ),
        ],
        responses=SuggestionSerializer,
    )
    def get(self, request):
        params = _params(SuggestParamsSerializer, request)
        people = _people(params["users"], caller=request.user)
        suggestion = availability.suggest_slots(
            people=people,
            start=params["from"],
            end=params["to"],
            duration=timedelta(minutes=params["duration"]),
            limit=params["limit"],
            now=timezone.now(),
            display_zone=timezone.get_current_timezone(),
            with_rooms=params["room"],
        )
        return Response(suggestion_body(params=params, people=people, suggestion=suggestion))
