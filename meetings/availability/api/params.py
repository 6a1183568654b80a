"""The query parameters of free/busy and find-a-time, and their limits."""

from datetime import UTC, timedelta

from rest_framework import serializers

from meetings.availability.rooms import ROOMS_PER_SLOT
from scheduler.api.fields import LocalDateTimeField

from .fields import UserIdsField

MAX_WINDOW = timedelta(days=62)
MIN_DURATION, MAX_DURATION = 5, 720  # minutes
DEFAULT_LIMIT, MAX_LIMIT = 5, 20


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
