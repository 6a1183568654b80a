from datetime import UTC

from django.utils import timezone
from rest_framework import serializers


class LocalDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime; without an offset it is read in the caller's time zone.

    DRF refuses a local time the clocks pass twice (ambiguous) but reads one they skip (02:30
    when they jump from 02:00 to 03:00) as some other time. Refuse that too, and say why.
    """

    default_error_messages = {
        "nonexistent": "{value} does not exist in {timezone}: the clocks skip it. "
        "Send the time with its UTC offset.",
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        # A skipped local time does not survive a round trip through UTC.
        round_trip = parsed.astimezone(UTC).astimezone(parsed.tzinfo)
        if round_trip.replace(tzinfo=None) != parsed.replace(tzinfo=None):
            self.fail("nonexistent", value=value, timezone=timezone.get_current_timezone())
        return parsed
